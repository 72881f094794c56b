"""What does Dask cost? The simulated class graded three ways in one run, on the same cores.

1. one machine: grade_all with --workers sandboxes;
2. `--dask local:N`: a LocalCluster of N one-thread worker processes made by the command;
3. `--dask-scheduler-file`: `dask scheduler` and N `dask worker` processes started as separate commands, graded cold
   (the plugin starts the sandboxes) and warm (--regrade on the same workers: the pools are kept).

Rates are steady-state: results after the first, over the time from the first result to the last, so start-up
(sandbox zygotes, worker processes) is left out and printed apart. Also a null task round trip: Dask alone.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from distributed import Client

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.support.simulate import FLAVOURS, make_class, write_simulated  # noqa: E402
from grader.pipeline.collect import collect  # noqa: E402
from grader.distributed.client import Target, grade_on_dask  # noqa: E402
from grader.pipeline.grade_class import load_env  # noqa: E402
from grader.pipeline.batch import Batch, grade_all  # noqa: E402
from grader.pipeline.store import Store  # noqa: E402


def timed(grade: Callable[..., object], submissions: Path, key: Path, out: Path, workers: int, regrade: bool = False,
          **options: object) -> tuple[float, float, int]:
    """(wall seconds, steady seconds per result, results) of one grading run."""
    stamps: list[float] = []
    started = time.perf_counter()
    grade(collect([submissions]), Batch(load_env(str(key)), Store(out), workers=workers, regrade=regrade),
          lambda record, reused: stamps.append(time.perf_counter()), **options)
    wall = time.perf_counter() - started
    steady = (stamps[-1] - stamps[0]) / (len(stamps) - 1) if len(stamps) > 1 else wall
    return wall, steady, len(stamps)


def null_tasks(client: Client, count: int) -> float:
    """Seconds per task of Dask alone: submit, schedule, run a no-op on a worker, send back, gather."""
    client.gather(client.map(int, range(50), pure=False))  # warm the connections
    started = time.perf_counter()
    client.gather(client.map(int, range(count), pure=False))
    return (time.perf_counter() - started) / count


def start_cluster(folder: Path, workers: int) -> tuple[list[subprocess.Popen[bytes]], Path]:
    """`dask scheduler` and `dask worker` x workers, as an operator would type them; the scheduler file."""
    dask, scheduler_file = Path(sys.executable).parent / "dask", folder / "scheduler.json"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    log = open(folder / "cluster.log", "wb")  # noqa: SIM115  kept by the processes
    processes = [subprocess.Popen([str(dask), "scheduler", "--scheduler-file", str(scheduler_file), "--port", "0",
                                   "--no-dashboard"], stdout=log, stderr=log, env=env, cwd=REPO)]
    deadline = time.monotonic() + 60
    while not scheduler_file.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    processes += [subprocess.Popen([str(dask), "worker", "--scheduler-file", str(scheduler_file), "--nthreads", "1",
                                    "--no-dashboard"], stdout=log, stderr=log, env=env, cwd=REPO)
                  for _ in range(workers)]
    with Client(scheduler_file=str(scheduler_file)) as client:
        client.wait_for_workers(workers, timeout=120)
    return processes, scheduler_file


def main() -> int:
    """Build the class, grade it every way, print rates, Dask's overhead per task and the throughput ratio."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--submissions", type=int, default=200)
    parser.add_argument("--workers", type=int, default=min(2, os.cpu_count() or 1))
    parser.add_argument("--null-tasks", type=int, default=1000)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="cnnlab-dask-speed-"))
    processes: list[subprocess.Popen[bytes]] = []
    quiet = {"say": lambda line: None}
    try:
        generated = make_class(work / "class", args.submissions)
        write_simulated(generated, work / "subs", list(FLAVOURS))
        subs, key, n = work / "subs", generated / "key", args.workers
        rows = {"one machine": timed(grade_all, subs, key, work / "one", n),
                f"dask local:{n}": timed(grade_on_dask, subs, key, work / "local", n,
                                         target=Target(f"local:{n}"), **quiet)}
        processes, scheduler_file = start_cluster(work, n)
        target = Target(scheduler_file=str(scheduler_file))
        rows["dask scheduler, cold"] = timed(grade_on_dask, subs, key, work / "remote", n, target=target, **quiet)
        rows["dask scheduler, warm"] = timed(grade_on_dask, subs, key, work / "remote", n, regrade=True,
                                             target=target, **quiet)
        with Client(scheduler_file=str(scheduler_file)) as client:
            null = null_tasks(client, args.null_tasks)
        print(f"machine: {os.cpu_count()} CPU cores; {args.submissions} submissions; {n} sandboxes or Dask workers "
              "(one thread each)")
        for name, (wall, steady, count) in rows.items():
            print(f"{name:22s} {wall:6.2f} s wall for {count} ({wall - steady * (count - 1):5.2f} s to the first "
                  f"result), steady {1 / steady:6.1f} submissions/s ({steady * n * 1000:6.1f} ms per task per slot)")
        base = rows["one machine"][1]
        print(f"dask null task: {null * 1000:.2f} ms per task through the scheduler ({1 / null:.0f} tasks/s, "
              f"{n} workers)")
        for name in (f"dask local:{n}", "dask scheduler, warm"):
            steady = rows[name][1]
            overhead = (steady - base) * n * 1000
            print(f"{name}: overhead {overhead:+.1f} ms per task (target <= 5), throughput ratio "
                  f"{base / steady:.2f}x the one-machine grader (target >= 0.9)")
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
