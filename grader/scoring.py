"""Turning a sandbox outcome into per-question scores, in the grader's process, on plain data only.

Values come back as they become final (docs/GRADING.md, "Partial results"): a question is scored on whatever
value came back for it, whatever happened to the notebook afterwards; only a value that never came back is
voided, with the cell where the notebook stopped as the reason.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from grader.answers import grade_answer
from grader.code_checks import score_architecture, score_cases
from grader.lenet5_training import score_training
from grader.lenet5_weights import WeightsResult, with_weights
from grader.plans import Plan, calls_of
from grader.records import QuestionScore
from grader.sandbox.api import Call, Outcome
from grader.sandbox.verdict import NO_VALUE

STOPS = {"timeout": "ran out of time", "memory": "ran out of memory", "crashed": "crashed",
         "output_limit": "printed too much"}


def where_stopped(outcome: Outcome, numbers: Sequence[int], calls: Sequence[Call]) -> str:
    """Where a run that did not finish stopped, as the student counts: 'cell 12', or the question's hidden tests."""
    if outcome.stopped_in is None:
        return ""
    phase, index = outcome.stopped_in
    if phase in ("cell", "results") and 0 <= index < len(numbers):
        return f"in cell {numbers[index]}" if phase == "cell" else f"after cell {numbers[index]}"
    if phase == "call" and 0 <= index < len(calls):
        return f"in the hidden tests of question {calls[index].name.split('/')[0]}"
    return "before its first cell" if phase == "start" else "at the end"


def stop_line(outcome: Outcome | None, numbers: Sequence[int], calls: Sequence[Call]) -> str:
    """'the notebook crashed in cell 12 (the process exited with code 0 before the end)', or '' when it finished."""
    if outcome is None or outcome.stopped_in is None:
        return ""
    how = STOPS.get(outcome.status, "stopped")
    detail = f" ({outcome.reason})" if outcome.reason else ""
    return f"the notebook {how} {where_stopped(outcome, numbers, calls)}{detail}"


def _value(values: Mapping[str, object], problems: Mapping[str, str], name: str,
           stopped: str) -> tuple[object, str | None]:
    """A name's value, or why there is none: its own problem, or where the notebook stopped before it came back."""
    if name in values:
        return values[name], None
    problem = problems.get(name, "not defined")
    return None, (f"{NO_VALUE}: {stopped}" if stopped and problem.startswith(NO_VALUE) else problem)


def score_plan(p: Plan, outcome: Outcome | None, fatal: str | None, weights: WeightsResult | None = None,
               stopped: str = "") -> QuestionScore:
    """One question's score from the values that came back; a submission that never ran scores 0 with the reason."""
    q = p.question
    if fatal is not None or outcome is None:
        return QuestionScore(q.qid, 0.0, q.points, f"not graded: {fatal or 'the notebook did not run'}")
    if p.method == "answer":
        return grade_answer(q, *_value(outcome.variables, outcome.problems, str(q.variable), stopped))
    names = [call.name for call in calls_of(p)]
    if stopped and names and all(n not in outcome.results and outcome.problems.get(n, NO_VALUE).startswith(NO_VALUE)
                                 for n in names):
        return QuestionScore(q.qid, 0.0, q.points, f"not graded: {stopped} before its hidden tests ran")
    if p.method == "cases":
        problems = {n: why for n in names
                    for _, why in [_value(outcome.results, outcome.problems, n, stopped)] if why is not None}
        return score_cases(q, p.hidden_tests, p.cases, outcome.results, problems)
    assert p.architecture is not None
    trained_points = p.training.points if p.training else 0.0
    score = score_architecture(q.qid, q.points - trained_points,
                               *_value(outcome.results, outcome.problems, f"{p.call_prefix}/summary", stopped),
                               p.architecture.params, p.architecture.shapes)
    if p.training is None:
        return score
    part, line = score_training(p.training,
                                *_value(outcome.results, outcome.problems, f"{p.call_prefix}/training", stopped))
    if weights is not None:
        architecture_ok = bool(score.parts) and all(got == most for _, got, most in score.parts)
        part, line = with_weights(p.training, part, line, weights, architecture_ok)
    return QuestionScore(q.qid, round(score.points + part[1], 4), q.points, f"{score.feedback}; {line}",
                         score.parts + (part,))


def cell_error_notes(outcome: Outcome | None, numbers: Sequence[int], calls: Sequence[Call]) -> tuple[str, ...]:
    """One line per failing cell, by its number in the notebook, then where the notebook stopped, if it did."""
    if outcome is None:
        return ()
    notes = []
    for index, name, message in outcome.cell_errors:
        where = numbers[index] if 0 <= index < len(numbers) else index + 1
        detail = message if message.startswith(name) else f"{name}: {message}"
        notes.append(f"cell {where} raised {detail}")
    stopped = stop_line(outcome, numbers, calls)
    if stopped:
        notes.append(f"{stopped}; what came back before that still counts")
    elif outcome.output_truncated:
        notes.append(f"the output was cut ({outcome.reason}); grading does not read it")
    return tuple(notes)
