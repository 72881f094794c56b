"""The client's side: send each submission with its one key to a Dask worker, and write every result here.

The client is the only writer (records, gradebooks, the report), so resume, --regrade, the output folder's lock and
idempotence are grade_all's own: records still valid are reused before anything is sent.
"""

from __future__ import annotations

import json
import sys
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Any

from distributed import Client, Future, KilledWorker, LocalCluster, as_completed

from grader.pipeline import Batch, OnResult, finish_safely, grader_error, prepare, split_reused
from grader.records import GradedSubmission, RawSubmission
from grader.sandbox.verdict import crashed
from grader.steps import Env, State, drop_outputs, identify_student, read_notebook
from grader.distributed.tasks import Result, SandboxPlugin, Task, grade_task, isolation

ALLOWED_FAILURES = 1  # a task whose worker died once runs again elsewhere; a second death is KilledWorker: crashed
GPU = {"GPU": 1}  # the Dask resource a training task asks for; workers started with --resources GPU=1 offer it
Say = Callable[[str], None]


def _stderr(line: str) -> None:
    print(f"cnnlab: {line}", file=sys.stderr)


@dataclass(frozen=True)
class Target:
    """Where the workers are: a scheduler address or `local:N`, a scheduler file, or a Slurm spec."""

    address: str | None = None
    scheduler_file: str | None = None
    slurm: str | None = None


@contextmanager
def connect(target: Target) -> Iterator[Client]:
    """A client of the target's scheduler; a cluster made here (local:N, Slurm) is closed with it."""
    cluster: Any = None
    if target.slurm:
        from grader.distributed.slurm import slurm_cluster

        cluster = slurm_cluster(target.slurm)
    elif target.address and target.address.startswith("local:"):
        count = int(target.address.removeprefix("local:"))
        if count < 1:
            raise ValueError("--dask local:N needs N >= 1 worker processes")
        cluster = LocalCluster(n_workers=count, threads_per_worker=1, processes=True, dashboard_address=None)
    client = (Client(cluster) if cluster is not None else Client(scheduler_file=target.scheduler_file)
              if target.scheduler_file else Client(target.address))
    try:
        yield client
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def _fault_rules(dask_scheduler: Any, failures: int) -> None:
    """A worker holds only the tasks it runs (saturation 1.0), so its death counts against those alone."""
    dask_scheduler.allowed_failures = failures
    dask_scheduler.WORKER_SATURATION = 1.0


def start_sandboxes(client: Client, batch: Batch, say: Say) -> str:
    """Set the scheduler's fault rules and register this run's SandboxPlugin (a warm cluster keeps its pools)."""
    plugin = SandboxPlugin(batch.limits, batch.env.context)
    client.run_on_scheduler(_fault_rules, failures=ALLOWED_FAILURES)
    client.register_plugin(plugin)
    for address, line in sorted(client.run(isolation, name=plugin.name).items()):
        say(f"{'WARNING: ' if 'WEAK' in line else ''}dask worker {address}: {line}")
    return plugin.name


def wants_gpu(client: Client, batch: Batch, say: Say) -> bool:
    """Training tasks ask for the GPU resource under --device cuda, or when some worker offers one."""
    offered = any(w.get("resources", {}).get("GPU") for w in client.scheduler_info()["workers"].values())
    if batch.env.context.device == "cuda" and not offered:
        say("no Dask worker offers the GPU resource yet (start workers with --resources GPU=1); training tasks "
            "wait for one")
    return batch.env.context.device == "cuda" or (batch.env.context.device is None and offered)


def make_task(raw: RawSubmission, env: Env, plugin: str) -> Task | None:
    """Identify here (the roster stays on the client) and attach that student's key file; None: no key to send."""
    state = State(raw)
    try:
        for step in (read_notebook, drop_outputs, identify_student):
            state = step(state, env)
    except Exception:  # noqa: BLE001  prepare() on this machine names the grader error
        return None
    student = state.identity.student_id if state.identity else None
    path = env.keys.paths.get(student) if student is not None else None
    if state.identity is None or path is None:
        return None
    return Task(raw, state.identity, path.read_bytes(), str(path), plugin)


def trains(task: Task) -> bool:
    """Whether a question of this key holds a training block (then it needs the GPU resource on CUDA)."""
    try:
        return any("training" in (q.get("params") or {}) for q in json.loads(task.key)["questions"])
    except (ValueError, KeyError, TypeError, AttributeError):
        return False


def local_record(raw: RawSubmission, env: Env, reason: str | None = None) -> tuple[GradedSubmission, dict[str, bytes]]:
    """Graded here without a worker: no key to send, or (reason) the task killed its worker twice."""
    state = prepare(raw, env)
    if reason is not None and state.job is not None:
        state = replace(state, outcome=crashed(state.job.job_id, reason, ""))
    return finish_safely(state, env)


def received(future: Future, raw: RawSubmission, env: Env) -> tuple[GradedSubmission, dict[str, bytes]]:
    """The worker's record and files; a task that killed its worker twice is `crashed`, any other fault an error."""
    try:
        result: Result = future.result()
    except KilledWorker:
        return local_record(raw, env, f"the grading task killed its Dask worker {ALLOWED_FAILURES + 1} times; "
                                      "not retried")
    except Exception as error:  # noqa: BLE001  one submission's fault is its own record, graded again next run
        return finish_safely(State(raw, fatal=grader_error(error, "the Dask task")), env)
    record = GradedSubmission.from_json(result["record"])
    return record, {name: text.encode("utf-8") for name, text in result["files"].items()}


def grade_on_dask(raws: Sequence[RawSubmission], batch: Batch, on_result: OnResult = lambda r, c: None, *,
                  target: Target, say: Say = _stderr, task: Callable[[Task], Result] = grade_task
                  ) -> list[GradedSubmission]:
    """grade_all's contract on Dask workers: what has a valid record is reused, the rest graded once, stored here."""
    done, todo = split_reused(raws, batch, on_result)

    def complete(record: GradedSubmission, files: dict[str, bytes]) -> None:
        batch.store.save(record, files)
        done.append(record)
        on_result(record, False)

    if not todo:
        return done
    with connect(target) as client:
        plugin = start_sandboxes(client, batch, say)
        gpu, run = wants_gpu(client, batch, say), uuid.uuid4().hex[:8]
        futures: dict[Future, RawSubmission] = {}
        for raw in todo:
            one = make_task(raw, batch.env, plugin)
            if one is None:
                complete(*local_record(raw, batch.env))
                continue
            futures[client.submit(task, one, key=f"cnnlab-grade-{raw.digest[:16]}-{run}", pure=False,
                                  resources=GPU if gpu and trains(one) else None)] = raw
        for future in as_completed(list(futures)):
            complete(*received(future, futures.pop(future), batch.env))
            future.release()
    return done
