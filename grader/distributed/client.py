"""The client's side: send submissions in chunks, each with its student's key only, to Dask workers; write here.

The client reads each notebook once (the READ steps) to identify its student, and ships what it read with the task,
so the worker goes on from there without parsing the file again.

The client is the only writer (records, gradebooks, the report), so resume, --regrade, the output folder's lock and
idempotence are grade_all's own: records still valid are reused before anything is sent.
"""

from __future__ import annotations

import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Any

import dask
from distributed import Client, Future, KilledWorker, LocalCluster, as_completed

from grader.pipeline.batch import READ, Batch, OnResult, finish_safely, grader_error, prepare, split_reused
from grader.pipeline.records import GradedSubmission, RawSubmission
from grader.sandbox.verdict import crashed
from grader.pipeline.steps import Env, State, identify_student
from grader.distributed.tasks import Result, SandboxPlugin, Task, grade_chunk, isolation
from generator.limits import DASK_WORKER_WAIT_S, MAX_DASK_CHUNK, SLURM_WORKER_WAIT_S

ALLOWED_FAILURES = 1  # a task whose worker died once runs again elsewhere; a second death is KilledWorker: crashed
FAULT_RULES = {"distributed.scheduler.allowed-failures": ALLOWED_FAILURES,
               "distributed.scheduler.worker-saturation": 1.0}  # a worker holds only the tasks it runs, so its
# death counts against those alone, never a queued neighbour's; set on the clusters made here, and by the operator
GPU = {"GPU": 1}  # the Dask resource a training task asks for; workers started with --resources GPU=1 offer it
CHUNKS_PER_SLOT = 4  # at least this many tasks per worker slot, so the last ones end together
POLL_S = 5.0  # how often a wait for results checks that some worker is still there
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
    """A client of the target's scheduler; a cluster made here (local:N, Slurm) is closed with it, and its scheduler
    gets cnnlab's FAULT_RULES. A scheduler started elsewhere is never changed."""
    cluster: Any = None
    with dask.config.set(FAULT_RULES):
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


def _fault_rules(dask_scheduler: Any) -> tuple[int, float]:
    """Read on the scheduler: the worker deaths a task survives, and its worker saturation (left as they are)."""
    return int(dask_scheduler.allowed_failures), float(dask_scheduler.WORKER_SATURATION)


def await_workers(client: Client, target: Target, say: Say) -> int:
    """Wait for the first worker (a one-line error after the limits' wait); the worker threads."""
    if not client.scheduler_info()["workers"]:
        wait_s = SLURM_WORKER_WAIT_S if target.slurm else DASK_WORKER_WAIT_S
        say(f"waiting up to {wait_s:.0f} s for a Dask worker to join the scheduler at {client.scheduler.address}")
        try:
            client.wait_for_workers(1, timeout=wait_s)
        except TimeoutError:
            raise TimeoutError(f"no Dask worker joined the scheduler at {client.scheduler.address} in {wait_s:.0f} "
                               "s; start workers (`dask worker ADDRESS --nthreads 4`, docs/SCALING.md) and run the "
                               "command again: nothing was graded") from None
    return sum(client.nthreads().values())


def deaths_allowed(client: Client, say: Say) -> int:
    """How many times a task may kill its worker before it is recorded as crashed: the scheduler's rule, plus one."""
    allowed, saturation = client.run_on_scheduler(_fault_rules)
    if allowed != ALLOWED_FAILURES:
        say(f"the Dask scheduler lets a task kill {allowed + 1} workers before giving up (cnnlab's rule is "
            f"{ALLOWED_FAILURES + 1}: start it with DASK_DISTRIBUTED__SCHEDULER__ALLOWED_FAILURES={ALLOWED_FAILURES})")
    if saturation != 1.0:
        say(f"the Dask scheduler's worker saturation is {saturation:g}: a worker's death also counts against tasks "
            "queued beside the one that killed it (start it with DASK_DISTRIBUTED__SCHEDULER__WORKER_SATURATION=1.0)")
    return int(allowed) + 1


def start_sandboxes(client: Client, batch: Batch, say: Say) -> str:
    """Register this run's SandboxPlugin on every worker, and those that join later (a warm cluster keeps its pools)."""
    plugin = SandboxPlugin(batch.limits, batch.env.context)
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


def read_here(raw: RawSubmission, env: Env) -> State | None:
    """The READ steps, once for the run (the task ships their result); None when one raised (prepare names it)."""
    state = State(raw)
    try:
        for step in READ:
            state = step(state, env)
    except Exception:  # noqa: BLE001  prepare() on this machine names the grader error
        return None
    return state


def make_task(read: State, env: Env, plugin: str) -> Task | None:
    """Identify here (the roster stays on the client) and attach that student's key file; None: no key to send.

    The key's bytes are read once: shipped as they are, and hashed and parsed into this run's KeyDir (the copy check
    uses it), which also says whether the key trains a model.
    """
    try:
        identity = identify_student(read, env).identity
    except Exception:  # noqa: BLE001  prepare() on this machine names the grader error
        return None
    student = identity.student_id if identity else None
    path = env.keys.paths.get(student) if student is not None else None
    if identity is None or path is None:
        return None
    data = env.keys.file_bytes(path)
    entry = env.keys.entry(student, data)
    trains = entry is not None and entry.key is not None and any(
        "training" in (q.params or {}) for q in entry.key.questions)
    return Task(read.raw, identity, data, str(path), plugin, read.notebook, read.fatal, trains)


