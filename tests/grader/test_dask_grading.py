"""Grading on Dask workers: the same records as one machine, nothing lost when a worker dies, one key per task."""

from __future__ import annotations

import json
import os
import pickle
import re
import signal
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import pytest
from distributed import LocalCluster, get_worker

from generator.simulate import FLAVOURS, make_class, write_simulated
from grader.collect import collect
from grader.distributed.client import Target, grade_on_dask
from grader.distributed.tasks import Result, SandboxPlugin, Task, grade_task
from grader.grade_command import load_env, main
from grader.pipeline import Batch
from grader.records import GradedSubmission
from grader.settings import LIMITS
from grader.store import Store

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
    """A scheduler and two one-thread worker processes, shared by the tests that reach it by its address."""
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as local:
        yield local


def comparable(path: Path) -> object:
    """A file's content with what varies between any two runs taken out: times, and the sandbox uid (per pid)."""
    if path.suffix != ".json":
        return path.read_bytes()
    data = json.loads(path.read_text("utf-8"))
    if path.name == "record.json":
        data.pop("graded_at"), data.pop("seconds")
        data["isolation"] = re.sub(r"uid \d+", "uid N", data["isolation"])
    if path.name == "results.json":
        data.pop("execution_time", None)
    return data


def outputs(out: Path) -> dict[str, object]:
    """Every output file of a grading folder but the lock and the SQLite file (which holds the times)."""
    return {str(p.relative_to(out)): comparable(p) for p in sorted(out.rglob("*"))
            if p.is_file() and p.name not in (".lock", "gradebook.sqlite")}


def test_local_dask_gives_the_records_of_one_machine(homework: tuple[Path, Path], tmp_path: Path) -> None:
    submissions, key = homework
    assert main(submissions=[str(submissions)], key=str(key), out=str(tmp_path / "one")) == 0
    assert main(submissions=[str(submissions)], key=str(key), out=str(tmp_path / "dask"), dask="local:2") == 0
    one, dask = outputs(tmp_path / "one"), outputs(tmp_path / "dask")
    assert sum(name.endswith("record.json") for name in dask) == STUDENTS
    assert dask == one
    before = (tmp_path / "dask" / "gradebook.csv").read_bytes()
    assert main(submissions=[str(submissions)], key=str(key), out=str(tmp_path / "dask"), dask="local:2") == 0
    assert (tmp_path / "dask" / "gradebook.csv").read_bytes() == before  # all reused: no cluster needed


def grade(homework: tuple[Path, Path], out: Path, address: str, task: object = grade_task
          ) -> tuple[list[GradedSubmission], list[bool]]:
    """Grade the homework on the shared cluster with a wrapped task; the records and which were reused."""
    submissions, key = homework
    reused: list[bool] = []
    records = grade_on_dask(collect([str(submissions)]), Batch(load_env(str(key)), Store(out), limits=LIMITS),
                            lambda r, c: reused.append(c), target=Target(address), say=lambda line: None,
                            task=task)  # type: ignore[arg-type]
    return records, reused


def exactly_one_record_each(homework: tuple[Path, Path], out: Path) -> dict[str, GradedSubmission]:
    """Every submission has one record on disk, none a grader error; by file name."""
    stored = Store(out).records()
    digests = sorted(raw.digest for raw in collect([str(homework[0])]))
    assert sorted(r.digest for r in stored) == digests
    assert not [r for r in stored if r.status == "error"]
    return {r.filename: r for r in stored}


def spy(task: Task, folder: str) -> Result:
    """Keep what this worker received (the task as pickled), then grade."""
    Path(folder, f"{task.identity.student_id}.pkl").write_bytes(pickle.dumps((get_worker().address, task)))
    return grade_task(task)


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


def kill_once(task: Task, marker: str) -> Result:
    """The first task to get here kills its worker process, mid-task, as a lost node would."""
    try:
        os.close(os.open(marker, os.O_CREAT | os.O_EXCL))
    except FileExistsError:
        return grade_task(task)
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


def kill_for(task: Task, name: str) -> Result:
    """Every run of this one submission kills its worker."""
    if name in task.raw.filename:
        os.kill(os.getpid(), signal.SIGKILL)
    return grade_task(task)


def test_a_submission_that_kills_its_worker_twice_is_crashed(homework: tuple[Path, Path], cluster: LocalCluster,
                                                            tmp_path: Path) -> None:
    records, _ = grade(homework, tmp_path / "out", cluster.scheduler_address, partial(kill_for, name="s002_"))
    assert len(records) == STUDENTS
    by_file = exactly_one_record_each(homework, tmp_path / "out")
    killer = by_file["s002_wrong.ipynb"]
    assert killer.status == "crashed" and killer.points == 0 and killer.scores
    assert "killed its Dask worker 2 times" in " ".join(killer.notes + tuple(s.feedback for s in killer.scores))
    assert all(r.status == "graded" for name, r in by_file.items() if "correct" in name or "blank" in name)
    again, reused = grade(homework, tmp_path / "out", cluster.scheduler_address)
    assert len(again) == STUDENTS and all(reused)  # recorded as crashed: not retried forever
