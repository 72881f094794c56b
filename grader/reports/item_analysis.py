"""Classical item analysis: how hard each question was and how well it separates strong from weak students.

Only the students who answered a question count in its statistics: a blank answer (the untouched stub) and a
question lost to a crashed or timed-out run are counted apart, so they never pass for a hard question.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from grader.pipeline.records import GradedSubmission, Score
from grader.pipeline.scoring import STOPS
from generator.grading.score import NO_ANSWER  # an untouched stub's feedback (marks sheets add a reason)

GROUP_SHARE = 0.27  # Kelley's upper/lower 27% groups
STUB = "NotImplementedError"  # what a code question's handed-out stub raises when the hidden tests call it
MAX_PART_NAMES = 8  # more distinct part names than this (a code question's test cases) are not broken down
ANSWERED, BLANK, CRASHED = "answered", "blank", "crashed"


def answer_state(record: GradedSubmission, score: Score) -> str:
    """ANSWERED, BLANK (no answer: the untouched stub) or CRASHED (no answer because the run stopped early).

    A run that crashed or ran out of time or memory counts as crashed for each question it left without an
    answer: a voided score (no parts, the value never came back) or a blank one.
    """
    blank = score.points == 0 and (score.feedback.startswith(NO_ANSWER) or STUB in score.feedback)
    if record.status in STOPS and score.points == 0 and (blank or not score.parts):
        return CRASHED
    return BLANK if blank else ANSWERED


@dataclass(frozen=True)
class PartStat:
    """One named part of a question (indices folded: 'pooled[0][1]' is 'pooled') over those who answered."""

    name: str
    answered: int
    mean: float  # share of the part's points earned, 0..1


@dataclass(frozen=True)
class Item:
    """Statistics of one question over the students who answered it."""

    qid: str
    max_points: float
    answered: int  # students whose answer was graded (blank and crashed left out)
    blank: int  # students who left the stub untouched
    crashed: int  # students whose run stopped before the question had an answer
    mean: float | None  # mean share of the points earned, 0..1 (the difficulty index); None: nobody answered
    full_marks: float | None  # share of those who answered with full marks
    point_biserial: float | None  # correlation of the item with the rest of the test (None if undefined)
    upper_lower: float | None  # mean item share in the top 27% minus the bottom 27% (None for < 4 students)
    parts: tuple[PartStat, ...] = ()  # per named part, when the question has 2 to MAX_PART_NAMES of them


def _correlation(a: np.ndarray, b: np.ndarray) -> float | None:
    """Pearson correlation, None when either side has no variance."""
    if len(a) < 2 or np.std(a) == 0 or np.std(b) == 0:
        return None
    return float(np.corrcoef(a, b)[0, 1])


def part_name(label: str) -> str:
    """A part's label without its indices: 'pooled[0][1]' -> 'pooled', 'conv1 shape[2]' -> 'conv1 shape'."""
    return re.sub(r"\[\d+\]", "", label).strip() or "entries"


def part_stats(scores: Sequence[Score]) -> tuple[PartStat, ...]:
    """Per named part: how many answered it and the share of its points earned (empty when not worth showing)."""
    earned: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0])
    students: dict[str, set[int]] = defaultdict(set)
    for index, score in enumerate(scores):
        for part in score.parts:
            name = part_name(part.label)
            earned[name][0] += part.points
            earned[name][1] += part.max_points
            students[name].add(index)
    if not 2 <= len(earned) <= MAX_PART_NAMES:
        return ()
    return tuple(PartStat(name, len(students[name]), points / maximum if maximum else 0.0)
                 for name, (points, maximum) in earned.items())


@dataclass(frozen=True)
class Responses:
    """One question over the class: the (record, score) of each student who answered, and who did not."""

    max_points: float
    answered: tuple[tuple[GradedSubmission, Score], ...]
    blank: int
    crashed: int


def responses(records: Sequence[GradedSubmission]) -> dict[str, Responses]:
    """Every question, in first-seen order, with its answers sorted by state (one pass over the records)."""
    points: dict[str, float] = {}
    answered: dict[str, list[tuple[GradedSubmission, Score]]] = defaultdict(list)
    counts: dict[str, dict[str, int]] = defaultdict(lambda: {BLANK: 0, CRASHED: 0})
    for record in records:
        for score in record.scores:
            points.setdefault(score.qid, score.max_points)
            state = answer_state(record, score)
            if state == ANSWERED:
                answered[score.qid].append((record, score))
            else:
                counts[score.qid][state] += 1
    return {qid: Responses(maximum, tuple(answered[qid]), counts[qid][BLANK], counts[qid][CRASHED])
            for qid, maximum in points.items()}


def analyse(records: Sequence[GradedSubmission]) -> list[Item]:
    """One Item per question; discrimination uses the total without the item itself (corrected)."""
    return [_item(qid, found) for qid, found in responses(records).items()]


def _item(qid: str, found: Responses) -> Item:
    """One question's statistics from the students who answered it."""
    answered = found.answered
    share = np.array([s.points / s.max_points if s.max_points else 0.0 for _, s in answered])
    rest = np.array([r.points - s.points for r, s in answered])
    upper_lower = None
    if len(answered) >= 4:
        order = np.argsort(np.array([r.points for r, _ in answered]), kind="stable")
        group = math.ceil(GROUP_SHARE * len(answered))
        upper_lower = float(share[order[-group:]].mean() - share[order[:group]].mean())
    return Item(qid, found.max_points, len(answered), found.blank, found.crashed,
                float(share.mean()) if len(share) else None,
                float(np.mean(share >= 1.0 - 1e-9)) if len(share) else None,
                _correlation(share, rest), upper_lower, part_stats([s for _, s in answered]))
