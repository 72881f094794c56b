"""The per-submission steps before the sandbox: each one small, tested alone, and tolerant of earlier failures.

A step never raises for bad student input: it records `fatal` (the notebook cannot be graded) or adds a note,
and later steps do what they still can (a file that is not JSON is still identified by its name).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from generator.model import Context, Variant
from grader.pipeline.answer_cells import STRIPPED, answer_cells, colab_notes, drop_untouched_copies
from grader.pipeline.answer_key import KeyDir
from grader.pipeline.identify import identify
from grader.pipeline.notebook import Cell, NotebookError, cells, notebook_cnnlab, parse, strip_outputs
from grader.pipeline.records import AnswerKey, Identity, RawSubmission
from grader.pipeline.roster import Roster
from grader.sandbox.api import Job, Outcome
from grader.pipeline.scoring import Asked, ask, unread_attachments
from generator.limits import MAX_SOURCE_BYTES

SKIPPED = ("check",)  # the generator's visible sanity checks: for the student; the grader runs hidden tests


@dataclass(frozen=True)
class Env:
    """What every step may consult: the answer keys and who is known (roster, or the keys present)."""

    keys: KeyDir
    known: Roster
    roster: Roster | None
    context: Context = Context()  # data, bars and device, for kinds whose checks need them (a trained model)


@dataclass(frozen=True)
class State:
    """One submission on its way through the steps."""

    raw: RawSubmission
    notebook: dict[str, Any] | None = None
    fatal: str | None = None
    identity: Identity | None = None
    key: AnswerKey | None = None
    cells: tuple[Cell, ...] = ()
    asked: tuple[Asked, ...] = ()  # what each question's kind asked the sandbox for
    job: Job | None = None
    outcome: Outcome | None = None
    notes: tuple[str, ...] = ()

    def note(self, *lines: str) -> State:
        """The same state with more submission-level messages."""
        return replace(self, notes=self.notes + lines)


def read_notebook(state: State, env: Env) -> State:
    """Decode and parse; a file whose bytes could not be had, or not parsed, becomes `fatal` with a one-line reason."""
    if state.raw.problem is not None:
        return replace(state, fatal=f"{state.raw.filename}: {state.raw.problem}")
    try:
        return replace(state, notebook=parse(state.raw.data))
    except NotebookError as error:
        return replace(state, fatal=f"{state.raw.filename}: {error}")


def drop_outputs(state: State, env: Env) -> State:
    """Strip outputs first of all, so a 100 MB output goes no further than this step."""
    return state if state.notebook is None else replace(state, notebook=strip_outputs(state.notebook))


def identify_student(state: State, env: Env) -> State:
    """Metadata id cross-checked with the file name and roster; the file name wins on disagreement.

    An identity the state already holds (decided by the Dask client, grader/distributed/) is kept as it is.
    """
    meta = notebook_cnnlab(state.notebook).get("student_id") if state.notebook is not None else None
    identity = state.identity or identify(meta, state.raw.filename, env.known, env.roster)
    return replace(state, identity=identity).note(*identity.flags)


def load_key(state: State, env: Env) -> State:
    """The identified student's key: the variant always comes from here, never from the notebook."""
    student = state.identity.student_id if state.identity else None
    if student is None:
        return replace(state, fatal=state.fatal or f"{state.raw.filename}: cannot identify the student")
    key = env.keys.load(student)
    if key is None:
        return replace(state, fatal=state.fatal or f"{state.raw.filename}: no answer key for student {student!r}")
    return replace(state, key=key)


def find_cells(state: State, env: Env) -> State:
    """Answer cells by metadata (order is irrelevant); missing, duplicated or foreign cells and Colab imports: notes.

    An untouched copy of an answered cell is left out of the job, so the stub below an answer cannot erase it.
    """
    if state.notebook is None or state.key is None:
        return state
    found, copies = drop_untouched_copies(cells(state.notebook))
    notes = []
    assignment = notebook_cnnlab(state.notebook).get("assignment")
    if assignment not in (None, state.key.assignment):
        notes.append(f"the notebook says assignment {assignment!r} but the key is for {state.key.assignment!r}; "
                     "graded against the key")
    present = answer_cells(found)
    missing = [q for q in state.key.questions if q.qid not in present]
    if missing and not present:  # one cause, one note: the metadata was stripped
        notes.append(f"{STRIPPED}; looked for {', '.join(answer_name(q) for q in missing)} in every cell")
    else:
        notes += [f"question {q.qid}: no answer cell with its metadata (deleted or cleared?); "
                  f"looked for {answer_name(q)} in every cell" for q in missing]
    return replace(state, cells=found).note(*notes, *copies, *colab_notes(found))


def answer_name(question: Variant) -> str:
    """The name a student's cell defines: the function or class of a code question, else the answer variable."""
    return question.entry_point or question.variable


def make_requests(state: State, env: Env) -> State:
    """Ask each question's kind what the sandbox must run (hidden inputs are drawn here, in the grader's process)."""
    if state.key is None:
        return state
    asked = tuple(ask(q, env.context) for q in state.key.questions)
    return replace(state, asked=asked).note(*unread_attachments(asked, state.raw.weights))


def job_cells(found: tuple[Cell, ...]) -> tuple[Cell, ...]:
    """The cells sent to the sandbox: every code cell but the visible checks, in notebook order."""
    return tuple(c for c in found if c.cell_type == "code" and c.cnnlab.get("role") not in SKIPPED)


def checkpoints(asked: tuple[Asked, ...], sent: tuple[Cell, ...]) -> dict[str, int]:
    """Each question's variables and calls -> its (last) answer or code cell among the sent ones, where they are final.

    The sandbox hands them back right after that cell, so a later crash or timeout cannot take them away.
    """
    home = {str(c.cnnlab.get("qid")): position for position, c in enumerate(sent)
            if c.cnnlab.get("role") in ("answer", "code")}
    return {name: home[a.variant.qid] for a in asked if a.variant.qid in home for name in a.names}


def _files(asked: tuple[Asked, ...]) -> dict[str, bytes]:
    """Every question's job files; two questions may ship the same file, never two files of one name."""
    files: dict[str, bytes] = {}
    for a in asked:
        for name, content in a.request.files.items():
            if files.setdefault(name, content) != content:
                raise ValueError(f"two questions ship different job files named {name!r}")
    return files


def build_job(state: State, env: Env) -> State:
    """Code cells in notebook order, the answer variables to read back, and the hidden calls: sources only."""
    if state.fatal or state.notebook is None or state.key is None:
        return state
    sent = job_cells(state.cells)
    sources = tuple(c.source for c in sent)
    size = sum(len(s.encode("utf-8", "replace")) for s in sources)
    if size > MAX_SOURCE_BYTES:
        return replace(state, fatal=f"{state.raw.filename}: the code cells hold {size // 1024} KB of source, "
                                    f"over the {MAX_SOURCE_BYTES // 1024} KB limit")
    variables = tuple(dict.fromkeys(v for a in state.asked for v in a.request.variables))
    calls = tuple(call for a in state.asked for call in a.calls)
    return replace(state, job=Job(state.raw.digest[:16], sources, variables, calls, _files(state.asked),
                                  seed=state.key.seed, checkpoints=checkpoints(state.asked, sent)))
