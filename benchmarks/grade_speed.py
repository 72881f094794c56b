"""How fast does cnnlab grade a class? 200 simulated submissions, graded by cnnlab and (a sample) by nbclient.

The nbclient way is how nbgrader's autograde works: start a kernel per notebook and execute every cell.
Only a sample is run that way (it is slow); its per-notebook time is extrapolated to the whole batch.
Both sides grade the same notebooks on the same machine in the same run.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import DeadKernelError

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from grader.pipeline.answer_key import KeyDir  # noqa: E402
from grader.pipeline.collect import collect  # noqa: E402
from grader.pipeline.grade_class import load_env  # noqa: E402
from grader.pipeline.batch import Batch, grade_all  # noqa: E402
from tests.support.simulate import FLAVOURS, make_class, write_simulated  # noqa: E402
from grader.pipeline.store import Store  # noqa: E402


def time_cnnlab(submissions: Path, key: Path, out: Path, workers: int) -> tuple[float, int]:
    """Wall time of grading every submission with cnnlab's pipeline (sandbox start-up included)."""
    started = time.perf_counter()
    records = grade_all(collect([submissions]), Batch(load_env(str(key)), Store(out), workers=workers))
    return time.perf_counter() - started, len(records)


def time_nbclient(paths: list[Path], timeout: int) -> float:
    """Mean wall time per notebook of executing it in a fresh ipykernel via nbclient (errors allowed)."""
    started = time.perf_counter()
    for path in paths:
        notebook = nbformat.read(path, as_version=4)
        try:
            NotebookClient(notebook, timeout=timeout, kernel_name="python3", allow_errors=True,
                           resources={"metadata": {"path": str(path.parent)}}).execute()
        except DeadKernelError:  # the crashing submission: nbgrader records an error and moves on
            pass
    return (time.perf_counter() - started) / len(paths)


def main() -> int:
    """Build the class, grade it both ways, print submissions per second and the ratio."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--submissions", type=int, default=200)
    parser.add_argument("--sample", type=int, default=10, help="notebooks run through nbclient")
    parser.add_argument("--workers", type=int, default=min(2, os.cpu_count() or 1))
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="cnnlab-grade-speed-"))
    try:
        generated = make_class(work / "class", args.submissions)
        written = write_simulated(generated, work / "submissions", list(FLAVOURS))
        KeyDir.open(generated / "key")
        seconds, count = time_cnnlab(work / "submissions", generated / "key", work / "out", args.workers)
        sample = [p for p in written if not p.stem.endswith("_crash")][: args.sample - 1] + \
            [p for p in written if p.stem.endswith("_crash")][:1]  # a crash costs nbclient a kernel restart
        print(f"cnnlab graded {count} submissions in {seconds:.2f} s; now the nbclient sample...", flush=True)
        per_notebook = time_nbclient(sample, timeout=120)
        rate, nb_rate = count / seconds, 1 / per_notebook
        print(f"machine: {os.cpu_count()} CPU cores; {count} submissions "
              f"({', '.join(f'{sum(p.stem.endswith(f) for p in written)} {f}' for f in FLAVOURS)})")
        print(f"cnnlab:   {seconds:6.2f} s for {count} submissions with {args.workers} workers "
              f"(sandbox start-up included) -> {rate:6.1f} submissions/s")
        print(f"nbclient: {per_notebook:6.2f} s per notebook, measured on a sample of {len(sample)} and "
              f"extrapolated to {count} -> {per_notebook * count:7.1f} s, {nb_rate:6.2f} submissions/s")
        print(f"ratio:    cnnlab is {rate / nb_rate:5.1f}x faster than executing the notebooks with nbclient "
              "(sequential, one kernel per notebook, as nbgrader autograde does)")
        print(f"targets:  >= 10 submissions/s {'met' if rate >= 10 else 'MISSED'}; "
              f">= 20x {'met' if rate / nb_rate >= 20 else 'MISSED'}")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
