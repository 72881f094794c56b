"""The grader's half of the seam: ask each question's kind what to run, hand back what came, let the kind score.

The grader names no kind. A kind declares its sandbox request (answer variables, calls on the student's names,
job files, which submitted files it reads) and scores the plain data that comes back (generator/kinds). Here
its call names are prefixed with the question id, so questions never collide in one job, and taken off again.

Values come back as they become final (docs/GRADING.md, "Partial results"): a question is scored on whatever
value came back for it, whatever happened to the notebook afterwards; only a value that never came back is
voided, with the cell where the notebook stopped as the reason.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from generator import kinds
from generator.model import Attachment, Context, Request, Returned, Score, Variant
from generator.calls import Call
from grader.sandbox.api import Outcome
from grader.sandbox.verdict import NO_VALUE

NOT_GRADED = "not graded:"  # how a score that is no verdict on the answer begins (it never ran)
STOPS = {"timeout": "ran out of time", "memory": "ran out of memory", "crashed": "crashed",
         "output_limit": "printed too much"}


@dataclass(frozen=True)
class Asked:
    """One question and what its kind asked the sandbox for, call names prefixed '<qid>/'."""

    variant: Variant
    request: Request

    @property
    def calls(self) -> tuple[Call, ...]:
        """The request's calls under their job-wide names."""
        return tuple(replace(call, name=f"{self.variant.qid}/{call.name}") for call in self.request.calls)

    @property
    def names(self) -> tuple[str, ...]:
        """Every job-wide name this question reads back: its variables and its calls."""
        return (*self.request.variables, *(call.name for call in self.calls))


def ask(variant: Variant, context: Context) -> Asked:
    """The kind's request for one question (a ValueError is a grader-side defect: a missing bar, a bad key)."""
    return Asked(variant, kinds.request(variant, context))


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
    """'the notebook crashed in cell 12 (the process exited with code 0)', or '' when it finished."""
    if outcome is None or outcome.stopped_in is None:
        return ""
    how = STOPS.get(outcome.status, "stopped")
    detail = f" ({outcome.reason})" if outcome.reason else ""
    return f"the notebook {how} {where_stopped(outcome, numbers, calls)}{detail}"


def returned(asked: Asked, outcome: Outcome, attachments: Sequence[Attachment], stopped: str) -> Returned:
    """What came back for one question, under its own names; a name the run never reached says where it stopped."""
    values, problems = {}, {}
    local = {**{v: v for v in asked.request.variables},
             **{f"{asked.variant.qid}/{c.name}": c.name for c in asked.request.calls}}
    for name, own in local.items():
        if name in outcome.variables or name in outcome.results:
            values[own] = outcome.variables[name] if name in outcome.variables else outcome.results[name]
            continue
        problem = outcome.problems.get(name, "not defined")
        problems[own] = f"{NO_VALUE}: {stopped}" if stopped and problem.startswith(NO_VALUE) else problem
    wanted = tuple(a for a in attachments if asked.request.attachments and a.name.lower().endswith(
        asked.request.attachments))
    return Returned(values, problems, wanted)


def _never_ran(asked: Asked, outcome: Outcome) -> bool:
    """True when none of the question's calls came back because the notebook stopped first."""
    names = [call.name for call in asked.calls]
    return bool(names) and all(n not in outcome.results and outcome.problems.get(n, NO_VALUE).startswith(NO_VALUE)
                               for n in names)


def score_submission(asked: Asked, outcome: Outcome | None, fatal: str | None, context: Context,
                     attachments: Sequence[Attachment] = (), stopped: str = "") -> Score:
    """The kind's score of what came back; a submission that never ran scores 0 with the reason."""
    variant = asked.variant
    if fatal is not None or outcome is None:
        return Score(variant.qid, 0.0, variant.points, f"{NOT_GRADED} {fatal or 'the notebook did not run'}")
    if stopped and _never_ran(asked, outcome):
        return Score(variant.qid, 0.0, variant.points, f"{NOT_GRADED} {stopped} before its hidden tests ran")
    return kinds.score(variant, returned(asked, outcome, attachments, stopped), context)


def unread_attachments(asked: Sequence[Asked], attachments: Sequence[Attachment]) -> tuple[str, ...]:
    """A note for submitted files no question reads (weights for an assignment that trains no model)."""
    wanted = tuple(suffix for a in asked for suffix in a.request.attachments)
    unread = [a.label for a in attachments if not (wanted and a.name.lower().endswith(wanted))]
    return (f"{', '.join(unread)}: no question of this assignment reads such a file; ignored",) if unread else ()


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
