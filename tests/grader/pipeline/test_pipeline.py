"""End to end with the real generator and the real sandbox: a batch of good and bad submissions, then resume."""

import json
from pathlib import Path
from typing import Any

import pytest

from cnnlab import main as cnnlab
from grader.pipeline.records import GradedSubmission
from tests.support.simulate import make_class, simulate
from grader.pipeline.store import Store

STUDENTS = 4


def _load(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text("utf-8"))


@pytest.fixture(scope="module")
def graded(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, dict[str, GradedSubmission]]:
    """Generate a class, write one submission per case below, grade the folder once."""
    root = tmp_path_factory.mktemp("class")
    gen = make_class(root, STUDENTS)
    nb = {s: (_load(gen / "students" / f"{s}.ipynb"), _load(gen / "instructor" / f"{s}.ipynb"),
              _load(gen / "key" / f"{s}.json")) for s in ("s001", "s002", "s003", "s004")}
    sub = root / "submissions"
    sub.mkdir()
    good = simulate(*nb["s001"], "correct")
    write = lambda name, data: (sub / name).write_text(json.dumps(data), encoding="utf-8")  # noqa: E731
    write("s001_correct.ipynb", good)
    write("s002_wrong.ipynb", simulate(*nb["s002"], "wrong"))
    write("s003_blank.ipynb", simulate(*nb["s003"], "blank"))
    write("s004_crash.ipynb", simulate(*nb["s004"], "crash"))
    (sub / "s001_notjson.ipynb").write_text("this is not a notebook")
    write("s001_nbformat3.ipynb", {**good, "nbformat": 3})
    (sub / "s001_latin1.ipynb").write_bytes(json.dumps(good).encode("utf-8").replace(b"Student", b"St\xe9dent"))
    (sub / "s001_empty.ipynb").write_bytes(b"")
    reordered = {**good, "cells": list(reversed(good["cells"]))}
    write("s001_reordered.ipynb", reordered)
    cleared = {**good, "metadata": {}}
    write("s001_cleared.ipynb", cleared)
    dup = json.loads(json.dumps(good))
    answer = next(c for c in dup["cells"] if c["metadata"].get("cnnlab", {}).get("role") == "answer")
    dup["cells"].append(json.loads(json.dumps(answer)) | {"id": "dup"})
    missing = json.loads(json.dumps(good))
    missing_cell = next(c for c in missing["cells"] if c["metadata"].get("cnnlab", {}).get("role") == "answer")
    missing_cell["metadata"] = {}
    write("s001_duplicated.ipynb", dup)
    write("s001_missingmeta.ipynb", missing)
    huge = json.loads(json.dumps(good))
    huge["cells"][1]["outputs"] = [{"output_type": "stream", "name": "stdout", "text": "x" * (100 * 2**20)}]
    write("s001_huge_outputs.ipynb", huge)
    write("s002_foreign.ipynb", good)  # s001's notebook handed in under s002's name
    out = root / "out"
    code = cnnlab(["grade", str(sub), "--key", str(gen / "key"), "--out", str(out), "--roster",
                   str(root / "roster.csv"), "--junit", str(out / "junit.xml")])
    assert code == 0
    return gen, out, {r.filename.removesuffix(".ipynb"): r for r in Store(out).records()}


def test_simulated_flavours(graded: tuple[Path, Path, dict[str, GradedSubmission]]) -> None:
    _, _, records = graded
    correct, wrong, blank, crash = (records[n] for n in ("s001_correct", "s002_wrong", "s003_blank", "s004_crash"))
    assert correct.points == correct.max_points > 0 and correct.status == "graded"
    assert 0 < wrong.points < wrong.max_points
    assert blank.points == 0 and any("NotImplementedError" in s.feedback for s in blank.scores)
    assert crash.points == 0 and crash.status == "crashed"
    conv = next(s for s in wrong.scores if s.qid == "grader-code-conv")
    assert 0 < conv.points < conv.max_points and "padding" in conv.feedback, "partial credit per hidden case"


