"""`cnnlab grade`: grade notebooks, folders or LMS zips against the answer keys, in the sandbox, resumably; or a paper
exam's marks sheet (grader/marks/sheet.py), with the same outputs."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import replace
from functools import partial
from pathlib import Path

from rich.console import Console

from grader.pipeline.answer_key import KeyDir
from grader.pipeline.collect import collect
from grader.pipeline.console import progress_bar, summary_table
from grader.copying.class_check import check_class
from grader.marks.sheet import read_marks
from grader.marks.grading import grade_marks, marks_roster
from grader.reports.class_outputs import write_class_outputs
from grader.pipeline.batch import Batch, grade_all
from grader.pipeline.records import GradedSubmission, RawSubmission
from grader.pipeline.roster import Roster, read_roster
from generator.model import Context
from generator.limits import LIMITS
from grader.pipeline.steps import Env
from grader.pipeline.store import Store

HELP = ("Grade submitted notebooks (files, folders, LMS zips) against the answer keys, in a sandbox; or, with "
        "--answers, a paper exam's marks sheet typed by TAs.")


def configure(parser: argparse.ArgumentParser) -> None:
    """The command's options."""
    parser.add_argument("submissions", nargs="*", metavar="SUBMISSION", help=".ipynb files, folders or .zip files")
    parser.add_argument("--answers", metavar="CSV",
                        help="grade a paper exam from its marks sheet instead (the marks-template.csv of `cnnlab "
                             "exam`, filled in): one row per student, one column per answer box; no notebooks with it")
    parser.add_argument("--key", required=True, metavar="KEYDIR", help="folder of answer keys (<student_id>.json)")
    parser.add_argument("--out", required=True, metavar="DIR",
                        help="where results and gradebooks go; one grader at a time: a second run on the same DIR "
                             "stops at once (exit 2) naming the first one's pid")
    parser.add_argument("--workers", type=int, default=min(2, os.cpu_count() or 1), help="parallel sandboxes (default %(default)d)")
    parser.add_argument("--timeout", type=float, default=LIMITS.total_timeout_s, metavar="S",
                        help="wall-clock seconds per submission (default %(default)g; a cell gets at most "
                             f"{LIMITS.cell_timeout_s:g})")
    parser.add_argument("--memory", type=int, default=LIMITS.memory_mb, metavar="MB",
                        help="memory per submission (default %(default)d)")
    parser.add_argument("--junit", metavar="FILE", help="also write a JUnit XML report (CI)")
    parser.add_argument("--fail-under", type=float, metavar="PCT", help="exit 1 if a score is under PCT percent")
    parser.add_argument("--roster", metavar="CSV", help="class roster (student_id, name, optional LMS ids)")
    parser.add_argument("--regrade", action="store_true", help="grade again even what was graded before")
    parser.add_argument("--data", metavar="DIR", help="data sets for training checks (default: $CNNLAB_DATA, then "
                                                      "/usr/share/datasets)")
    parser.add_argument("--bars", metavar="FILE",
                        help="LeNet-5 bars (default: solutions/benchmarks/lenet5-grading-bars.json)")
    parser.add_argument("--device", choices=["cpu", "cuda"], help="train students' models on (default: cuda if any)")
    parser.add_argument("--shard", metavar="I/N", help="grade only shard I of N (0 <= I < N, by each file's hash) into "
                                                       "its own --out; `cnnlab merge` joins the shards (Slurm arrays: "
                                                       "--shard $SLURM_ARRAY_TASK_ID/$SLURM_ARRAY_TASK_COUNT)")
    dask = parser.add_mutually_exclusive_group()
    dask.add_argument("--dask", metavar="ADDRESS", help="grade on Dask workers: a scheduler (tcp://HOST:8786) or "
                                                        "local:N worker processes here (docs/SCALING.md)")
    dask.add_argument("--dask-scheduler-file", metavar="FILE", help="grade on the Dask scheduler this file names")
    dask.add_argument("--dask-slurm", metavar="SPEC", help='grade on Dask workers in Slurm jobs: "cores=4,memory=8GB,'
                                                           'jobs=N" (dask-jobqueue; docs/SCALING.md)')


def load_env(key: str, roster_path: str | None = None, context: Context = Context()) -> Env:
    """Answer keys and who can be identified: the roster's ids and aliases, plus every student with a key."""
    keys = KeyDir.open(Path(key))
    roster = read_roster(Path(roster_path)) if roster_path else None
    known = Roster.of_ids(keys.paths)
    if roster is not None:
        known = Roster({**known.names, **roster.names}, {**known.aliases, **roster.aliases})
    return Env(keys, known, roster, context)


