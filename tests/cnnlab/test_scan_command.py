"""`cnnlab scan`'s own messages: what it needs, and a wrong exam folder, scan, corrections file or train option said
in one line each (exit 2), before anything is written."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PIL import Image

from cnnlab import main
from tests.grader.scan.paper_fill import SECRET_FILE, print_exam


@pytest.fixture(scope="module")
def exam(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A printed exam in one form."""
    return print_exam(tmp_path_factory.mktemp("scan-command") / "printed", scan=True, forms=1, students=2)


def errors(capsys: pytest.CaptureFixture[str], *arguments: str) -> list[str]:
    """The error lines of a run that must fail with exit 2."""
    assert main(["scan", *arguments]) == 2
    return capsys.readouterr().err.splitlines()


def test_what_the_command_needs_is_said(capsys: pytest.CaptureFixture[str], tmp_path: Path, exam: Path) -> None:
    assert errors(capsys, "scan.pdf") == ["cnnlab: error: cnnlab scan needs --exam EXAMDIR (the folder `cnnlab exam` "
                                          "wrote) and --out SCANDIR"]
    assert errors(capsys, "--exam", str(exam), "--out", str(tmp_path / "out")) == [
        "cnnlab: error: nothing to read: give the scans (PDFs or images), or --corrections to apply to an earlier "
        "reading"]
    assert errors(capsys, "train", "--exam", str(exam)) == [
        "cnnlab: error: cnnlab scan train takes only --out, --mnist, --images, --epochs and --seed"]
    assert errors(capsys, "a.pdf", "--exam", str(tmp_path), "--out", str(tmp_path / "out")) == [
        f"cnnlab: error: {tmp_path / 'exam.json'}: missing; give the folder `cnnlab exam --out` wrote (a scan needs "
        "its exam.json and layout/)"]
    (tmp_path / "scan.docx").write_text("not a scan")
    assert errors(capsys, str(tmp_path / "scan.docx"), "--exam", str(exam), "--out", str(tmp_path / "out"),
                  "--secret-file", str(SECRET_FILE)) == [
        f"cnnlab: error: {tmp_path / 'scan.docx'}: a .docx file; give PDFs or PNG, JPEG or TIFF images of the filled "
        "exams"]
    assert not (tmp_path / "out").exists()


def test_corrections_that_fit_no_box_are_refused_line_by_line(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                              exam: Path) -> None:
    out = tmp_path / "out"
    assert errors(capsys, "--exam", str(exam), "--out", str(out), "--corrections", str(tmp_path / "review.csv")) == [
        f"cnnlab: error: {out / 'scan.json'}: missing; give the scans to read (a corrections run without scans "
        "rereads the scan.json of an earlier run)"]
    Image.new("L", (1654, 2339), 255).save(tmp_path / "back.png")  # a blank duplex back: no paper, no problem
    assert main(["scan", str(tmp_path / "back.png"), "--exam", str(exam), "--out", str(out), "--secret-file",
                 str(SECRET_FILE)]) == 0
    saved = json.loads((out / "scan.json").read_text())
    assert saved["pages"][0]["blank"] and saved["problems"] == [] and saved["not_scanned"] == ["s2025001", "s2025002"]
    fixes = tmp_path / "review.csv"
    fixes.write_text("who,column,value\ns2025001,Q1 weights,12\n\nform-A-x-p1,student_id,s2025001,extra\n")
    assert errors(capsys, "--exam", str(exam), "--out", str(out), "--corrections", str(fixes)) == [
        f"cnnlab: error: {fixes} line 4: 4 cells, expected 3 (who,column,value)"]
    fixes.write_text("who,column,value\ns2025001,Q1 weights,12\nform-A-x-p1,student_id,s2025001\n")
    assert errors(capsys, "--exam", str(exam), "--out", str(out), "--corrections", str(fixes)) == [
        f"cnnlab: error: {fixes} line 2: no scanned paper is 's2025001'",
        f"cnnlab: error: {fixes} line 3: no scanned paper is 'form-A-x-p1'"]
    fixes.write_text("student,column,value\n")
    assert errors(capsys, "--exam", str(exam), "--out", str(out), "--corrections", str(fixes)) == [
        f"cnnlab: error: {fixes} line 1: the header must be who,column,value (as review.html saves)"]
