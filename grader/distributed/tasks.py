"""The worker's side: one sandbox pool per Dask worker, and the task that grades one submission with one key.

A task gets the submission's bytes, the notebook the client already parsed from them (plain data, outputs stripped:
the worker does not parse it again) and the key file of the one student it grades (never the class's keys), and
returns the record and its files as plain data; the client writes them. Nothing here touches the output folder.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from distributed import Worker, WorkerPlugin, get_worker

from generator.model import Context
from grader.pipeline.answer_key import KeyDir
from grader.pipeline.batch import finish_safely, prepare, run_prepared
from grader.pipeline.records import Identity, RawSubmission
from grader.pipeline.roster import Roster
from generator.limits import Limits
from grader.sandbox import Sandbox
from grader.pipeline.steps import Env, State

Result = dict[str, Any]  # {"record": GradedSubmission.to_json(), "files": {name: utf-8 text}}


@dataclass(frozen=True)
class Task:
    """One submission to grade: its bytes and the notebook read from them, who the client says it is, and that
    student's key file only."""

    raw: RawSubmission
    identity: Identity
    key: bytes = field(repr=False)  # the bytes of KEYDIR/<student_id>.json, as the client read them
    key_path: str  # where the client read it: error messages name the same file as on one machine
    plugin: str  # the name of the SandboxPlugin that holds this run's limits and context
    notebook: dict[str, Any] | None = field(repr=False)  # the client's READ steps' notebook (parsed, outputs
    # stripped): plain JSON data, so the worker does not parse the file again
    fatal: str | None  # why the READ steps could not read the file (then notebook is None)
    trains: bool  # a question of the key holds a training block (the client parsed the key once, for the run)

    def read(self) -> State:
        """The state after the READ steps, as the client left it: the worker's prepare goes on from here."""
        return State(self.raw, notebook=self.notebook, fatal=self.fatal)


@dataclass(frozen=True)
class OneKey(KeyDir):
    """A KeyDir that holds one student's key in memory: what a worker may know, and all the steps ask of keys."""

    data: bytes = field(default=b"", repr=False)

    @staticmethod
    def of(task: Task) -> OneKey:
        """The task's key, under the path the client read it from."""
        path = Path(task.key_path)
        return OneKey(path.parent, {str(task.identity.student_id): path}, task.key)

    def file_bytes(self, path: Path) -> bytes:
        """The key bytes sent, hashed and parsed once as KeyDir does (the client read the same bytes)."""
        return self.data


class SandboxPlugin(WorkerPlugin):
    """Starts this worker's sandbox pool once (one slot per worker thread) and closes it with the worker.

    Idempotent under its name, which hashes the limits and context: a later run with the same settings on a warm
    cluster keeps the running pools instead of restarting them.
    """

    idempotent = True

    def __init__(self, limits: Limits, context: Context) -> None:
        self.limits, self.context = limits, context
        self.name = "cnnlab-sandbox-" + hashlib.sha256(repr((limits, context)).encode()).hexdigest()[:12]
        self.sandbox: Sandbox | None = None

    async def setup(self, worker: Worker) -> None:
        """Start the zygotes off the event loop (seconds of imports), so the worker keeps answering meanwhile."""
        await asyncio.get_running_loop().run_in_executor(None, self._start, worker.state.nthreads)

    def _start(self, slots: int) -> None:
        import torch

        torch.set_num_threads(1)  # the references run on tiny arrays, as in grade_all
        sandbox = Sandbox(workers=slots, limits=self.limits, gpu=self.context.device_class() == "cuda")
        sandbox.start()
        self.sandbox = sandbox

    def teardown(self, worker: Worker) -> None:
        """Stop the zygotes, cgroups and folders."""
        if self.sandbox is not None:
            self.sandbox.close()
            self.sandbox = None

    @property
    def isolation(self) -> str:
        """The isolation line in force on this worker (or why there is none)."""
        return self.sandbox.isolation if self.sandbox is not None else "no sandbox: the plugin did not start"


def plugin_of(worker: Worker, name: str) -> SandboxPlugin:
    """This run's plugin on the worker; a worker without it is a setup fault, raised to the client."""
    plugin = worker.plugins.get(name)
    if not isinstance(plugin, SandboxPlugin) or plugin.sandbox is None:
        raise RuntimeError(f"Dask worker {worker.address} has no started sandbox ({name})")
    return plugin


def grade_chunk(tasks: Sequence[Task]) -> list[Result]:
    """Grade a few submissions as grade_all does, in this worker's sandbox, each with only its own key; results in
    the tasks' order."""
    plugin = plugin_of(get_worker(), tasks[0].plugin)
    place = {task.raw.digest: number for number, task in enumerate(tasks)}
    results: list[Result] = [{}] * len(tasks)

    def prepared() -> Iterator[tuple[State, Env]]:
        for task in tasks:
            env = Env(OneKey.of(task), Roster({}, {}), None, plugin.context)
            yield prepare(task.raw, env, task.identity, task.read()), env

    def complete(state: State, env: Env) -> None:
        record, files = finish_safely(state, env)
        results[place[state.raw.digest]] = {"record": json.loads(json.dumps(record.to_json())),
                                            "files": {name: data.decode("utf-8") for name, data in files.items()}}

    run_prepared(plugin.sandbox, prepared(), complete)  # type: ignore[arg-type]  # plugin_of: started
    return results


def grade_task(task: Task) -> Result:
    """One submission alone (a chunk of one)."""
    return grade_chunk([task])[0]


def isolation(dask_worker: Worker, name: str) -> str:
    """For client.run: the isolation line of this worker's sandbox."""
    plugin = dask_worker.plugins.get(name)
    return plugin.isolation if isinstance(plugin, SandboxPlugin) else "no cnnlab sandbox on this worker"
