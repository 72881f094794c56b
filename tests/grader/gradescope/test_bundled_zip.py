"""The autograder.zip of the bundled problem set, LeNet-5 question included, grades in a fake /autograder tree with
the training data only from the zip: a correct notebook full, a blank one 0."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

import solutions.idx
from cnnlab import main as cnnlab
from generator.kinds._lenet5_training import _check, _data

REPO = Path(__file__).resolve().parents[3]
PROBLEM_SET = REPO / "assignments" / "cnn-problem-set.yaml"


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Answer keys of the bundled problem set for two students."""
    root = tmp_path_factory.mktemp("bundled")
    (root / "roster.csv").write_text("student_id,name,email\ns001,One,one@uni.example\ns002,Two,two@uni.example\n")
    (root / "secret").write_text("a-bundled-problem-set-test-secret")
    assert cnnlab(["generate", str(PROBLEM_SET), "--roster", str(root / "roster.csv"), "--secret-file",
                   str(root / "secret"), "--out", str(root / "gen")]) == 0
    return root / "gen" / "key"


def no_system_data(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Neither $CNNLAB_DATA nor /usr/share/datasets: only what a --data or the zip gives."""
    monkeypatch.delenv(solutions.idx.DATA_ENV, raising=False)
    monkeypatch.setattr(solutions.idx, "SYSTEM_DATA", tmp_path / "no-system-data")
    _data.cache_clear(), _check.cache_clear()


def test_export_refuses_without_the_training_data(keys: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    no_system_data(monkeypatch, tmp_path)
    (tmp_path / "empty").mkdir()
    assert cnnlab(["export", "gradescope", "--key", str(keys), "--out", str(tmp_path / "a.zip"), "--wheel",
                   str(tmp_path / "none.whl"), "--data", str(tmp_path / "empty")]) == 2
    error = capsys.readouterr().err.strip()
    assert "\n" not in error and "question 'code-lenet5'" in error and "--data DIR" in error, error
    assert not (tmp_path / "a.zip").exists()


def test_the_zip_grades_correct_full_and_blank_zero_with_only_its_own_data(
        keys: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "autograder.zip"
    assert cnnlab(["export", "gradescope", "--key", str(keys), "--out", str(out), "--spec", str(PROBLEM_SET),
                   "--data", str(solutions.idx.SYSTEM_DATA), "--memory", "512"]) == 0
    with zipfile.ZipFile(out) as archive:
        names = archive.namelist()
        archive.extractall(tmp_path / "tree" / "source")
    assert {f"data/fashion-mnist/{s}-{k}-ubyte.gz" for s in ("train", "t10k") for k in ("images-idx3", "labels-idx1")
            } <= set(names) and {"check/correct.ipynb", "check/blank.ipynb", "README.md", "constraints.txt"} <= set(names)
    assert out.stat().st_size < 12 * 2**20, "the leading images the CPU budget uses, not the whole set"
    assert json.loads((tmp_path / "tree" / "source" / "settings.json").read_text())["memory_mb"] == 512
    no_system_data(monkeypatch, tmp_path)
    capsys.readouterr()
    assert cnnlab(["autograde", "--check", "--root", str(tmp_path / "tree")]) == 0
    lines = capsys.readouterr().out
    assert "correct.ipynb scored 88/88 (expected full marks): ok" in lines, lines
    assert "blank.ipynb scored 0/88 (expected 0): ok" in lines, lines
