"""How fast the sandbox grades: 200 mixed jobs through Sandbox.map, and a sample through nbclient + ipykernel.

Run: .venv/bin/python benchmarks/sandbox_speed.py [--jobs 200] [--workers 2] [--nbclient-sample 10]
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from generator.calls import Call  # noqa: E402
from generator.limits import Limits  # noqa: E402
from grader.sandbox import Job, Sandbox  # noqa: E402

CORRECT = (
    "import numpy as np",
    "def conv2d(x, w, stride=1):\n"
    "    kh, kw = w.shape\n"
    "    oh, ow = (x.shape[0] - kh) // stride + 1, (x.shape[1] - kw) // stride + 1\n"
    "    out = np.empty((oh, ow))\n"
    "    for i in range(oh):\n"
    "        for j in range(ow):\n"
    "            out[i, j] = np.sum(x[i*stride:i*stride+kh, j*stride:j*stride+kw] * w)\n"
    "    return out",
    "answer_q1 = (32 - 5) // 1 + 1",
    "answer_q2 = 6 * (5 * 5 * 1 + 1)",
    "%time check = conv2d(np.ones((4, 4)), np.ones((2, 2)))\nprint(check.shape)",
)
WRONG = (CORRECT[0], CORRECT[1].replace("np.sum(", "np.max("), "answer_q1 = 27", "answer_q2 = 150", CORRECT[4])
BLANK = (CORRECT[0], "def conv2d(x, w, stride=1):\n    # YOUR CODE HERE\n    raise NotImplementedError()",
         "answer_q1 = None", "# YOUR CODE HERE", "")
CRASHING = (CORRECT[0], "def conv2d(x, w, stride=1):\n    return x[100]", "answer_q1 = 1 / 0",
            "import os\nos._exit(3)", "answer_q2 = 1")
KINDS = {"correct": CORRECT, "wrong": WRONG, "blank": BLANK, "crashing": CRASHING}


def make_jobs(count: int) -> list[Job]:
    """Round-robin over the four kinds, each with its own hidden input for the call."""
    rng = np.random.default_rng(0)
    jobs = []
    for index in range(count):
        kind = list(KINDS)[index % len(KINDS)]
        x, w = rng.standard_normal((8, 8)), rng.standard_normal((3, 3))
        calls = (Call("conv2d/case1", "conv2d", (x, w)), Call("conv2d/case2", "conv2d", (x, w), {"stride": 2}))
        jobs.append(Job(f"{kind}-{index}", KINDS[kind], ("answer_q1", "answer_q2"), calls))
    return jobs


def bench_sandbox(jobs: list[Job], workers: int, mode: str = "auto") -> tuple[float, float, float]:
    """Returns (jobs per second, median ms per job seen by the parent, start-up seconds)."""
    started = time.perf_counter()
    with Sandbox(workers=workers, limits=Limits(cell_timeout_s=10, total_timeout_s=30), mode=mode) as box:  # type: ignore[arg-type]
        startup = time.perf_counter() - started
        print(f"isolation: {box.isolation}")
        began = time.perf_counter()
        outcomes = list(box.map(jobs))
        elapsed = time.perf_counter() - began
    print("statuses:", dict(Counter(o.status for o in outcomes)))
    median_ms = statistics.median(o.seconds for o in outcomes) * 1000
    return len(jobs) / elapsed, median_ms, startup


def notebook_for(job: Job) -> object:
    """The same cells as a notebook, plus a last cell that prints the variables, as a kernel-based grader would."""
    import nbformat

    cells = [nbformat.v4.new_code_cell(source) for source in job.cells]
    names = ", ".join(f"{v!r}: globals().get({v!r})" for v in job.variables)
    cells.append(nbformat.v4.new_code_cell(f"import json\nprint(json.dumps({{{names}}}, default=str))"))
    return nbformat.v4.new_notebook(cells=cells)


def bench_nbclient(jobs: list[Job]) -> float:
    """Seconds per notebook with a fresh kernel each, one at a time (what nbgrader does)."""
    from nbclient import NotebookClient

    began = time.perf_counter()
    for job in jobs:
        client = NotebookClient(notebook_for(job), timeout=60, kernel_name="python3", allow_errors=True)
        try:
            client.execute()
        except Exception as exc:  # noqa: BLE001  a dying kernel (os._exit) is part of the comparison
            print(f"  nbclient: {job.job_id}: {type(exc).__name__}")
    return (time.perf_counter() - began) / len(jobs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--jobs", type=int, default=200)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--nbclient-sample", type=int, default=10)
    parser.add_argument("--mode", choices=("auto", "bubblewrap", "weak"), default="auto",
                        help="weak: time the fallback used where namespaces are refused (Docker's default seccomp)")
    args = parser.parse_args()
    jobs = make_jobs(args.jobs)
    rate, median_ms, startup = bench_sandbox(jobs, args.workers, args.mode)
    print(f"sandbox: {args.jobs} jobs on {args.workers} workers: {rate:.1f} jobs/s, "
          f"median {median_ms:.1f} ms per job, start-up {startup:.1f} s")
    if args.nbclient_sample > 0:
        per_notebook = bench_nbclient(jobs[: args.nbclient_sample])
        print(f"nbclient + ipykernel: {per_notebook * 1000:.0f} ms per notebook "
              f"({1 / per_notebook:.2f} notebooks/s, sample of {args.nbclient_sample})")
        print(f"ratio: the sandbox is {rate * per_notebook:.0f}x the throughput of nbclient")


if __name__ == "__main__":
    main()
