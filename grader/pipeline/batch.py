"""The grading pipeline, declared in order in one place: prepare (per file) -> run (sandbox, in parallel) -> finish.

    read_notebook -> drop_outputs -> identify_student -> load_key -> find_cells -> make_requests -> build_job
    -> Sandbox.map -> score (each kind's own) -> feedback notebook + results.json -> record (atomic, by content hash)
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import datetime, timezone


from grader.copying.values import answers_from_outcome, variables_by_qid
from grader.reports.feedback import feedback_notebook
from grader.reports.results_json import results_json
from grader.pipeline.records import GradedSubmission, Identity, RawSubmission
from grader.sandbox import Sandbox
from generator.limits import Limits
from grader.sandbox.api import Job
from generator.limits import LIMITS
from grader.pipeline.scoring import cell_error_notes, score_submission, stop_line
from grader.pipeline.steps import (Env, State, build_job, drop_outputs, find_cells, identify_student, job_cells, load_key,
                          make_requests, read_notebook)
from grader.pipeline.store import Store, json_bytes

Step = Callable[[State, Env], State]
READ: tuple[Step, ...] = (read_notebook, drop_outputs)  # the file alone: a Dask client runs these once and ships
# their result, so the worker does not parse the notebook again
PREPARE: tuple[Step, ...] = (*READ, identify_student, load_key, find_cells, make_requests, build_job)
OnResult = Callable[[GradedSubmission, bool], None]  # (record, reused from an earlier run)
NO_OUTCOME = "grader error: the sandbox returned no outcome for this submission"


def one_line(text: str, limit: int = 300) -> str:
    """An exception's message as one line of bounded length, fit for a record's notes and the summary table."""
    line = " ".join(text.split())
    return line if len(line) <= limit else line[:limit - 3] + "..."


def grader_error(error: Exception, where: str) -> str:
    """The `fatal` of a submission the grader failed on: a key defect (ValueError) says what; anything else is a bug
    the input found, named by its type and step."""
    if type(error) is ValueError:
        return f"grader error: {one_line(str(error))}"
    return f"grader error: {type(error).__name__} in {where}: {one_line(str(error))}"


def prepare(raw: RawSubmission, env: Env, identity: Identity | None = None, read: State | None = None) -> State:
    """Every step before the sandbox; whatever one raises becomes this submission's grader error, not the batch's.

    Steps turn bad student input into `fatal` themselves, so an exception means a defect on the grader's side:
    a bad answer key, or a bug that this file found. `identity`: already decided by a Dask client (which holds
    the roster), so a worker that holds only this student's key grades exactly as one machine would. `read`: the
    state after the READ steps, done elsewhere (the Dask client), so the notebook is parsed once; the rest go on
    from it.
    """
    state = State(raw, identity=identity) if read is None else replace(read, identity=identity)
    for step in PREPARE if read is None else PREPARE[len(READ):]:
        try:
            state = step(state, env)
        except Exception as error:
            return replace(state, fatal=grader_error(error, step.__name__), job=None)
    return state


def finish(state: State, env: Env) -> tuple[GradedSubmission, dict[str, bytes]]:
    """Score every question (each by its kind), then the per-submission files: results.json and the feedback."""
    numbers = tuple(c.number for c in job_cells(state.cells))  # job cell -> the cell's number in the notebook
    calls = state.job.calls if state.job else ()
    stopped = stop_line(state.outcome, numbers, calls)
    scores = tuple(score_submission(a, state.outcome, state.fatal, env.context, state.raw.weights, stopped)
                   for a in state.asked)
    notes = (*((state.fatal,) if state.fatal else ()), *state.notes,
             *cell_error_notes(state.outcome, numbers, calls))
    outcome = state.outcome
    status = ("error" if state.fatal.startswith("grader error") else "rejected") if state.fatal else (
        "graded" if outcome is None or outcome.status == "ok" else outcome.status)
    key = state.key
    record = GradedSubmission(
        digest=state.raw.digest, label=state.raw.label, filename=state.raw.filename,
        student_id=state.identity.student_id if state.identity else None,
        assignment=key.assignment if key else None, key_digest=key.digest if key else None, status=status,
        scores=scores, notes=notes, seconds=round(outcome.seconds, 3) if outcome else 0.0,
        graded_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
        isolation=outcome.isolation if outcome else "",
        answers=answers_from_outcome(variables_by_qid(key.questions), outcome) if key else {})
    titles = {q.qid: q.title for q in key.questions} if key else {}
    files = {"results.json": json_bytes(results_json(record, titles)),
             "feedback.ipynb": (json.dumps(feedback_notebook(state.notebook, record), indent=1,
                                           ensure_ascii=False) + "\n").encode("utf-8")}
    return record, files


def finish_safely(state: State, env: Env) -> tuple[GradedSubmission, dict[str, bytes]]:
    """finish(), or, when it fails on this submission, an error record: every question at 0 with the reason."""
    try:
        return finish(state, env)
    except Exception as error:
        bare = replace(state, fatal=grader_error(error, "finish"), notebook=None, outcome=None, job=None, cells=())
    try:
        return finish(bare, env)
    except Exception:
        return finish(replace(bare, asked=()), env)  # no scoring left to fail: the record and the reason alone


@dataclass(frozen=True)
class Batch:
    """One grading run's settings."""

    env: Env
    store: Store
    workers: int = 2
    limits: Limits = LIMITS
    regrade: bool = False
    gpu: bool = False  # bind the GPU into the sandbox (models are trained on CUDA)


