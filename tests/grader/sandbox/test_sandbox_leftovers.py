"""A grader killed with SIGKILL leaves job folders and cgroups; the next grader removes them and resumes the batch."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from grader.sandbox import cgroup as cgroups
from grader.sandbox.leftovers import owner, remove_stale
from tests.support.simulate import make_class, write_simulated
from grader.pipeline.store import Store

REPO = Path(__file__).resolve().parents[3]


def dead_pid() -> int:
    """The pid of a process that has exited (and been reaped)."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_only_dead_graders_leftovers_are_removed(tmp_path: Path) -> None:
    dead, alive = dead_pid(), os.getppid()
    for name in (f"cnnlab-sandbox-{dead}-0-abc", f"cnnlab-scratch-{dead}-1-def", f"cnnlab-sandbox-{alive}-0-ghi",
                 "cnnlab-sandbox-notapid-0-x", "someone-else"):
        (tmp_path / name / "jobs" / "1").mkdir(parents=True)
        (tmp_path / name / "jobs" / "1" / "arg0.npy").write_bytes(b"hidden input")
    locked = tmp_path / f"cnnlab-scratch-{dead}-1-def" / "jobs" / "1"
    locked.chmod(0)  # a student made its folder unreadable
    group = cgroups.create(f"cnnlab-{dead}-0-1")
    removed = remove_stale(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"cnnlab-sandbox-{alive}-0-ghi",
                                                          "cnnlab-sandbox-notapid-0-x", "someone-else"]
    assert {Path(p).name for p in removed} >= {f"cnnlab-sandbox-{dead}-0-abc", f"cnnlab-scratch-{dead}-1-def"}
    if group is not None:  # where cgroups are writable (CI runs as root): the dead grader's cgroup is gone too
        assert not any(folder.exists() for folder in group.folders)
        assert str(group.memory) in removed


def test_owner_reads_the_pid_from_every_kind_of_name() -> None:
    assert owner("cnnlab-sandbox-123-0-x") == owner("cnnlab-scratch-123-1-y") == owner("cnnlab-123-0-99") == 123
    assert owner("cnnlab-sandbox-x") is None and owner("other-123-0") is None


def test_kill_9_mid_batch_then_rerun_cleans_up_and_resumes(tmp_path: Path) -> None:
    students = 6
    generated = make_class(tmp_path, students)
    submissions = tmp_path / "submissions"
    write_simulated(generated, submissions, ["correct", "wrong"])
    out = tmp_path / "out"
    command = [sys.executable, "-m", "cnnlab", "grade", str(submissions), "--key", str(generated / "key"),
               "--out", str(out), "--workers", "1"]
    grader = subprocess.Popen(command, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 300
    while not list(out.glob("submissions/*/record.json")) and grader.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert grader.poll() is None, "the grader finished before it could be killed: grade more submissions"
    grader.send_signal(signal.SIGKILL)
    grader.wait()
    left = [p for p in Path(tempfile.gettempdir()).iterdir() if owner(p.name) == grader.pid]
    assert left, "a killed grader leaves its job folder behind"
    assert len(list(out.glob("submissions/*/record.json"))) < students
    rerun = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=600)
    assert rerun.returncode == 0, rerun.stderr
    assert not any(p.exists() for p in left)
    records = Store(out).records()
    assert len(records) == students and {r.student_id for r in records} == {f"s{i:03d}" for i in range(1, 7)}
