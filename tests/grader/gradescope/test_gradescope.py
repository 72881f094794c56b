"""The Gradescope autograder.zip: its layout, and its run_autograder grading a fake /autograder tree end to end."""

from __future__ import annotations

import functools
import json
import os
import stat
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest

from cnnlab import main as cnnlab
from grader.gradescope.identity import account_student, decide
from grader.pipeline.roster import Roster
from tests.grader.classroom import correct_class

TOP = {"score": (int, float), "execution_time": int, "output": str, "output_format": str, "test_output_format": str,
       "test_name_format": str, "visibility": str, "stdout_visibility": str, "extra_data": dict, "tests": list,
       "leaderboard": list}  # the specification's top-level keys and their JSON types
TEST = {"score": (int, float), "max_score": (int, float), "status": str, "name": str, "name_format": str,
        "number": str, "output": str, "output_format": str, "tags": list, "visibility": str, "extra_data": dict}
VISIBILITY = ("hidden", "after_due_date", "after_published", "visible")
EXAM_ONLY = ("typst", "pypandoc-binary", "segno")  # the `exam` extra: never in the grading install


def check_spec(data: dict[str, Any]) -> None:
    """Every key is the specification's, of its type; visibilities and statuses are the specification's words."""
    for key, value in data.items():
        assert key in TOP and isinstance(value, TOP[key]), (key, value)
    assert data["visibility"] in VISIBILITY and data["stdout_visibility"] in VISIBILITY
    for test in data["tests"]:
        for key, value in test.items():
            assert key in TEST and isinstance(value, TEST[key]), (key, value)
        assert test["status"] in ("passed", "failed") and test["visibility"] in VISIBILITY


