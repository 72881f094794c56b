"""A whole class in one call: notebooks (here, in a shard, or on Dask) or a marks sheet, then every class output.

`cnnlab grade` and the Gradescope autograder are thin layers over these functions; they print, these do the work.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path

from generator.limits import LIMITS, Limits
from generator.model import Context
from grader.copying.class_check import check_class
from grader.marks.grading import grade_marks, marks_roster
from grader.marks.sheet import read_sheets
from grader.pipeline.answer_key import KeyDir
from grader.pipeline.batch import Batch, OnResult, grade_all
from grader.pipeline.collect import collect
from grader.pipeline.records import GradedSubmission, RawSubmission
from grader.pipeline.roster import Roster, read_roster
from grader.pipeline.steps import Env
from grader.pipeline.store import Store
from grader.reports.class_outputs import write_class_outputs

Say = Callable[[str], None]  # one line for the person running the grader (stderr)
Shard = tuple[int, int]  # (index, count)
Progress = Callable[[int], AbstractContextManager[OnResult]]  # total -> a context that yields the per-result callback


@dataclass(frozen=True)
class ClassRun:
    """What a graded batch left: the records of this run, how many were reused, and the copy check's line."""

    records: list[GradedSubmission]
    reused: int
    copying: str


@dataclass(frozen=True)
class DaskTarget:
    """Where Dask workers are: a scheduler address (or local:N), a scheduler file, or a Slurm spec; all None: here."""

    address: str | None = None
    scheduler_file: str | None = None
    slurm: str | None = None


def load_env(key: str | Path, roster_path: str | Path | None = None, context: Context = Context()) -> Env:
    """Answer keys and who can be identified: the roster's ids and aliases, plus every student with a key."""
    keys = KeyDir.open(Path(key))
    roster = read_roster(Path(roster_path)) if roster_path else None
    known = Roster.of_ids(keys.paths)
    if roster is not None:
        known = Roster({**known.names, **roster.names}, {**known.aliases, **roster.aliases})
    return Env(keys, known, roster, context)


def submission_limits(timeout: float, memory_mb: int) -> Limits:
    """LIMITS with a submission's own wall-clock and memory caps; a cell never gets more than the whole."""
    if timeout <= 0 or memory_mb < 64:
        raise ValueError("--timeout must be > 0 and --memory >= 64")
    return replace(LIMITS, cell_timeout_s=min(timeout, LIMITS.cell_timeout_s), total_timeout_s=timeout,
                   cpu_s=timeout, memory_mb=memory_mb)


def parse_shard(text: str) -> Shard:
    """`I/N` as (I, N), 0 <= I < N; anything else is a one-line error."""
    index, slash, count = text.partition("/")
    if slash and index.strip().isdigit() and count.strip().isdigit() and int(index) < int(count):
        return int(index), int(count)
    raise ValueError(f"--shard {text!r}: give I/N with 0 <= I < N, e.g. 0/10 "
                     "(Slurm: $SLURM_ARRAY_TASK_ID/$SLURM_ARRAY_TASK_COUNT with --array=0-9)")


def in_shard(raws: Sequence[RawSubmission], index: int, count: int) -> list[RawSubmission]:
    """The files of shard `index`: chosen by content hash, so every shard agrees whatever order it lists them in."""
    return [raw for raw in raws if int(raw.digest[:16], 16) % count == index]


def _grader(target: DaskTarget) -> Callable[..., list[GradedSubmission]]:
    """grade_all here, or the same contract on Dask workers (the client still writes every result)."""
    if not (target.address or target.scheduler_file or target.slurm):
        return grade_all
    from grader.distributed.client import Target, grade_on_dask  # dask only when asked for

    return partial(grade_on_dask, target=Target(target.address, target.scheduler_file, target.slurm))


def grade_notebooks(submissions: Sequence[str], env: Env, store: Store, *, workers: int, limits: Limits,
                    regrade: bool = False, junit: Path | None = None, shard: Shard | None = None,
                    dask: DaskTarget = DaskTarget(), warn: Say = lambda line: None,
                    progress: Progress = lambda total: nullcontext(lambda r, c: None)) -> ClassRun:
    """Collect, grade what is new, write the class outputs and (unless a shard) compare the class for copying."""
    if workers < 1:
        raise ValueError("--workers must be >= 1")
    with store.exclusive():
        raws = collect(submissions, warn)
        if shard is not None:
            raws = in_shard(raws, *shard)
        reused: list[bool] = []
        batch = Batch(env, store, workers, limits, regrade, env.context.device_class() == "cuda")
        with progress(len(raws)) as on_result:
            records = _grader(dask)(raws, batch, lambda r, c: (reused.append(c), on_result(r, c)))
        everything = write_class_outputs(store, env.roster, records, junit, env.keys)
        copying = (check_class(store, everything, env.keys) if shard is None else
                   "possible copying: compared by `cnnlab merge`, which sees every shard")
    return ClassRun(records, sum(reused), copying)


def grade_marks_sheet(answers: Sequence[Path], env: Env, store: Store, *, regrade: bool = False,
                      junit: Path | None = None, warn: Say = lambda line: None) -> ClassRun:
    """A paper exam from its marks sheets (files or folders of them, every form's at once): the same records, files
    and gradebooks as notebooks, no sandbox."""
    sheets = read_sheets(answers)  # a defect of a whole file stops here, before OUT is touched
    with store.exclusive():
        records, reused = grade_marks(sheets, env, store, regrade, warn)
        everything = write_class_outputs(store, marks_roster(env, sheets), records, junit, env.keys)
        copying = check_class(store, everything, env.keys)
    return ClassRun(records, reused, copying)