@pytest.mark.parametrize("name, message", [
    ("s001_notjson", "not JSON"), ("s001_nbformat3", "unsupported nbformat version 3"),
    ("s001_latin1", "not UTF-8"), ("s001_empty", "the file is empty")])
def test_unreadable_files_score_zero_with_one_line_reason(graded: tuple, name: str, message: str) -> None:
    record = graded[2][name]
    assert record.status == "rejected" and record.points == 0 and record.student_id == "s001"
    assert message in record.notes[0] and f"{name}.ipynb" in record.notes[0] and "\n" not in record.notes[0]
    assert record.max_points == graded[2]["s001_correct"].max_points, "the student still gets a row with 0"


def test_structural_damage_still_grades(graded: tuple) -> None:
    records = graded[2]
    full = records["s001_correct"].points
    assert records["s001_reordered"].points == full
    assert records["s001_huge_outputs"].points == full
    cleared = records["s001_cleared"]
    assert cleared.points == full and any("identified as 's001' from the file name" in n for n in cleared.notes)
    assert records["s001_duplicated"].points == full and any("2 answer cells" in n for n in
                                                             records["s001_duplicated"].notes)
    missing = records["s001_missingmeta"]
    assert missing.points == full and any("no answer cell with its metadata" in n for n in missing.notes)


def test_foreign_notebook_is_flagged_and_graded_against_the_file_name_key(graded: tuple) -> None:
    record = graded[2]["s002_foreign"]
    assert record.student_id == "s002" and record.points < record.max_points
    assert any("metadata says student 's001'" in n and "'s002'" in n for n in record.notes)


def test_outputs_written(graded: tuple) -> None:
    _, out, _ = graded
    assert (out / "gradebook.csv").read_text().count("\n") == STUDENTS + 1
    assert (out / "gradebook.sqlite").stat().st_size > 0 and (out / "junit.xml").stat().st_size > 0
    feedback = _load(out / "students" / "s001" / "feedback.ipynb")
    roles = [c["metadata"].get("cnnlab", {}).get("role") for c in feedback["cells"]]
    assert roles[0] == "feedback-summary" and roles.count("feedback") == 8
    assert all(not c.get("outputs") for c in feedback["cells"]), "outputs stripped"
    assert _load(out / "students" / "s001" / "results.json")["score"] == 28.0


def test_rerun_resumes_and_regrade_is_idempotent(graded: tuple, tmp_path: Path) -> None:
    gen, out, records = graded
    csv_before = (out / "gradebook.csv").read_bytes()
    victim = Store(out).folder(records["s002_wrong"].digest) / "record.json"
    victim.unlink()  # as if the run had been killed before this submission's record was committed
    (victim.parent / ".record.json.junk.tmp").write_text("half written")
    submissions = out.parent / "submissions"
    roster = ["--roster", str(out.parent / "roster.csv")]
    assert cnnlab(["grade", str(submissions), "--key", str(gen / "key"), "--out", str(out), *roster]) == 0
    after = {r.filename.removesuffix(".ipynb"): r for r in Store(out).records()}
    assert set(after) == set(records) and after["s002_wrong"].points == records["s002_wrong"].points
    assert (out / "gradebook.csv").read_bytes() == csv_before, "no loss, no double count"
    assert cnnlab(["grade", str(submissions / "s001_correct.ipynb"), "--key", str(gen / "key"), "--out", str(out),
                   "--regrade", "--fail-under", "100", *roster]) == 0
    assert (out / "gradebook.csv").read_bytes() == csv_before
    assert cnnlab(["grade", str(submissions / "s003_blank.ipynb"), "--key", str(gen / "key"), "--out",
                   str(tmp_path), "--fail-under", "50"]) == 1
    assert _load(tmp_path / "results.json")["score"] == 0


def test_infrastructure_failure_is_one_line_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cnnlab(["grade", str(tmp_path), "--key", str(tmp_path / "nokeys"), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("cnnlab: error:") and "answer-key folder not found" in err and "\n" not in err
