"""A grading-only install has no typst: `cnnlab exam` says in one line which extra to install."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

import generator.paper.extra
from cnnlab import main as cnnlab


def test_exam_without_typst_names_the_extra(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
                                            tmp_path: Path) -> None:
    real = importlib.util.find_spec
    monkeypatch.setattr(generator.paper.extra.importlib.util, "find_spec",
                        lambda name, *a: None if name == "typst" else real(name, *a))
    assert cnnlab(["exam", str(tmp_path / "spec.yaml"), "--roster", str(tmp_path / "r.csv"), "--out",
                   str(tmp_path / "out")]) == 2
    error = capsys.readouterr().err.strip()
    assert error == ("cnnlab: error: printable exams need the 'exam' extra (typst not installed): "
                     "pip install 'cnnlab[exam]'")
