"""The Sandbox: a pool of isolated, pre-forked workers that grade submissions in parallel."""
from __future__ import annotations

import logging
import os
import queue
import threading
import warnings
from collections.abc import Iterable, Iterator, Sequence

from generator.limits import Limits

from .api import Job, Outcome
from .isolation import Mode, Plan, describe, make_plan, make_private
from .leftovers import remove_stale
from .verdict import crashed
from .worker import Worker, WorkerDied

log = logging.getLogger(__name__)
_STOP = object()


class Sandbox:
    """Runs Jobs in child processes that cannot see the grader, the key or the network."""

    def __init__(self, workers: int = 2, limits: Limits = Limits(), hide: Sequence[str | os.PathLike[str]] = (),
                 mode: Mode = "auto", gpu: bool = False) -> None:
        self.limits = limits
        self.plan: Plan = make_plan(mode, hide, gpu)
        self.workers = [Worker(slot, self.plan, limits) for slot in range(max(1, workers))]
        self.jobs: queue.Queue[object] = queue.Queue()
        self.threads: list[threading.Thread] = []
        self.start_errors: list[str] = []
        if self.plan.mode == "weak":
            if self.plan.as_root:
                for path in make_private(hide):
                    log.info("made %s unreadable to student code (group and other access removed)", path)
            message = f"SANDBOX IS WEAK: {describe(self.plan, None, self.plan.uid_for(0), False)}"
            warnings.warn(message, RuntimeWarning, stacklevel=2)
            log.warning(message)

    @property
    def isolation(self) -> str:
        """The isolation line of the first worker (every worker is started the same way)."""
        return self.workers[0].isolation

    def __enter__(self) -> Sandbox:
        self.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def start(self) -> None:
        """Remove what dead graders left, then start every zygote (in parallel) and the thread that owns each one."""
        for path in remove_stale():
            log.info("removed %s, left by a grader that is no longer running", path)
        ready = [threading.Event() for _ in self.workers]
        for worker, event in zip(self.workers, ready):
            thread = threading.Thread(target=self._serve, args=(worker, event), daemon=True,
                                      name=f"sandbox-worker-{worker.slot}")
            thread.start()
            self.threads.append(thread)
        for event in ready:
            event.wait()

    def _serve(self, worker: Worker, ready: threading.Event) -> None:
        """Owned by one thread for its whole life: bwrap's --die-with-parent follows the starting thread."""
        try:
            worker.start()
        except (WorkerDied, OSError) as exc:
            self.start_errors.append(str(exc))
            log.error("sandbox worker %d did not start: %s", worker.slot, exc)
        finally:
            ready.set()
        while True:
            item = self.jobs.get()
            if item is _STOP:
                break
            job, replies = item  # type: ignore[misc]
            replies.put(self._run_one(worker, job))
        worker.close()

    def _run_one(self, worker: Worker, job: object) -> Outcome:
        if not isinstance(job, Job):
            return crashed(str(getattr(job, "job_id", "?")), f"not a Job: {type(job).__name__}", worker.isolation)
        try:
            return worker.run(job)
        except Exception as exc:  # noqa: BLE001  map must never raise for one bad job
            log.exception("sandbox worker %d failed on %s", worker.slot, job.job_id)
            return crashed(job.job_id, f"internal error: {exc!r}", worker.isolation)

    def run(self, job: Job) -> Outcome:
        """Run one job and wait for its Outcome."""
        return next(self.map([job]))

    def map(self, jobs: Iterable[Job]) -> Iterator[Outcome]:
        """Run many jobs in parallel; yield Outcomes in order of completion; never raise for a bad job."""
        if not self.threads:
            raise RuntimeError("use the Sandbox in a with block (or call start()) first")
        replies: queue.Queue[Outcome] = queue.Queue()
        count = 0
        for job in jobs:
            self.jobs.put((job, replies))
            count += 1
        for _ in range(count):
            yield replies.get()

    def close(self) -> None:
        """Stop the workers, their zygotes, cgroups and folders."""
        for _ in self.threads:
            self.jobs.put(_STOP)
        for thread in self.threads:
            thread.join(timeout=30)
        self.threads = []
