"""Grading on Dask workers: the same records as one machine, nothing lost when a worker dies, one key per task."""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import signal
import threading
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import dask
import pytest
from distributed import LocalCluster, get_worker

from tests.support.simulate import FLAVOURS, make_class, write_simulated
from tests.grader.classroom import outputs
from grader.pipeline.collect import collect
from grader.distributed.client import Target, grade_on_dask
from grader.distributed import client as dask_client
from grader.distributed.tasks import OneKey, Result, SandboxPlugin, Task, grade_chunk
import cnnlab
from grader.pipeline.grade_class import load_env
from grader.pipeline import steps
from grader.pipeline.answer_key import KeyDir
from grader.pipeline.batch import Batch, finish_safely, prepare
from grader.pipeline.records import GradedSubmission, RawSubmission
from grader.pipeline.roster import Roster
from generator.limits import LIMITS
from grader.pipeline.store import Store
from generator.limits import MAX_DASK_CHUNK

STUDENTS = 8


@pytest.fixture(scope="module")
def homework(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """Eight simulated submissions (correct, wrong, blank, crashing) and their key folder."""
    root = tmp_path_factory.mktemp("dask-class")
    generated = make_class(root / "class", STUDENTS)
    write_simulated(generated, root / "submissions", list(FLAVOURS))
    return root / "submissions", generated / "key"


@pytest.fixture(scope="module")
def cluster() -> Iterator[LocalCluster]:
    """A scheduler with cnnlab's fault rule, as docs/SCALING.md starts one, and two one-thread worker processes,
    shared by the tests that reach it by its address."""
    with dask.config.set(dask_client.FAULT_RULES):
        local = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None)
    with local:
        yield local


def test_local_dask_gives_the_records_of_one_machine(homework: tuple[Path, Path], tmp_path: Path) -> None:
    submissions, key = homework
    assert cnnlab.main(["grade", str(submissions), "--key", str(key), "--out", str(tmp_path / "one")]) == 0
    assert cnnlab.main(["grade", str(submissions), "--key", str(key), "--out", str(tmp_path / "dask"),
                        "--dask", "local:2"]) == 0
    one, dask = outputs(tmp_path / "one"), outputs(tmp_path / "dask")
    assert sum(name.endswith("record.json") for name in dask) == STUDENTS
    assert dask == one
    before = (tmp_path / "dask" / "gradebook.csv").read_bytes()
    assert cnnlab.main(["grade", str(submissions), "--key", str(key), "--out", str(tmp_path / "dask"),
                        "--dask", "local:2"]) == 0
    assert (tmp_path / "dask" / "gradebook.csv").read_bytes() == before  # all reused: no cluster needed


def grade(homework: tuple[Path, Path], out: Path, address: str, chunk: object = grade_chunk
          ) -> tuple[list[GradedSubmission], list[bool]]:
    """Grade the homework on the shared cluster with a wrapped task; the records and which were reused."""
    submissions, key = homework
    reused: list[bool] = []
    records = grade_on_dask(collect([str(submissions)]), Batch(load_env(str(key)), Store(out), limits=LIMITS),
                            lambda r, c: reused.append(c), target=Target(address), say=lambda line: None,
                            chunk=chunk)  # type: ignore[arg-type]
    return records, reused


def exactly_one_record_each(homework: tuple[Path, Path], out: Path) -> dict[str, GradedSubmission]:
    """Every submission has one record on disk, none a grader error; by file name."""
    stored = Store(out).records()
    digests = sorted(raw.digest for raw in collect([str(homework[0])]))
    assert sorted(r.digest for r in stored) == digests
    assert not [r for r in stored if r.status == "error"]
    return {r.filename: r for r in stored}


def spy(tasks: list[Task], folder: str) -> list[Result]:
    """Keep what this worker received (each task as pickled), then grade."""
    for task in tasks:
        Path(folder, f"{task.identity.student_id}.pkl").write_bytes(pickle.dumps((get_worker().address, task)))
    return grade_chunk(tasks)


