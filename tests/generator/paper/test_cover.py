"""The cover page: course, title, date and time allowed (the spec's `exam:` settings), who sits it and the form, the
instructions once, the total, the honour statement with a signature line, a table of the questions with their
points and an empty Score column, and the page's QR code; and the settings' one-line errors."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from pathlib import Path

import pytest
import typst
from pypdf import PdfReader

import cnnlab
from generator.errors import TemplateError
from generator.paper.cover import HONOUR
from generator.render import number
from generator.seeds import read_secret
from generator.spec import load_spec
from tests.generator.conftest import ASSIGNMENTS, TEMPLATES
from tests.generator.paper.typeset_probe import pages_text, typeset

EXAM = ASSIGNMENTS / "cnn-exam.yaml"
SECRET = read_secret(ASSIGNMENTS / "demo.secret")


def one_line(text: str) -> str:
    """Text with every run of whitespace one space."""
    return re.sub(r"\s+", " ", text)


def test_a_forms_cover_has_everything_a_department_prints() -> None:
    spec = load_spec(EXAM)
    for paper in typeset(spec, SECRET, 2):
        pages = [one_line(text) for text in pages_text(paper.exam)]
        cover, sheet = pages[0], paper.paper.sheet
        for fact in ("Deep Learning: Convolutional Neural Networks", spec.title, "2025-03-21",
                     "Time allowed: 75 minutes", "Name", "Student ID", f"Form {paper.paper.form}",
                     f"{len(sheet.questions)} questions worth {number(sheet.total_points)} points in total",
                     one_line(HONOUR), "Signature", "Date", "Question Topic Points Score",
                     f"Total {number(sheet.total_points)}", "The Score column is for the markers"):
            assert fact in cover, (paper.paper.who, fact)
        for q in sheet.questions:
            assert f"{q.number} {q.variant.title} {number(q.variant.points)}" in cover
        assert "Question 1:" not in cover  # the questions start on the next page
        whole = " ".join(pages)
        assert whole.count("only the boxes are marked") == 1  # the instructions, once
        assert whole.count("75 minutes") == 1


def test_the_cover_carries_the_pages_qr_code_and_no_header() -> None:
    """Each page's code (here a stand-in whose path ends at x = 3001 + page) is drawn on that page, the cover too."""
    codes = {f"qr{page}": f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 4000 4000"><path d="M1 1h{3000 + page}'
                          f'v1h-{3000 + page}z"/></svg>' for page in range(1, 20)}
    paper = typeset(load_spec(EXAM), SECRET, 1)[0]
    pdf = PdfReader(io.BytesIO(typst.compile(paper.exam.encode(), ignore_system_fonts=True, sys_inputs=codes)))
    for number_, page in enumerate(pdf.pages, start=1):
        drawn = page.get_contents().get_data()
        assert f"{3001 + number_} 1 l".encode() in drawn and f"{3002 + number_} 1 l".encode() not in drawn
    texts = [page.extract_text() for page in pdf.pages]
    assert texts[0].count("Student ID") == 1 and texts[1].count("Student ID") == 1  # the cover's own, then headers


def test_a_students_own_cover_prints_their_name_and_id(tmp_path: Path) -> None:
    roster = tmp_path / "roster.csv"
    roster.write_text("student_id,name\ns042,Grace Hopper\n")
    out = tmp_path / "out"
    assert cnnlab.main(["exam", str(EXAM), "--roster", str(roster), "--secret-file", str(ASSIGNMENTS / "demo.secret"),
                        "--out", str(out), "--workers", "1"]) == 0
    cover = one_line(PdfReader(out / "exams" / "s042.pdf").pages[0].extract_text())
    assert "Name: Grace Hopper" in cover and "Student ID: s042" in cover and "Form" not in cover


def test_without_settings_the_cover_keeps_what_it_knows(write_yaml: Callable[[str, str], Path]) -> None:
    spec = load_spec(write_yaml("bare.yaml", f"id: bare\ntitle: Bare quiz\ntemplates: {TEMPLATES}\n"
                                             "questions: [conv-params]\n"))
    cover = one_line(pages_text(typeset(spec, SECRET, 1)[0].exam)[0])
    assert "Bare quiz" in cover and "Time allowed" not in cover
    assert "Write each answer in its box, one value per box; only the boxes are marked." in cover


@pytest.mark.parametrize(("setting", "message"), [
    ("{formula_sheet: maybe}", "formula_sheet must be true or false"),
    ("{hints: 1}", "hints must be true or false"),
    ("{course: [a, b]}", "course must be text"),
    ("{date: {day: 1}}", "date must be text"),
    ("{cover: yes}", "cover"),
])
def test_bad_exam_settings_are_one_line_errors(write_yaml: Callable[[str, str], Path], setting: str,
                                               message: str) -> None:
    path = write_yaml("spec.yaml", f"id: x\ntitle: X\ntemplates: {TEMPLATES}\nquestions: [conv-params]\n"
                                   f"exam: {setting}\n")
    with pytest.raises(TemplateError, match=re.escape(message)) as raised:
        load_spec(path)
    assert "\n" not in str(raised.value)


def test_exam_settings_are_read(write_yaml: Callable[[str, str], Path]) -> None:
    path = write_yaml("spec.yaml", f"id: x\ntitle: X\ntemplates: {TEMPLATES}\nquestions: [conv-params]\n"
                                   "due: 2025-01-02\nexam: {course: CNNs, time_allowed: 90, formula_sheet: true}\n")
    paper = load_spec(path).exam_paper
    assert (paper.course, paper.date, paper.time_allowed, paper.formula_sheet, paper.hints) == \
        ("CNNs", "", "90 minutes", True, False)