def local_record(raw: RawSubmission, env: Env, reason: str | None = None, read: State | None = None
                 ) -> tuple[GradedSubmission, dict[str, bytes]]:
    """Graded here without a worker: no key to send, or (reason) the task killed its worker too often; `read`: the
    READ steps' state, when this client has it (the notebook is not parsed again)."""
    state = prepare(raw, env, read=read)
    if reason is not None and state.job is not None:
        state = replace(state, outcome=crashed(state.job.job_id, reason, ""))
    return finish_safely(state, env)


Chunk = tuple[Task, ...]


def chunked(tasks: Sequence[Task], slots: int) -> list[Chunk]:
    """Training tasks alone (seconds each, maybe on the GPU resource); the rest in chunks of up to MAX_DASK_CHUNK, small
    enough that every worker slot gets CHUNKS_PER_SLOT of them."""
    alone: list[Chunk] = []
    rest: list[Task] = []
    for task in tasks:
        if task.trains:
            alone.append((task,))
        else:
            rest.append(task)
    size = max(1, min(MAX_DASK_CHUNK, len(rest) // max(1, slots * CHUNKS_PER_SLOT)))
    return alone + [tuple(rest[i:i + size]) for i in range(0, len(rest), size)]


def received(future: Future, chunk: Chunk, env: Env, deaths: int
             ) -> list[tuple[GradedSubmission, dict[str, bytes]]] | None:
    """The worker's records and files; None when a chunk killed its workers (grade its members one by one). A single
    submission that did is `crashed`; any other fault is an error record, graded again by the next run."""
    try:
        results: list[Result] = future.result()
    except KilledWorker:
        if len(chunk) > 1:
            return None
        return [local_record(chunk[0].raw, env, f"the grading task killed its Dask worker {deaths} times; not "
                                               "retried", chunk[0].read())]
    except Exception as error:  # noqa: BLE001  one task's fault is its submissions' own records
        return [finish_safely(State(task.raw, fatal=grader_error(error, "the Dask task")), env) for task in chunk]
    return [(GradedSubmission.from_json(result["record"]),
             {name: text.encode("utf-8") for name, text in result["files"].items()}) for result in results]


class Watchdog(threading.Thread):
    """Cancels what is left when every worker has been gone for DASK_WORKER_WAIT_S, so grading never waits forever."""

    def __init__(self, client: Client, pending: Mapping[Future, Chunk], lock: threading.Lock) -> None:
        super().__init__(daemon=True, name="cnnlab-dask-watchdog")
        self.client, self.pending, self.lock = client, pending, lock  # the lock guards the grading loop's changes
        self.stop, self.gave_up = threading.Event(), False

    def run(self) -> None:
        """Check every POLL_S; cancel the pending tasks after DASK_WORKER_WAIT_S with no worker."""
        alone_since: float | None = None
        while not self.stop.wait(POLL_S):
            try:
                workers = len(self.client.nthreads())
            except Exception:  # noqa: BLE001  the scheduler itself is gone: the same as no worker
                workers = 0
            alone_since = None if workers else alone_since or time.monotonic()
            if alone_since is not None and time.monotonic() - alone_since >= DASK_WORKER_WAIT_S:
                self.gave_up = True
                with self.lock:
                    left = list(self.pending)
                self.client.cancel(left)
                return


def grade_on_dask(raws: Sequence[RawSubmission], batch: Batch, on_result: OnResult = lambda r, c: None, *,
                  target: Target, say: Say = _stderr, chunk: Callable[[list[Task]], list[Result]] = grade_chunk
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
        slots = await_workers(client, target, say)
        deaths, plugin = deaths_allowed(client, say), start_sandboxes(client, batch, say)
        gpu, run = wants_gpu(client, batch, say), uuid.uuid4().hex[:8]
        tasks: list[Task] = []
        for raw in todo:
            read = read_here(raw, batch.env)
            one = make_task(read, batch.env, plugin) if read is not None else None
            if one is None:
                complete(*local_record(raw, batch.env, read=read))
            else:
                tasks.append(one)

        def submit(part: Chunk) -> Future:
            return client.submit(chunk, list(part), pure=False, key=f"cnnlab-grade-{part[0].raw.digest[:16]}-"
                                                                    f"{len(part)}-{run}",
                                 resources=GPU if gpu and len(part) == 1 and part[0].trains else None)

        pending, lock = {submit(part): part for part in chunked(tasks, slots)}, threading.Lock()
        watchdog = Watchdog(client, pending, lock)
        watchdog.start()
        try:
            finished = as_completed(list(pending))
            for future in finished:
                with lock:
                    part = pending.pop(future)
                if future.cancelled():
                    continue  # the watchdog gave up: no record, so the next run grades it
                graded = received(future, part, batch.env, deaths)
                if graded is None:  # the chunk killed its workers: sent one by one, the one that does is found
                    for task in part:
                        alone = submit((task,))
                        with lock:
                            pending[alone] = (task,)
                        finished.add(alone)
                else:
                    for record, files in graded:
                        complete(record, files)
                future.release()
        finally:
            watchdog.stop.set()
        if watchdog.gave_up:
            graded_now = {record.digest for record in done}
            left = sum(task.raw.digest not in graded_now for task in tasks)
            raise TimeoutError(f"every Dask worker left and none came back in {DASK_WORKER_WAIT_S:.0f} s: {left} "
                               "submission(s) not graded; what was graded is stored, and running the command again "
                               "grades the rest")
    return done