def test_a_key_goes_only_to_the_worker_grading_that_student(homework: tuple[Path, Path], cluster: LocalCluster,
                                                            tmp_path: Path) -> None:
    seen = tmp_path / "seen"
    seen.mkdir()
    grade(homework, tmp_path / "out", cluster.scheduler_address, partial(spy, folder=str(seen)))
    keys = {p.stem: p.read_bytes() for p in homework[1].glob("*.json")}
    assert sorted(p.stem for p in seen.iterdir()) == sorted(keys)
    for received in seen.iterdir():
        address, task = pickle.loads(received.read_bytes())
        assert task.key == keys[received.stem] and task.identity.student_id == received.stem
        others = [sid for sid, data in keys.items() if data in received.read_bytes()]
        assert others == [received.stem]  # its own key, no one else's
        assert address in cluster.scheduler_info["workers"]
    plugin = pickle.dumps(SandboxPlugin(LIMITS, load_env(str(homework[1])).context))  # what every worker gets
    assert not [sid for sid, data in keys.items() if data in plugin or sid.encode() in plugin]


def kill_once(tasks: list[Task], marker: str) -> list[Result]:
    """The first task to get here kills its worker process, mid-task, as a lost node would."""
    try:
        os.close(os.open(marker, os.O_CREAT | os.O_EXCL))
    except FileExistsError:
        return grade_chunk(tasks)
    os.kill(os.getpid(), signal.SIGKILL)
    raise AssertionError("unreachable")


def test_a_killed_worker_loses_nothing(homework: tuple[Path, Path], cluster: LocalCluster, tmp_path: Path) -> None:
    records, reused = grade(homework, tmp_path / "out", cluster.scheduler_address,
                            partial(kill_once, marker=str(tmp_path / "killed")))
    assert (tmp_path / "killed").exists()
    assert len(records) == STUDENTS and not any(reused)
    by_file = exactly_one_record_each(homework, tmp_path / "out")
    assert {name: r.status for name, r in by_file.items() if r.status != "graded"} == {
        name: "crashed" for name in by_file if "crash" in name}
    assert all(r.percent == 100 for name, r in by_file.items() if "correct" in name)
    again, reused = grade(homework, tmp_path / "out", cluster.scheduler_address)
    assert len(again) == STUDENTS and all(reused)  # a rerun grades only what has no record: nothing


def kill_for(tasks: list[Task], name: str) -> list[Result]:
    """Every run of a task holding this one submission kills its worker."""
    if any(name in task.raw.filename for task in tasks):
        os.kill(os.getpid(), signal.SIGKILL)
    return grade_chunk(tasks)


