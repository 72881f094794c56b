"""The three commands through cnnlab.main: output, exit codes and one-line `FILE:LINE: ...` errors."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

import cnnlab
from tests.generator.conftest import ASSIGNMENTS, ROSTER, SPEC, TEMPLATES


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cnnlab.main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_validate_the_bundled_folder(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "validate", str(ASSIGNMENTS))
    assert code == 0 and all(": warning: " in line for line in err.splitlines())  # warnings never fail it
    assert "spec 'cnn-ps1' OK" in out and "spec 'cnn-midterm' OK" in out
    assert out.count(" OK") == 2 + len(list(TEMPLATES.glob("*.yaml")))


def test_validate_reports_one_line_with_file_and_line(capsys: pytest.CaptureFixture[str],
                                                      write_yaml: Callable[[str, str], Path]) -> None:
    path = write_yaml("bad.yaml", "id: x\nkind: concep\ntitle: T\npoints: 1\nprompt: P\n")
    code, out, err = run(capsys, "validate", str(path))
    assert code == 2 and out == ""
    assert err == f"cnnlab: error: {path}:2: unknown kind 'concep' (did you mean 'concept'?); known kinds: " \
                  f"{err.split('known kinds: ')[1]}"
    assert err.count("\n") == 1


def test_preview_template_is_deterministic(capsys: pytest.CaptureFixture[str]) -> None:
    _, first, _ = run(capsys, "preview", str(TEMPLATES / "conv2d-binary.yaml"), "--seed", "7")
    code, second, _ = run(capsys, "preview", str(TEMPLATES / "conv2d-binary.yaml"), "--seed", "7")
    _, other, _ = run(capsys, "preview", str(TEMPLATES / "conv2d-binary.yaml"), "--seed", "8")
    assert code == 0 and first == second != other
    assert first.startswith("## Question 1: 2D convolution of a binary image (4 points)")
    assert "### Worked solution" in first and "answer_conv2d_binary = " in first


def test_preview_spec_without_answers(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "preview", str(SPEC), "--seed", "1", "--no-answers")
    assert code == 0 and out.count("## Question ") == 23 and "Worked solution" not in out


def test_generate_writes_and_summarises(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    secret = tmp_path / "secret"
    secret.write_text("a-secret-of-sufficient-length\n")
    roster = tmp_path / "roster.csv"
    roster.write_text("".join(ROSTER.read_text().splitlines(keepends=True)[:4]))
    code, out, _ = run(capsys, "generate", str(SPEC), "--roster", str(roster), "--out", str(tmp_path / "o"),
                       "--secret-file", str(secret))
    assert code == 0 and "3 students" in out and "keep" in out
    assert len(json.loads((tmp_path / "o" / "manifest.json").read_text())["students"]) == 3
    assert not (tmp_path / "o" / "exam").exists()


def test_generate_without_secret_is_a_clean_error(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CNNLAB_SECRET", raising=False)
    code, _, err = run(capsys, "generate", str(SPEC), "--roster", str(ROSTER), "--out", str(tmp_path))
    assert code == 2 and err.startswith("cnnlab: error: no course secret")


def test_generate_with_bad_roster_names_the_line(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CNNLAB_SECRET", "env-secret")
    roster = tmp_path / "r.csv"
    roster.write_text("student_id\na\na\n")
    code, _, err = run(capsys, "generate", str(SPEC), "--roster", str(roster), "--out", str(tmp_path / "o"))
    assert code == 2 and err == f"cnnlab: error: {roster}:3: duplicate student_id 'a' (first on line 2)\n"
