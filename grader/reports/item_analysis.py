"""Classical item analysis: how hard each question was and how well it separates strong from weak students."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from grader.pipeline.records import GradedSubmission

GROUP_SHARE = 0.27  # Kelley's upper/lower 27% groups


@dataclass(frozen=True)
class Item:
    """Statistics of one question over the class."""

    qid: str
    max_points: float
    mean: float  # mean share of the points earned, 0..1 (the difficulty index)
    full_marks: float  # share of students with full marks
    point_biserial: float | None  # correlation of the item with the rest of the test (None if undefined)
    upper_lower: float | None  # mean item share in the top 27% minus the bottom 27% (None for < 4 students)


def _correlation(a: np.ndarray, b: np.ndarray) -> float | None:
    """Pearson correlation, None when either side has no variance."""
    if len(a) < 2 or np.std(a) == 0 or np.std(b) == 0:
        return None
    return float(np.corrcoef(a, b)[0, 1])


def score_matrix(records: Sequence[GradedSubmission]) -> tuple[list[str], np.ndarray, np.ndarray]:
    """(question ids, earned points per student x question, max points per question); missing answers count 0."""
    qids: dict[str, float] = {}
    for record in records:
        for s in record.scores:
            qids.setdefault(s.qid, s.max_points)
    names = list(qids)
    earned = np.zeros((len(records), len(names)))
    for row, record in enumerate(records):
        for s in record.scores:
            earned[row, names.index(s.qid)] = s.points
    return names, earned, np.array([qids[q] for q in names])


def analyse(records: Sequence[GradedSubmission]) -> list[Item]:
    """One Item per question; discrimination uses the total without the item itself (corrected)."""
    qids, earned, maxima = score_matrix(records)
    totals = earned.sum(axis=1)
    order = np.argsort(totals, kind="stable")
    group = math.ceil(GROUP_SHARE * len(records))
    items = []
    for col, qid in enumerate(qids):
        share = earned[:, col] / maxima[col] if maxima[col] else np.zeros(len(records))
        rest = totals - earned[:, col]
        upper_lower = None
        if len(records) >= 4:
            upper_lower = float(share[order[-group:]].mean() - share[order[:group]].mean())
        items.append(Item(qid, float(maxima[col]), float(share.mean()) if len(share) else 0.0,
                          float(np.mean(share >= 1.0 - 1e-9)) if len(share) else 0.0,
                          _correlation(share, rest), upper_lower))
    return items
