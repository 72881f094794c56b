"""Scoring of answer cells: an adapter onto the generator's own kind checkers (generator/grading.py), never a copy."""

from __future__ import annotations

from typing import Any

from generator.model import Score, Variant
from grader.records import KeyQuestion, QuestionScore


def _parts(score: Score) -> tuple[tuple[str, float, float], ...]:
    """The kind's per-part dicts ({part, points}) as (label, points, max_points), max shared equally."""
    if not score.parts:
        return ()
    share = round(score.max_points / len(score.parts), 6)
    return tuple((str(p.get("part", i)), float(p.get("points", 0.0)), share) for i, p in enumerate(score.parts))


def grade_answer(question: KeyQuestion, submitted: Any, problem: str | None) -> QuestionScore:
    """The kind's grade of the value the sandbox read back; a value it could not read scores 0 with the reason."""
    from generator.kinds import KINDS  # the registry imports every kind; only grading needs it

    name = question.variable or question.qid
    if problem is not None:
        return QuestionScore(question.qid, 0.0, question.points, f"{name} could not be read: {problem}")
    kind = KINDS.get(question.kind)
    if kind is None:
        raise ValueError(f"answer key question {question.qid!r}: unknown kind {question.kind!r}")
    score = kind.grade(Variant.from_key(question.raw), submitted)
    return QuestionScore(question.qid, float(score.points), float(score.max_points), score.feedback, _parts(score))