def test_a_submission_that_kills_its_worker_twice_is_crashed(homework: tuple[Path, Path], cluster: LocalCluster,
                                                            tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(dask_client, "CHUNKS_PER_SLOT", 1)  # chunks of 4: the killer's chunk is split, then found
    records, _ = grade(homework, tmp_path / "out", cluster.scheduler_address, partial(kill_for, name="s002_"))
    assert len(records) == STUDENTS
    by_file = exactly_one_record_each(homework, tmp_path / "out")
    killer = by_file["s002_wrong.ipynb"]
    assert killer.status == "crashed" and killer.points == 0 and killer.scores
    assert "killed its Dask worker 2 times" in " ".join(killer.notes + tuple(s.feedback for s in killer.scores))
    assert all(r.status == "graded" for name, r in by_file.items() if "correct" in name or "blank" in name)
    again, reused = grade(homework, tmp_path / "out", cluster.scheduler_address)
    assert len(again) == STUDENTS and all(reused)  # recorded as crashed: not retried forever


def graded_without_sandbox(task: Task, env: steps.Env) -> tuple[dict[str, object], dict[str, bytes]]:
    """The worker's record and files for a task, as if the sandbox returned nothing (its time left out)."""
    worker = steps.Env(OneKey.of(task), Roster({}, {}), None, env.context)
    record, files = finish_safely(prepare(task.raw, worker, task.identity, task.read()), worker)
    return {**record.to_json(), "graded_at": ""}, files


def test_the_client_parses_each_notebook_once_and_the_worker_grades_what_it_shipped(
        homework: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    env, raws, parsed = load_env(str(homework[1])), collect([str(homework[0])]), []
    parse = steps.parse
    monkeypatch.setattr(steps, "parse", lambda data: parsed.append(data) or parse(data))
    tasks = [dask_client.make_task(dask_client.read_here(raw, env), env, "p") for raw in raws]  # type: ignore[arg-type]
    assert len(parsed) == len(raws) and all(task is not None for task in tasks)
    for task in tasks:
        assert task is not None and not task.trains
        assert env.keys.digest(task.identity.student_id) == hashlib.sha256(task.key).hexdigest()
        parsed.clear()
        shipped = graded_without_sandbox(pickle.loads(pickle.dumps(task)), env)
        assert parsed == []  # the worker parses nothing again
        record, files = finish_safely(prepare(task.raw, env), env)
        assert shipped == ({**record.to_json(), "graded_at": ""}, files)  # as one machine grades it


def test_a_key_that_trains_asks_for_the_gpu_from_the_clients_one_parse(tmp_path: Path) -> None:
    from tests.grader.pipeline.test_steps import KEY

    (tmp_path / "s1.json").write_text(json.dumps({**KEY, "questions": [
        {**KEY["questions"][0], "params": {"training": {"epochs": 1}}}]}))
    keys = KeyDir.open(tmp_path)
    env = steps.Env(keys, Roster.of_ids(keys.paths), None)
    notebook = {"nbformat": 4, "nbformat_minor": 5, "metadata": {"cnnlab": {"student_id": "s1"}}, "cells": []}
    raw = RawSubmission("s1.ipynb", "s1.ipynb", json.dumps(notebook).encode())
    task = dask_client.make_task(dask_client.read_here(raw, env), env, "p")  # type: ignore[arg-type]
    assert task is not None and task.trains and task.notebook == notebook and task.fatal is None
    assert task.key == (tmp_path / "s1.json").read_bytes() and list(keys.parsed) == ["s1"]
    broken = dask_client.read_here(RawSubmission("s1.ipynb", "s1.ipynb", b"{"), env)
    task = dask_client.make_task(broken, env, "p")  # type: ignore[arg-type]
    assert task is not None and task.notebook is None and "not JSON" in str(task.fatal)  # identified by its name


def test_chunks_keep_training_alone_and_give_every_slot_several() -> None:
    def task(name: str, training: bool) -> Task:
        return Task(None, None, b"", name, "p", None, None, training)  # type: ignore[arg-type]  # named by key_path

    tasks = [task(f"t{i}", i in (3, 7)) for i in range(40)]
    parts = dask_client.chunked(tasks, slots=2)
    assert [len(p) for p in parts[:2]] == [1, 1] and {p[0].key_path for p in parts[:2]} == {"t3", "t7"}
    assert sorted(one.key_path for part in parts for one in part) == sorted(t.key_path for t in tasks)
    assert max(len(p) for p in parts[2:]) == 38 // (2 * dask_client.CHUNKS_PER_SLOT)
    assert len(parts[2:]) >= 2 * dask_client.CHUNKS_PER_SLOT
    assert max(len(p) for p in dask_client.chunked(tasks * 10, slots=1)) == MAX_DASK_CHUNK


def test_no_worker_is_a_one_line_error_and_a_foreign_scheduler_is_left_as_it_is(
        homework: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(dask_client, "DASK_WORKER_WAIT_S", 1.0)
    said: list[str] = []
    with dask.config.set({"distributed.scheduler.allowed-failures": 3}):  # Dask's default, not cnnlab's rule
        empty = LocalCluster(n_workers=0, threads_per_worker=1, processes=True, dashboard_address=None)
    with empty:
        batch = Batch(load_env(str(homework[1])), Store(tmp_path / "out"), limits=LIMITS)
        with pytest.raises(TimeoutError, match="no Dask worker joined the scheduler at .* in 1 s; start workers"):
            grade_on_dask(collect([str(homework[0])]), batch, target=Target(empty.scheduler_address), say=said.append)
        assert Store(tmp_path / "out").records() == []
        empty.scale(1)
        empty.wait_for_workers(1)
        records = grade_on_dask(collect([str(homework[0])]), batch, target=Target(empty.scheduler_address),
                                say=said.append)
        assert len(records) == STUDENTS
        assert (empty.scheduler.allowed_failures, empty.scheduler.WORKER_SATURATION) == (
            3, dask.config.get("distributed.scheduler.worker-saturation"))  # its operator's settings, unchanged
    assert any("lets a task kill 4 workers" in line and "ALLOWED_FAILURES=1" in line for line in said)


class NoWorkers:
    """A client whose scheduler has lost every worker."""

    def __init__(self) -> None:
        self.cancelled: list[object] = []

    def nthreads(self) -> dict[str, int]:
        return {}

    def cancel(self, futures: list[object]) -> None:
        self.cancelled += futures


def test_the_watchdog_cancels_what_is_left_when_every_worker_is_gone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(dask_client, "DASK_WORKER_WAIT_S", 0.05)
    monkeypatch.setattr(dask_client, "POLL_S", 0.01)
    client = NoWorkers()
    watchdog = dask_client.Watchdog(client, {"a": (), "b": ()}, threading.Lock())  # type: ignore[arg-type, dict-item]
    watchdog.start()
    watchdog.join(timeout=30)
    assert watchdog.gave_up and client.cancelled == ["a", "b"]
