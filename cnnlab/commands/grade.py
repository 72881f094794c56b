"""`cnnlab grade`: grade notebooks, folders or LMS zips against the answer keys, in the sandbox, resumably; or a paper
exam's marks sheet, with the same outputs (grader/pipeline/grade_class.py does the work)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from rich.console import Console

from generator.limits import DEFAULT_WORKERS, LIMITS
from generator.model import Context
from grader.pipeline.console import print_summary, progress_bar
from grader.pipeline.grade_class import (DaskTarget, grade_marks_sheet, grade_notebooks, load_env, parse_shard,
                                         submission_limits)
from grader.pipeline.store import Store

HELP = ("Grade submitted notebooks (files, folders, LMS zips) against the answer keys, in a sandbox; or, with "
        "--answers, a paper exam's marks sheet typed by TAs.")


def configure(parser: argparse.ArgumentParser) -> None:
    """The command's options."""
    parser.add_argument("submissions", nargs="*", metavar="SUBMISSION", help=".ipynb files, folders or .zip files")
    parser.add_argument("--answers", metavar="CSV", nargs="+", action="extend", type=Path,
                        help="grade a paper exam from its marks sheets instead (OUT/marks/ of `cnnlab exam`, filled "
                             "in): files or folders of them, every form's at once, or one file with a form column; "
                             "one row per student, one column per answer box as printed; no notebooks with it")
    parser.add_argument("--key", required=True, metavar="KEYDIR", help="folder of answer keys (<student_id>.json)")
    parser.add_argument("--out", required=True, metavar="DIR",
                        help="where results and gradebooks go; one grader at a time: a second run on the same DIR "
                             "stops at once (exit 2) naming the first one's pid")
    parser.add_argument("--workers", type=int, default=DEFAULT_WORKERS,
                        help="parallel sandboxes (default %(default)d)")
    parser.add_argument("--timeout", type=float, default=LIMITS.total_timeout_s, metavar="S",
                        help="wall-clock seconds per submission (default %(default)g; a cell gets at most "
                             f"{LIMITS.cell_timeout_s:g})")
    parser.add_argument("--memory", type=int, default=LIMITS.memory_mb, metavar="MB",
                        help="memory per submission (default %(default)d)")
    parser.add_argument("--junit", metavar="FILE", type=Path, help="also write a JUnit XML report (CI)")
    parser.add_argument("--fail-under", type=float, metavar="PCT", help="exit 1 if a score is under PCT percent")
    parser.add_argument("--roster", metavar="CSV", type=Path, help="class roster (student_id, name, optional LMS ids)")
    parser.add_argument("--regrade", action="store_true", help="grade again even what was graded before")
    parser.add_argument("--data", metavar="DIR", help="data sets for training checks (default: $CNNLAB_DATA, then "
                                                      "/usr/share/datasets)")
    parser.add_argument("--bars", metavar="FILE", type=Path,
                        help="LeNet-5 bars (default: solutions/benchmarks/lenet5-grading-bars.json)")
    parser.add_argument("--device", choices=["cpu", "cuda"], help="train students' models on (default: cuda if any)")
    parser.add_argument("--shard", metavar="I/N",
                        help="grade only shard I of N (0 <= I < N, by each file's hash) into its own --out; `cnnlab "
                             "merge` joins the shards (Slurm arrays: --shard $SLURM_ARRAY_TASK_ID/"
                             "$SLURM_ARRAY_TASK_COUNT)")
    dask = parser.add_mutually_exclusive_group()
    dask.add_argument("--dask", metavar="ADDRESS", help="grade on Dask workers: a scheduler (tcp://HOST:8786) or "
                                                        "local:N worker processes here (docs/SCALING.md)")
    dask.add_argument("--dask-scheduler-file", metavar="FILE", help="grade on the Dask scheduler this file names")
    dask.add_argument("--dask-slurm", metavar="SPEC", help='grade on Dask workers in Slurm jobs: "cores=4,memory=8GB,'
                                                           'jobs=N" (dask-jobqueue; docs/SCALING.md)')


def _warn(prefix: str) -> Callable[[str], None]:
    """A line to stderr, prefixed as the grader's warnings are."""
    return lambda line: print(f"cnnlab: {prefix}: {line}", file=sys.stderr)


def run(args: argparse.Namespace) -> int:
    """Grade, write every output, print the summary; 0 whatever the scores, 1 under --fail-under, 2 on failure."""
    if bool(args.submissions) == bool(args.answers):
        raise ValueError("give either notebooks (files, folders or zips) or --answers CSV, not both" if args.answers
                         else "nothing to grade: give notebooks (files, folders or zips), or --answers CSV")
    shard = parse_shard(args.shard) if args.shard else None
    store = Store(Path(args.out))
    if args.answers:
        if shard:
            raise ValueError("--shard splits notebooks; a marks sheet is graded in one run")
        env = load_env(Path(args.key), args.roster)
        done = grade_marks_sheet(args.answers, env, store, regrade=args.regrade, junit=args.junit,
                                 warn=lambda line: print(f"cnnlab: {line}", file=sys.stderr))
    else:
        limits = submission_limits(args.timeout, args.memory)
        env = load_env(Path(args.key), args.roster, Context(args.data, args.bars, args.device))
        done = grade_notebooks(args.submissions, env, store, workers=args.workers, limits=limits,
                               regrade=args.regrade, junit=args.junit, shard=shard,
                               dask=DaskTarget(args.dask, args.dask_scheduler_file, args.dask_slurm),
                               warn=_warn("warning"), progress=lambda total: progress_bar(total, Console(stderr=True)))
    return print_summary(done.records, done.reused, store.root, args.fail_under, done.copying)
