"""Turning a sandbox outcome into per-question scores, in the grader's process, on plain data only."""

from __future__ import annotations

from grader.answers import grade_answer
from grader.code_checks import score_architecture, score_cases
from grader.lenet5_training import score_training
from grader.lenet5_weights import WeightsResult, with_weights
from grader.plans import Plan
from grader.records import QuestionScore
from grader.sandbox.api import Outcome


def _unfinished(outcome: Outcome) -> str | None:
    """Why values may be missing: the run stopped early (timeout, memory, crash, output flood)."""
    reasons = {"timeout": "the notebook ran out of time", "memory": "the notebook ran out of memory",
               "crashed": "the notebook's process crashed", "output_limit": "the notebook printed too much"}
    return reasons.get(outcome.status)


def score_plan(p: Plan, outcome: Outcome | None, fatal: str | None, weights: WeightsResult | None = None
               ) -> QuestionScore:
    """One question's score; a submission that never ran scores 0 with the reason."""
    q = p.question
    if fatal is not None or outcome is None:
        return QuestionScore(q.qid, 0.0, q.points, f"not graded: {fatal or 'the notebook did not run'}")
    stopped = _unfinished(outcome)
    if p.method == "answer":
        name = str(q.variable)
        problem = outcome.problems.get(name)
        if name not in outcome.variables and problem is None:
            problem = stopped or "not defined"
        return grade_answer(q, outcome.variables.get(name), problem)
    problems = dict(outcome.problems)
    if stopped:
        for key in (f"{p.call_prefix}/{c.name}" for c in p.cases):
            problems.setdefault(key, stopped)
    if p.method == "cases":
        return score_cases(q, p.hidden_tests, p.cases, outcome.results, problems)
    assert p.architecture is not None

    def value(name: str) -> tuple[object, str | None]:
        """A call's result, or why there is none."""
        problem = problems.get(name) or (stopped if name not in outcome.results else None)
        return outcome.results.get(name), problem

    trained_points = p.training.points if p.training else 0.0
    score = score_architecture(q.qid, q.points - trained_points, *value(f"{p.call_prefix}/summary"),
                               p.architecture.params, p.architecture.shapes)
    if p.training is None:
        return score
    part, line = score_training(p.training, *value(f"{p.call_prefix}/training"))
    if weights is not None:
        architecture_ok = bool(score.parts) and all(got == most for _, got, most in score.parts)
        part, line = with_weights(p.training, part, line, weights, architecture_ok)
    return QuestionScore(q.qid, round(score.points + part[1], 4), q.points, f"{score.feedback}; {line}",
                         score.parts + (part,))


def cell_error_notes(outcome: Outcome | None, code_cell_indices: tuple[int, ...]) -> tuple[str, ...]:
    """One line per failing cell, numbered as in the notebook (job cells are the code cells only)."""
    if outcome is None:
        return ()
    notes = []
    for index, name, message in outcome.cell_errors:
        where = code_cell_indices[index] if 0 <= index < len(code_cell_indices) else index
        detail = message if message.startswith(name) else f"{name}: {message}"
        notes.append(f"cell {where} raised {detail}")
    stopped = _unfinished(outcome)
    detail = f": {outcome.reason}" if outcome.reason else ""
    return tuple(notes) + ((f"{stopped} (status {outcome.status}{detail})",) if stopped else ())
