"""The paper key lists, under each answer, the values its misconceptions give for that student, so a marker
recognises them; the exam handed out never does. Planted misconceptions make the values known."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from pypdf import PdfReader

import cnnlab
from generator.kinds import KINDS
from generator.model import Misconception
from tests.generator.conftest import SECRET, TEMPLATES

PLANTED = {
    "receptive_field": (Misconception("off by seven", "Seven too many.", lambda v: v.answer + 7),
                        Misconception("right anyway", "Gives the key.", lambda v: v.answer)),
    "output_size": (Misconception("one row too many", "A row too many.",
                                  lambda v: [v.answer[0] + 1, v.answer[1] + 1, v.answer[2]]),),
}


@pytest.fixture
def exam(write_yaml: Callable[[str, str], Path], monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """`cnnlab exam` on a two-question spec for two students, with the planted misconceptions."""
    for kind, misconceptions in PLANTED.items():
        monkeypatch.setattr(KINDS[kind], "MISCONCEPTIONS", misconceptions, raising=False)
    spec = write_yaml("spec.yaml", f"""
        id: mistakes
        title: Mistakes
        templates: {TEMPLATES}
        questions: [receptive-field, output-size]
        """)
    roster = write_yaml("roster.csv", "student_id,name\ns001,Ada\ns002,Alan\n")
    (tmp_path / "secret").write_bytes(SECRET)
    out = tmp_path / "out"
    assert cnnlab.main(["exam", str(spec), "--roster", str(roster), "--secret-file", str(tmp_path / "secret"),
                        "--out", str(out), "--workers", "1"]) == 0
    return out


def _text(pdf: Path) -> str:
    """A PDF's text on one line, spaces collapsed."""
    return re.sub(r"\s+", " ", " ".join(page.extract_text() for page in PdfReader(pdf).pages))


def test_each_key_lists_the_values_its_students_mistakes_give(exam: Path) -> None:
    for student in ("s001", "s002"):
        key_file = json.loads((exam / "key" / f"{student}.json").read_text())
        answers = {q["qid"]: q["answer"] for q in key_file["questions"]}
        key = _text(exam / "keys" / f"{student}.pdf")
        field = answers["receptive-field"]
        assert f"Common mistakes: {field + 7} (off by seven)" in key
        h, w, _ = answers["output-size"]
        assert f"H = {h + 1}; W = {w + 1} (one row too many)" in key
        assert "right anyway" not in key  # it gives the key's answer: nothing to recognise
        assert "Common mistakes" not in _text(exam / "exams" / f"{student}.pdf")
