"""The three commands through cnnlab.main: output, exit codes and one-line `FILE:LINE: ...` errors."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest

import cnnlab
from tests.generator.conftest import ASSIGNMENTS, ROSTER, SPEC, TEMPLATES
from tests.generator.test_variety_report import SKEWED


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cnnlab.main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_validate_the_bundled_folder(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "validate", str(ASSIGNMENTS))
    assert code == 0 and all(": warning: " in line for line in err.splitlines())  # warnings never fail it
    specs = ("cnn-ps1", "cnn-midterm", "cnn-ps2", "cnn-final")
    assert all(f"spec '{spec}' OK" in out for spec in specs)
    assert out.count(" OK") == len(specs) + len(list(TEMPLATES.glob("*.yaml")))


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


def test_validate_prints_every_error_of_a_file_one_line_each(capsys: pytest.CaptureFixture[str],
                                                             write_yaml: Callable[[str, str], Path]) -> None:
    path = write_yaml("bad.yaml", "id: x\nkind: concept\ntitle: T\npoints: -1\nprompt: P\ncorect: [A]\n"
                                  "distractors: [B]\n")
    code, out, err = run(capsys, "validate", str(path))
    assert code == 2 and out == ""
    assert err.splitlines() == [
        f"cnnlab: error: {path}:4: points must be a positive number, got -1",
        f"cnnlab: error: {path}:6: unknown key 'corect' in a question template (did you mean 'correct'?); valid keys: "
        f"{err.splitlines()[1].split('valid keys: ')[1]}"]


def test_validate_variety_prints_the_draws_and_warns_of_a_skew(capsys: pytest.CaptureFixture[str],
                                                               write_yaml: Callable[[str, str], Path]) -> None:
    path = write_yaml("skewed.yaml", SKEWED)  # narrow ranges and exact(H, K, S, P): S = 1 survives most draws
    code, out, err = run(capsys, "validate", str(path), "--variety", "--no-sandbox")
    lines = out.splitlines()
    assert code == 0 and lines[2].startswith("variety over 300 made-up students, seeded as `cnnlab generate`")
    assert lines[4].startswith("conv-out (output_size): ") and lines[4].endswith(" distinct answers over 300 students")
    assert re.fullmatch(r"  S: 1 ×2\d\d, 2 ×\d+, 3 ×\d+", lines[7]), lines[7]
    assert f"cnnlab: {path}:10: warning: conv-out: S = 1 is drawn for " in err


def test_validate_without_variety_prints_no_report(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "validate", str(TEMPLATES / "conv1d.yaml"), "--no-sandbox")
    assert code == 0 and "variety over" not in out and out.count("\n") == 1


def test_preview_params_lists_each_drawn_parameter(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "preview", str(TEMPLATES / "output-size.yaml"), "--seed", "2", "--params",
                       "--no-answers")
    section = out[out.index("### Parameters"):].splitlines()
    assert code == 0 and [line.split("`")[1] for line in section[2:9]] == ["H", "W", "C", "K", "S", "P", "F"]
    assert re.fullmatch(r"- `H` = `\d+` \(range \[16, 128\]\)", section[2]) and section[3].endswith("(expr `H`)")
    assert section[-1].startswith("Added by the kind, for the prompt: `layer` = `\"conv\"`, `exact` = `true`")
    _, plain, _ = run(capsys, "preview", str(TEMPLATES / "output-size.yaml"), "--seed", "2", "--no-answers")
    assert "### Parameters" not in plain and out.startswith(plain.rstrip("\n"))


def test_preview_params_of_a_spec_shows_each_questions_parameters(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "preview", str(SPEC), "--seed", "1", "--no-answers", "--params")
    assert code == 0 and out.count("### Parameters") == out.count("## Question ") == 23
