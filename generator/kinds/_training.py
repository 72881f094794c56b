"""The `training:` block of a code_lenet5 template: train the student's model in the grader's sandbox and score its
accuracy against the committed bar for the same budget and device class (docs/GRADING.md).

    training:
      points: 4                       # of the question's points; the architecture check gets the rest
      dataset: fashion-mnist          # a name under the data roots (--data, $CNNLAB_DATA, /usr/share/datasets)
      cpu: {epochs: 2, train_subset: 10000, test_subset: 2000, batch_size: 64, timeout_s: 60}
      cuda: {epochs: 5, train_subset: 60000, test_subset: 10000}
      score: {full_within: 1.5, zero_at: 10}   # percentage points below the bar
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from typing import Any

from solutions.lenet5_bar import MIN_STEPS, Budget

DEVICES = ("cpu", "cuda")
KNOWN_CLASSES = {"fashion-mnist": 10, "mnist": 10}  # checked when generating; other sets when grading


@dataclass(frozen=True)
class Rule:
    """Full credit within full_within points of the bar, falling linearly to none at zero_at points below it."""

    full_within: float = 1.5
    zero_at: float = 10.0

    def share(self, accuracy: float, bar: float) -> float:
        """The share of the training points an accuracy (in percent) earns against a bar (in percent)."""
        below = bar - accuracy
        if below <= self.full_within:
            return 1.0
        return max(0.0, (self.zero_at - below) / (self.zero_at - self.full_within))

    def describe(self) -> str:
        """The rule in words, for the prompt and the feedback."""
        return (f"full credit within {self.full_within:g} points of the bar, falling linearly to none at "
                f"{self.zero_at:g} points below it")


@dataclass(frozen=True)
class Training:
    """A parsed, checked `training:` block."""

    points: float
    dataset: str
    budgets: Mapping[str, Budget]
    rule: Rule

    def to_json(self) -> dict[str, Any]:
        """Plain data for the variant's params (and so the answer key and the prompt)."""
        return {"points": self.points, "dataset": self.dataset, "score": asdict(self.rule),
                **{device: asdict(budget) for device, budget in self.budgets.items()}}


def _number(raw: Mapping[str, Any], key: str, where: str, default: float, whole: bool, low: float) -> Any:
    """One numeric field, at least `low`; errors name the key as training.<where><key>."""
    value = raw.get(key, default)
    kind_ok = type(value) is int if whole else type(value) in (int, float)
    if not kind_ok or value < low:
        kind = "a whole number" if whole else "a number"
        raise ValueError(f"training.{where}{key} must be {kind} >= {low:g}, got {value!r}")
    return value


def _keys(raw: Any, allowed: tuple[str, ...], where: str) -> Mapping[str, Any]:
    """A mapping holding only known keys."""
    if not isinstance(raw, Mapping):
        raise ValueError(f"training{'.' + where.rstrip('.') if where else ''} must be a mapping, got {raw!r}")
    unknown = sorted(set(raw) - set(allowed))
    if unknown:
        raise ValueError(f"training.{where}{unknown[0]}: unknown key; valid keys: {', '.join(allowed)}")
    return raw


def _budget(raw: Any, device: str) -> Budget:
    """One device's budget."""
    budget = _keys(raw, tuple(f.name for f in fields(Budget)), f"{device}.")
    defaults = Budget()
    parsed = Budget(**{f.name: _number(budget, f.name, f"{device}.", getattr(defaults, f.name),
                                       f.name != "timeout_s", 1) for f in fields(Budget)})
    steps = parsed.train_subset // parsed.batch_size * parsed.epochs
    if steps < MIN_STEPS:  # caught here, at the template's line, rather than when grading starts
        raise ValueError(f"training.{device}: epochs * (train_subset // batch_size) must be at least {MIN_STEPS} "
                         f"steps, got {steps}")
    return parsed


def parse_training(raw: Any, question_points: float) -> Training:
    """Check a template's (or key's) `training:` block; every error names the offending key."""
    block = _keys(raw, ("points", "dataset", "score", *DEVICES), "")
    points = _number(block, "points", "", question_points / 2, False, 0)
    if not 0 < points <= question_points:
        raise ValueError(f"training.points must be above 0 and at most the question's {question_points:g} points, "
                         f"got {points!r}")
    dataset = block.get("dataset", "fashion-mnist")
    if not isinstance(dataset, str) or not dataset:
        raise ValueError(f"training.dataset must be a data set name or folder, got {dataset!r}")
    budgets = {device: _budget(block[device], device) for device in DEVICES if device in block}
    if "cpu" not in budgets:
        raise ValueError("training.cpu: missing; a CPU budget is needed for grading machines without a GPU")
    score = _keys(block.get("score", {}), ("full_within", "zero_at"), "score.")
    rule = Rule(_number(score, "full_within", "score.", Rule.full_within, False, 0),
                _number(score, "zero_at", "score.", Rule.zero_at, False, 0))
    if rule.zero_at <= rule.full_within:
        raise ValueError(f"training.score.zero_at ({rule.zero_at:g}) must be above full_within ({rule.full_within:g})")
    return Training(float(points), dataset, budgets, rule)


def check_classes(training: Training, num_classes: int) -> None:
    """A named data set with a known class count must match the variant's num_classes."""
    expected = KNOWN_CLASSES.get(training.dataset)
    if expected is not None and expected != num_classes:
        raise ValueError(f"training on {training.dataset} needs num_classes {expected}, got {num_classes}")