@pytest.fixture(scope="module")
def autograder(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    """A class, its autograder.zip (visibility from the spec, a roster with e-mails) unpacked as /autograder/source."""
    root = tmp_path_factory.mktemp("gradescope")
    key, notebook = correct_class(root / "class", students=2)
    spec = root / "class" / "spec.yaml"
    spec.write_text(spec.read_text().replace("  - id: output-size\n", "  - {id: output-size, visibility: hidden}\n")
                    + "gradescope: {visibility: after_due_date}\n")
    roster = root / "roster.csv"
    roster.write_text("student_id,name,email\ns001,One,one@uni.example\ns002,Two,two@uni.example\n")
    assert cnnlab(["export", "gradescope", "--key", str(key), "--out", str(root / "autograder.zip"), "--spec",
                   str(spec), "--roster", str(roster)]) == 0
    with zipfile.ZipFile(root / "autograder.zip") as archive:
        archive.extractall(root / "tree" / "source")
        modes = {i.filename: i.external_attr >> 16 for i in archive.infolist()}
    assert modes["run_autograder"] & stat.S_IXUSR and modes["setup.sh"] & stat.S_IXUSR
    assert stat.S_IMODE(os.stat(root / "autograder.zip").st_mode) == 0o600, "it holds every answer key"
    for name in ("run_autograder", "setup.sh"):
        os.chmod(root / "tree" / "source" / name, 0o755)
    return root / "tree", notebook


def submit(tree: Path, notebook: dict[str, Any], email: str) -> Path:
    """A fresh submission in the fake tree, as Gradescope's harness lays it out."""
    for old in (tree / "submission").glob("*"):
        old.unlink()
    (tree / "submission").mkdir(exist_ok=True)
    (tree / "results").mkdir(exist_ok=True)
    (tree / "submission" / "ps1.ipynb").write_text(json.dumps(notebook))
    (tree / "submission_metadata.json").write_text(json.dumps({
        "id": 1, "created_at": "2025-03-01T10:00:00-08:00", "assignment": {"title": "PS1", "total_points": "28.0"},
        "users": [{"email": email, "id": 1234, "name": "Student One"}], "previous_submissions": []}))
    return tree / "results" / "results.json"


def test_zip_layout_follows_the_specification(autograder: tuple[Path, dict[str, Any]]) -> None:
    source = autograder[0] / "source"
    setup = (source / "setup.sh").read_text()
    assert "--no-deps --index-url https://download.pytorch.org/whl/cpu 'torch==2.13.0" in setup and "bubblewrap" in setup
    assert "ppa" not in setup.lower() and "22.04) PYTHON=python3.11" in setup and "24.04) PYTHON=python3.12" in setup
    pins = (source / "constraints.txt").read_text().splitlines()[1:]
    assert pins and all("==" in pin for pin in pins) and not [p for p in pins if p.split("==")[0] in EXAM_ONLY]
    assert "--constraint \"$SOURCE/constraints.txt\"" in setup and "autograde --check" in setup
    assert "python3.11" in (source / "README.md").read_text() and "CNNLAB_DATA" in (source / "run_autograder").read_text()
    assert list(source.glob("cnnlab-*.whl")) and sorted(p.name for p in (source / "key").iterdir()) == [
        "s001.json", "s002.json"]
    visibility = json.loads((source / "settings.json").read_text())["visibility"]
    assert visibility["output-size"] == "hidden" and visibility["pooling"] == "after_due_date"


def test_run_autograder_grades_the_account_s_student(autograder: tuple[Path, dict[str, Any]]) -> None:
    tree, notebook = autograder
    anonymous = json.loads(json.dumps(notebook))
    anonymous["metadata"]["cnnlab"]["student_id"] = ""  # the Gradescope account says who it is
    results = submit(tree, anonymous, "one@uni.example")
    done = subprocess.run(["bash", str(tree / "source" / "run_autograder")], cwd=tree, capture_output=True, text=True,
                          timeout=300, env={**os.environ, "CNNLAB_AUTOGRADER_ROOT": str(tree),
                                            "CNNLAB_PYTHON": sys.executable})
    assert done.returncode == 0, done.stderr[-2000:]
    data = json.loads(results.read_text())
    check_spec(data)
    assert "max_score" not in data and data["extra_data"]["max_score"] == data["score"] == 28.0
    assert data["extra_data"]["student_id"] == "s001" and data["execution_time"] >= 1
    shown = {t["name"].split(":")[0]: t["visibility"] for t in data["tests"]}
    assert shown["output-size"] == "hidden" and shown["pooling"] == "after_due_date"
    assert "sandbox: " in done.stdout and "s001" in done.stdout, "the instructor-only log"
    assert "sandbox" not in data["output"]


def test_weak_sandbox_is_said_in_the_instructor_only_stdout(autograder: tuple[Path, dict[str, Any]],
                                                             monkeypatch: pytest.MonkeyPatch,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    import grader.pipeline.batch
    tree, notebook = autograder
    results = submit(tree, notebook, "stranger@elsewhere.example")  # no account match: the notebook's metadata
    monkeypatch.setattr(grader.pipeline.batch, "Sandbox", functools.partial(grader.pipeline.batch.Sandbox, mode="weak"))
    monkeypatch.setenv("CNNLAB_AUTOGRADER_ROOT", str(tree))
    with pytest.warns(RuntimeWarning):
        assert cnnlab(["autograde"]) == 0
    out, data = capsys.readouterr().out, json.loads(results.read_text())
    check_spec(data)
    assert "WEAK mode" in out and "is on no roster" in out and data["extra_data"]["student_id"] == "s001"
    assert "WEAK" not in json.dumps(data), "students never see it"


def test_no_notebook_still_writes_results(autograder: tuple[Path, dict[str, Any]], monkeypatch: pytest.MonkeyPatch
                                          ) -> None:
    tree, _ = autograder
    results = submit(tree, {}, "one@uni.example")
    (tree / "submission" / "ps1.ipynb").rename(tree / "submission" / "ps1.txt")
    assert cnnlab(["autograde", "--root", str(tree)]) == 0
    data = json.loads(results.read_text())
    check_spec(data)
    assert data["score"] == 0 and "no notebook" in data["output"]


def test_account_lookup_by_email_then_id_never_sid_or_guessed_local_part() -> None:
    known = Roster({"s001": "", "s002": ""}, {"s001": "s001", "s002": "s002", "two@x.org": "s002", "1234": "s001"})
    assert account_student({"sid": "s001", "email": "two@x.org"}, known) == "s002", "Gradescope sends no sid"
    assert account_student({"email": "nobody@x.org", "id": 1234}, known) == "s001"
    assert account_student({"email": "s001@uni.example"}, known) is None, "an e-mail's local part is no identity"
    assert decide({"users": []}, known, "s001").student is None and decide({}, known, None).student is None


def test_a_claim_that_disagrees_with_the_account_is_noted_for_the_instructor_only() -> None:
    known = Roster({"s001": "", "s002": ""}, {"s001": "s001", "s002": "s002", "two@x.org": "s002"})
    found = decide({"users": [{"email": "two@x.org", "id": 9}]}, known, "s001")
    assert found.student == "s002" and not found.stated
    assert any("says it is 's001'" in note for note in found.instructor_notes)
    stranger = decide({"users": [{"email": "who@else.org", "id": 7, "name": "X"}]}, known, "s001")
    assert stranger.student is None and "is on no roster" in stranger.instructor_notes[0]


def test_a_group_gets_the_grade_of_the_submitting_member_s_key() -> None:
    known = Roster({"s001": "", "s002": ""}, {"s001": "s001", "s002": "s002", "one@x.org": "s001", "two@x.org": "s002"})
    users = {"users": [{"email": "one@x.org", "id": 1}, {"email": "two@x.org", "id": 2}]}
    own = decide(users, known, "s002")
    assert own.student == "s002" and own.members == ("s001", "s002") and not own.instructor_notes
    assert "every member (s001, s002) gets this grade" in own.stated[0]
    assert decide(users, known, None).student == "s001"


def test_export_refuses_a_missing_key_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cnnlab(["export", "gradescope", "--key", str(tmp_path / "none"), "--out", str(tmp_path / "a.zip")]) == 2
    assert "answer-key folder not found" in capsys.readouterr().err and not (tmp_path / "a.zip").exists()
