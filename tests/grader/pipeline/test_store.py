"""The output folder's modes: everything a grading run writes is for students and TAs (files 0644, folders 0755),
whatever the umask; the atomic writer takes the mode explicitly (mkstemp alone would make 0600)."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from cnnlab import main as cnnlab
from grader.reports.class_outputs import write_class_outputs
from grader.pipeline.records import GradedSubmission, Score
from grader.pipeline.store import LOCK, Store


def _record(student: str, points: float) -> GradedSubmission:
    return GradedSubmission(student * 16, f"{student}.ipynb", f"{student}.ipynb", student, "hw", "k", "graded",
                            (Score("q1", points, 2.0, "ok"), Score("q2", 1.0, 3.0, "part")), (), 0.1)


@pytest.fixture()
def strict_umask() -> Iterator[None]:
    """The strictest common umask: outputs must still be readable by the TAs."""
    previous = os.umask(0o077)
    yield
    os.umask(previous)


def _modes(root: Path) -> tuple[set[int], set[int]]:
    """The modes of every file and of every folder under root (root included)."""
    paths = [root, *root.rglob("*")]
    return ({stat.S_IMODE(p.stat().st_mode) for p in paths if p.is_file()},
            {stat.S_IMODE(p.stat().st_mode) for p in paths if p.is_dir()})


def test_every_output_is_0644_in_0755_folders(tmp_path: Path, strict_umask: None) -> None:
    store = Store(tmp_path / "out")
    records = [_record("a", 2.0), _record("b", 0.0)]
    with store.exclusive():
        for record in records:
            store.save(record, {"results.json": b"{}", "feedback.ipynb": b"{}"})
        write_class_outputs(store, None, records[:1], tmp_path / "out" / "junit.xml")
    assert cnnlab(["report", str(tmp_path / "out")]) == 0
    names = {p.relative_to(tmp_path / "out").as_posix() for p in (tmp_path / "out").rglob("*") if p.is_file()}
    assert {LOCK, "gradebook.csv", "gradebook.sqlite", "results.json", "junit.xml", "students/a/feedback.ipynb",
            "report/report.html", "report/histogram.png", "report/items.png"} <= names
    assert _modes(tmp_path / "out") == ({0o644}, {0o755})
    assert not [p for p in (tmp_path / "out").rglob("*.tmp")], "no temporary files left behind"
