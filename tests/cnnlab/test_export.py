"""`cnnlab export moodle|qti` through cnnlab.main: files written, byte-identical reruns, one-line errors."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from lxml import etree

import cnnlab
from tests.generator.conftest import SPEC
from tests.generator.lms.conftest import COUNT, SECRET_FILE


def export(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """Run `cnnlab export ...` and return its exit code, stdout and stderr."""
    code = cnnlab.main(["export", *argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.mark.parametrize("target, name", [("moodle", "quiz.xml"), ("qti", "quiz.zip")])
def test_writes_the_file_byte_identically_and_says_what_it_left_out(
        capsys: pytest.CaptureFixture[str], tmp_path: Path, target: str, name: str) -> None:
    outputs = []
    for run in ("a", "b"):
        out = tmp_path / run / name
        code, printed, err = export(capsys, target, str(SPEC), "--variants", str(COUNT),
                                    "--secret-file", str(SECRET_FILE), "--out", str(out))
        assert code == 0 and err == ""
        outputs.append(out.read_bytes())
    assert outputs[0] == outputs[1]
    lines = printed.splitlines()
    assert lines[0].startswith("Problem set 1: Convolutional neural networks: 21 ") and str(out) in lines[0]
    left_out = [line for line in lines if "left out" in line]
    assert len(left_out) == 7 and any("code-lenet5 (code_lenet5)" in line for line in left_out)
    if target == "moodle":
        assert etree.fromstring(outputs[0]).tag == "quiz"
    else:
        assert zipfile.is_zipfile(out) and "imsmanifest.xml" in zipfile.ZipFile(out).namelist()


def test_the_secret_may_come_from_the_environment(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CNNLAB_SECRET", SECRET_FILE.read_text().strip())
    code, _, _ = export(capsys, "moodle", str(SPEC), "--variants", "1", "--out", str(tmp_path / "env.xml"))
    assert code == 0
    code, _, _ = export(capsys, "moodle", str(SPEC), "--variants", "1", "--secret-file", str(SECRET_FILE),
                        "--out", str(tmp_path / "file.xml"))
    assert (tmp_path / "env.xml").read_bytes() == (tmp_path / "file.xml").read_bytes()


@pytest.mark.parametrize("argv, message", [
    (("moodle", "missing.yaml"), "cnnlab: error: missing.yaml: cannot read: No such file or directory"),
    (("qti", str(SPEC), "--variants", "0"), "cnnlab: error: --variants must be a whole number from 1 to 1000, "
                                             "got 0"),
    (("moodle", str(SPEC), "--secret-file", "no.secret"), "cnnlab: error: [Errno 2] No such file or directory"),
])
def test_bad_input_is_a_one_line_error(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                       argv: tuple[str, ...], message: str) -> None:
    secret = () if "--secret-file" in argv else ("--secret-file", str(SECRET_FILE))
    code, out, err = export(capsys, *argv, *secret, "--out", str(tmp_path / "quiz.out"))
    assert code == 2 and out == "" and err.startswith(message) and err.count("\n") == 1
    assert not (tmp_path / "quiz.out").exists()