def main(*, submissions: Sequence[str] = (), key: str, out: str, answers: str | None = None, workers: int = 2,
         timeout: float = LIMITS.total_timeout_s, memory: int = LIMITS.memory_mb, junit: str | None = None,
         fail_under: float | None = None, roster: str | None = None, regrade: bool = False, data: str | None = None,
         bars: str | None = None, device: str | None = None, dask: str | None = None,
         dask_scheduler_file: str | None = None, dask_slurm: str | None = None, shard: str | None = None) -> int:
    """Grade, write every output, print the summary; 0 whatever the scores, 1 under --fail-under, 2 on failure."""
    if bool(submissions) == bool(answers):
        raise ValueError("give either notebooks (files, folders or zips) or --answers CSV, not both" if answers else
                         "nothing to grade: give notebooks (files, folders or zips), or --answers CSV")
    part = parse_shard(shard) if shard else None
    if answers and part:
        raise ValueError("--shard splits notebooks; a marks sheet is graded in one run")
    if answers:
        return _grade_marks(Path(answers), key, out, roster, regrade, junit, fail_under)
    if workers < 1 or timeout <= 0 or memory < 64:
        raise ValueError("--workers must be >= 1, --timeout > 0 and --memory >= 64")
    context = Context(data, Path(bars) if bars else None, device)
    env = load_env(key, roster, context)
    limits = replace(LIMITS, cell_timeout_s=min(timeout, LIMITS.cell_timeout_s), total_timeout_s=timeout,
                     cpu_s=timeout, memory_mb=memory)
    store = Store(Path(out))
    with store.exclusive():
        raws = collect(submissions, lambda line: print(f"cnnlab: warning: {line}", file=sys.stderr))
        if part is not None:
            raws = in_shard(raws, *part)
        with progress_bar(len(raws), Console(stderr=True)) as on_result:
            reused: list[bool] = []
            grade = _grader(dask, dask_scheduler_file, dask_slurm)
            records = grade(raws, Batch(env, store, workers, limits, regrade, context.device_class() == "cuda"),
                            lambda r, c: (reused.append(c), on_result(r, c)))
        everything = write_class_outputs(store, env.roster, records, Path(junit) if junit else None)
        copying = (check_class(store, everything, env.keys) if part is None else
                   "possible copying: compared by `cnnlab merge`, which sees every shard")
    return print_summary(records, sum(reused), store, fail_under, copying)


def parse_shard(text: str) -> tuple[int, int]:
    """`I/N` as (I, N), 0 <= I < N; anything else is a one-line error."""
    index, slash, count = text.partition("/")
    if slash and index.strip().isdigit() and count.strip().isdigit() and int(index) < int(count):
        return int(index), int(count)
    raise ValueError(f"--shard {text!r}: give I/N with 0 <= I < N, e.g. 0/10 "
                     "(Slurm: $SLURM_ARRAY_TASK_ID/$SLURM_ARRAY_TASK_COUNT with --array=0-9)")


def in_shard(raws: Sequence[RawSubmission], index: int, count: int) -> list[RawSubmission]:
    """The files of shard `index`: chosen by content hash, so every shard agrees whatever order it lists them in."""
    return [raw for raw in raws if int(raw.digest[:16], 16) % count == index]


def _grader(address: str | None, scheduler_file: str | None, slurm: str | None
            ) -> Callable[..., list[GradedSubmission]]:
    """grade_all here, or the same contract on Dask workers (the client still writes every result)."""
    if not (address or scheduler_file or slurm):
        return grade_all
    from grader.distributed.client import Target, grade_on_dask

    return partial(grade_on_dask, target=Target(address, scheduler_file, slurm))


def _grade_marks(answers: Path, key: str, out: str, roster: str | None, regrade: bool, junit: str | None,
                 fail_under: float | None) -> int:
    """A paper exam from its marks sheet: the same records, files and gradebooks as notebooks, no sandbox."""
    env = load_env(key, roster)
    sheet = read_marks(answers)  # a defect of the whole file stops here, before OUT is touched
    store = Store(Path(out))
    with store.exclusive():
        records, reused = grade_marks(sheet, env, store, regrade,
                                      lambda line: print(f"cnnlab: row not graded: {line}", file=sys.stderr))
        everything = write_class_outputs(store, marks_roster(env, sheet), records, Path(junit) if junit else None)
        copying = check_class(store, everything, env.keys)
    return print_summary(records, reused, store, fail_under, copying)


def print_summary(records: list[GradedSubmission], reused: int, store: Store, fail_under: float | None, copying: str
             ) -> int:
    """Print the summary table; grader-side errors raise (exit 2); 1 when a score is under --fail-under."""
    out_console = Console()
    if not out_console.is_terminal:  # logs and `make demo` pipes: 80 columns would fold every file name
        out_console = Console(width=120)
    out_console.print(summary_table(records, reused))
    print(f"results in {store.root}")
    print(copying)
    errors = [r for r in records if r.status == "error"]
    if errors:
        raise ValueError(f"{len(errors)} submission(s) not graded because of a grader-side problem: "
                         f"{errors[0].notes[0]}")
    low = [r for r in records if fail_under is not None and r.percent < fail_under]
    if low:
        print(f"cnnlab: score {low[0].percent:.1f}% ({low[0].student_id or low[0].filename}) is under "
              f"--fail-under {fail_under:g}%" + (f" (and {len(low) - 1} more)" if len(low) > 1 else ""))
        return 1
    return 0