def _reusable(batch: Batch, raw: RawSubmission) -> GradedSubmission | None:
    """A stored record still valid for this file: same content, same key, not a grader error."""
    if batch.regrade:
        return None
    record = batch.store.load(raw.digest)
    if record is None or record.status == "error":
        return None
    return record if batch.env.keys.digest(record.student_id) == record.key_digest else None


def _unique(raws: Iterable[RawSubmission]) -> list[RawSubmission]:
    """The same file given twice is graded once."""
    seen: dict[str, RawSubmission] = {}
    for raw in raws:
        seen.setdefault(raw.digest, raw)
    return list(seen.values())


def split_reused(raws: Sequence[RawSubmission], batch: Batch, on_result: OnResult
                 ) -> tuple[list[GradedSubmission], list[RawSubmission]]:
    """The records still valid from an earlier run (each reported at once), and the files left to grade."""
    done: list[GradedSubmission] = []
    todo: list[RawSubmission] = []
    for raw in _unique(raws):
        reused = _reusable(batch, raw)
        if reused is None:
            todo.append(raw)
        else:
            done.append(reused)
            on_result(reused, True)
    return done, todo


Prepared = tuple[State, Env]  # a submission after every step before the sandbox, and the keys it was graded with


def run_prepared(sandbox: Sandbox, prepared: Iterable[Prepared], complete: Callable[[State, Env], None]) -> None:
    """Queue each job the moment it is prepared and complete each state as its outcome returns (at once when it has
    no job), so the slots run while the grader prepares the next submission and scores the last."""
    pending: dict[str, Prepared] = {}

    def jobs() -> Iterator[Job]:
        for state, env in prepared:
            if state.job is None:
                complete(state, env)
            else:
                pending[state.job.job_id] = (state, env)
                yield state.job

    for outcome in sandbox.map(jobs()):
        state, env = pending.pop(outcome.job_id)
        complete(replace(state, outcome=outcome), env)
    for state, env in list(pending.values()):
        complete(replace(state, fatal=NO_OUTCOME, job=None), env)


def grade_all(raws: Sequence[RawSubmission], batch: Batch, on_result: OnResult = lambda r, c: None
              ) -> list[GradedSubmission]:
    """Grade every submission not graded before; each result is stored the moment it is ready.

    The sandbox starts in the background while the first submissions are prepared, so reading, sandbox start-up
    and running overlap.
    """
    if batch.env.context.torch_reference:  # else torch stays out of this process (the Gradescope image's memory)
        import torch

        torch.set_num_threads(1)  # the references run on tiny arrays; thread start-up would cost 40x the work
    done, todo = split_reused(raws, batch, on_result)

    def complete(state: State, env: Env) -> None:
        record, files = finish_safely(state, env)
        batch.store.save(record, files)  # an OSError here is the grader's own output failing: it stops the run
        done.append(record)
        on_result(record, False)

    if not todo:
        return done
    private = [batch.env.keys.root, *([batch.env.roster.source] if batch.env.roster and batch.env.roster.source else [])]
    sandbox = Sandbox(workers=batch.workers, limits=batch.limits, gpu=batch.gpu, hide=private)
    prepared = ((prepare(raw, batch.env), batch.env) for raw in todo)
    try:
        with ThreadPoolExecutor(1) as background:
            starting = background.submit(sandbox.start)
            first = list(itertools.islice(prepared, batch.workers * 4))  # prepared while the workers start
            starting.result()
        run_prepared(sandbox, itertools.chain(first, prepared), complete)
    finally:
        sandbox.close()
    return done
