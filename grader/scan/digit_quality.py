"""How well the digit reader does, and where it should stop trusting itself: the issue's targets, per digit and per box.

A number box of several digits is accepted only when every digit's confidence reaches the threshold; it is wrong
when any digit is. The threshold is the lowest confidence at which, on held-out digits grouped into boxes, at most a
target share of the accepted boxes are wrong, so as few boxes as possible go to review without a silent wrong grade.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

TARGET_ACCURACY = 0.98  # the targets: held-out digits right ...
TARGET_ACCEPTED_WRONG = 0.005  # ... of the boxes accepted without review, at most this share wrong ...
TARGET_REVIEW = 0.15  # ... and at most this share of number boxes sent to review
BOX_DIGITS = 3  # the box the threshold is calibrated for: a typical answer (e.g. 120, 0.25) has three digits


@dataclass(frozen=True)
class Figures:
    """A reading of labelled digits at one threshold: accuracy per digit, and review and error per digit and per box."""

    digits: int
    accuracy: float
    per_digit: dict[str, float]  # "0".."9" -> share of that digit read right
    threshold: float
    review_share: float  # digits under the threshold
    accepted_wrong: float  # of the digits at or over it, the share read wrong
    box_digits: int
    boxes: int
    box_review_share: float  # boxes with any digit under the threshold
    box_accepted_wrong: float  # of the other boxes, the share with any digit wrong

    def meets_targets(self) -> bool:
        """Whether these figures reach the issue's targets for digits and boxes."""
        return (self.accuracy >= TARGET_ACCURACY and self.box_accepted_wrong <= TARGET_ACCEPTED_WRONG
                and self.box_review_share <= TARGET_REVIEW)

    def as_json(self) -> dict[str, object]:
        """Plain values, rounded for a readable report."""
        return {key: (round(value, 6) if isinstance(value, float) else
                      {k: round(v, 6) for k, v in value.items()} if isinstance(value, dict) else value)
                for key, value in asdict(self).items()}

    def lines(self) -> list[str]:
        """The figures as a few printed lines."""
        per_digit = "  ".join(f"{digit}: {share:.2%}" for digit, share in self.per_digit.items())
        return [f"held-out accuracy {self.accuracy:.2%} on {self.digits} digits (target {TARGET_ACCURACY:.0%})",
                f"per digit  {per_digit}",
                f"threshold {self.threshold:.4f}: per digit {self.review_share:.2%} to review, "
                f"{self.accepted_wrong:.3%} of accepted wrong",
                f"per {self.box_digits}-digit box ({self.boxes} boxes): {self.box_review_share:.2%} to review "
                f"(target <= {TARGET_REVIEW:.0%}), {self.box_accepted_wrong:.3%} of accepted wrong "
                f"(target <= {TARGET_ACCEPTED_WRONG:.1%})"]


def _boxes(correct: np.ndarray, confidence: np.ndarray, box_digits: int) -> tuple[np.ndarray, np.ndarray]:
    """Consecutive digits grouped into boxes: (whether each box is right, its lowest confidence)."""
    whole = len(correct) // box_digits * box_digits
    if whole == 0:
        raise ValueError(f"need at least {box_digits} digits to form one box, got {len(correct)}")
    right = np.asarray(correct[:whole], dtype=bool).reshape(-1, box_digits).all(axis=1)
    return right, np.asarray(confidence[:whole]).reshape(-1, box_digits).min(axis=1)


def _wrong_share(right: np.ndarray, accepted: np.ndarray) -> float:
    """The share of wrong ones among the accepted (0 when none is accepted)."""
    return float((~right & accepted).sum() / accepted.sum()) if accepted.any() else 0.0


def calibrate(correct: np.ndarray, confidence: np.ndarray, box_digits: int = BOX_DIGITS,
              target: float = TARGET_ACCEPTED_WRONG) -> float:
    """The lowest threshold at which at most `target` of the accepted boxes are wrong (most boxes accepted)."""
    right, lowest = _boxes(correct, confidence, box_digits)
    order = np.argsort(-lowest, kind="stable")  # most confident boxes first: accepting a prefix is one threshold
    wrong_so_far = np.cumsum(~right[order])
    rate = wrong_so_far / np.arange(1, len(order) + 1)
    # a threshold accepts every box with the same lowest confidence: only the last of a run of ties can be cut at
    cuttable = np.append(lowest[order][1:] < lowest[order][:-1], True)
    allowed = np.flatnonzero((rate <= target) & cuttable)
    if len(allowed) == 0:
        return float(np.nextafter(np.float32(1.0), np.float32(2.0)))  # nothing can be trusted: everything to review
    return float(lowest[order][allowed[-1]])


def box_sizes(predicted: np.ndarray, confidence: np.ndarray, labels: np.ndarray, threshold: float,
              sizes: tuple[int, ...] = (1, 2, 3, 4, 5)) -> dict[str, dict[str, float]]:
    """Review share and accepted-wrong rate for boxes of each number of digits (a box is as sure as its least sure)."""
    table = {}
    for size in sizes:
        result = figures(predicted, confidence, labels, threshold, size)
        table[str(size)] = {"review_share": round(result.box_review_share, 6),
                            "accepted_wrong": round(result.box_accepted_wrong, 6)}
    return table


def box_size_line(table: dict[str, dict[str, float]]) -> str:
    """box_sizes' table as one printed line."""
    return "by digits per box: " + ", ".join(f"{size}: {row['review_share']:.1%} to review, "
                                             f"{row['accepted_wrong']:.2%} wrong" for size, row in table.items())


def figures(predicted: np.ndarray, confidence: np.ndarray, labels: np.ndarray, threshold: float,
            box_digits: int = BOX_DIGITS) -> Figures:
    """Accuracy, per-digit accuracy, and review share and accepted-wrong rate per digit and per box."""
    labels = np.asarray(labels)
    correct = np.asarray(predicted) == labels
    accepted = np.asarray(confidence) >= threshold
    per_digit = {str(d): float(correct[labels == d].mean()) if (labels == d).any() else float("nan") for d in range(10)}
    right, lowest = _boxes(correct, confidence, box_digits)
    box_accepted = lowest >= threshold
    return Figures(digits=len(labels), accuracy=float(correct.mean()), per_digit=per_digit, threshold=float(threshold),
                   review_share=float(1 - accepted.mean()), accepted_wrong=_wrong_share(correct, accepted),
                   box_digits=box_digits, boxes=len(right), box_review_share=float(1 - box_accepted.mean()),
                   box_accepted_wrong=_wrong_share(right, box_accepted))
