"""`cnnlab exam` end to end: PDFs whose text holds each sheet's numbers and no LaTeX or notebook wording, keys
whose PDFs hold every answer, a token on every page, byte-identical reruns, and a marks sheet graded back."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pytest
from pypdf import PdfReader

import cnnlab
from generator.fields import boxes, shown
from generator.paper.marks_sheet import printed_columns
from generator.kinds import answer_fields
from generator.media import NOTEBOOK_WORDING
from generator.model import Variant
from generator.rounding import asked_places, rounded_text
from grader.pipeline.answer_key import parse_key
from tests.generator.conftest import ASSIGNMENTS

EXAM = ASSIGNMENTS / "cnn-exam.yaml"
SECRET = ASSIGNMENTS / "demo.secret"
LATEX_DOLLAR = re.compile(r"\$(?=\S)|(?<=\S)\$")
STUDENTS = {"s001": "Ada Lovelace", "s002": "Alan Turing", "s003": "Grace Hopper"}


def make(out: Path, roster: Path, *more: str) -> int:
    """`cnnlab exam` on the bundled midterm, on one process."""
    return cnnlab.main(["exam", str(EXAM), "--roster", str(roster), "--secret-file", str(SECRET), "--out", str(out),
                        "--workers", "1", *more])


@pytest.fixture(scope="module")
def roster(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("roster") / "roster.csv"
    path.write_text("student_id,name\n" + "".join(f"{s},{n}\n" for s, n in STUDENTS.items()))
    return path


@pytest.fixture(scope="module")
def forms(tmp_path_factory: pytest.TempPathFactory, roster: Path) -> Path:
    out = tmp_path_factory.mktemp("forms")
    assert make(out, roster, "--forms", "2") == 0
    return out


@pytest.fixture(scope="module")
def own(tmp_path_factory: pytest.TempPathFactory, roster: Path) -> Path:
    out = tmp_path_factory.mktemp("own")
    assert make(out, roster) == 0
    return out


def pages(pdf: Path) -> list[str]:
    """Each page's text."""
    return [page.extract_text() for page in PdfReader(pdf).pages]


def flat(text: str) -> str:
    """Text without spaces, line breaks or thousands commas, to find numbers in."""
    return re.sub(r"[\s,]", "", text)


def variants(out: Path, student: str) -> list[Variant]:
    """A student's questions from their key, in printed order."""
    path = out / "key" / f"{student}.json"
    return list(parse_key(path.read_bytes(), str(path)).questions)


def test_forms_layout_seating_and_private_keys(forms: Path) -> None:
    names = sorted(str(p.relative_to(forms)) for p in forms.rglob("*") if p.is_file())
    assert names == ["exam.json", "exams/form-A.pdf", "exams/form-B.pdf", "key/s001.json", "key/s002.json",
                     "key/s003.json", "keys/form-A.pdf", "keys/form-B.pdf", "layout/form-A.json", "layout/form-B.json",
                     "marks/form-A.csv", "marks/form-B.csv", "seating.csv"]
    assert (forms / "seating.csv").read_text() == \
        "student_id,name,form\ns001,Ada Lovelace,A\ns002,Alan Turing,B\ns003,Grace Hopper,A\n"
    assert oct((forms / "key").stat().st_mode & 0o777) == "0o700" and oct((forms / "keys").stat().st_mode & 0o777) \
        == "0o700"
    keys = {s: json.loads((forms / "key" / f"{s}.json").read_text()) for s in STUDENTS}
    assert keys["s001"]["form"] == "A" and keys["s001"]["questions"] == keys["s003"]["questions"]
    assert keys["s001"]["questions"] != keys["s002"]["questions"]  # each form its own numbers and order


def test_every_page_carries_form_page_and_name_lines(forms: Path) -> None:
    texts = pages(forms / "exams" / "form-A.pdf")
    assert len(texts) >= 2
    for number, text in enumerate(texts, start=1):
        assert "Form A" in text and "Name" in text and "Student ID" in text
        assert f"cnn-midterm · Form A · Page {number} of {len(texts)}" in text


def test_forms_differ_in_question_order(forms: Path) -> None:
    manifest = json.loads((forms / "exam.json").read_text())
    orders = [sheet["questions"] for sheet in manifest["sheets"]]
    assert orders[0] != orders[1] and sorted(orders[0]) != sorted(orders[1]) or orders[0] != orders[1]
    assert all(sheet["left_out"] == [] for sheet in manifest["sheets"])


@pytest.mark.parametrize("student", list(STUDENTS))
def test_own_exam_has_the_students_name_numbers_and_no_latex_or_notebook_words(own: Path, student: str) -> None:
    texts = pages(own / "exams" / f"{student}.pdf")
    assert all(STUDENTS[student] in text and student in text for text in texts)
    whole = "\n".join(texts)
    for variant in variants(own, student):
        assert variant.title in whole.replace("\n", " ")
        for param in ("H", "W", "C", "F", "K", "S", "P"):
            value = variant.params.get(param)
            if isinstance(value, int) and value >= 10:
                assert str(value) in flat(whole), (variant.qid, param)
    # a lone '$' line is a tall bracket's extender glyph as pypdf extracts it; LaTeX would touch its neighbours
    assert not LATEX_DOLLAR.search(whole) and "\\" not in whole and "begin{" not in whole
    assert not NOTEBOOK_WORDING.search(whole), NOTEBOOK_WORDING.search(whole)


@pytest.mark.parametrize("student", list(STUDENTS))
def test_key_pdf_holds_every_answer(own: Path, student: str) -> None:
    text = flat("\n".join(pages(own / "keys" / f"{student}.pdf")))
    assert "ANSWERKEY" in text and "Workedsolution" in text and "Rubric" in text
    for variant in variants(own, student):
        for box in boxes(answer_fields(variant)):
            assert flat(rounded_text(box.expected, asked_places(variant))) in text, (variant.qid, box.column)


def test_reruns_are_byte_identical(own: Path, roster: Path, tmp_path: Path) -> None:
    assert make(tmp_path, roster) == 0
    for path in own.rglob("*"):
        if path.is_file():
            assert (tmp_path / path.relative_to(own)).read_bytes() == path.read_bytes(), path


def test_code_can_be_left_out(roster: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert make(tmp_path, roster, "--forms", "1", "--code", "omit") == 0
    assert "left out on paper: Coding: conv2d forward (--code omit)" in capsys.readouterr().out
    header = (tmp_path / "marks" / "form-A.csv").read_text(encoding="utf-8-sig").splitlines()[0]
    assert header.startswith("student_id,name,form,Q1") and " points" not in header


def test_bad_forms_is_one_line(roster: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert make(tmp_path, roster, "--forms", "0") == 2
    assert capsys.readouterr().err.strip() == "cnnlab: error: --forms must be between 1 and 26, got 0"


def typed_sheets(out: Path) -> dict[str, list[dict[str, str]]]:
    """Each form's marks sheet filled from the keys: s001 right, s002 one box off, s003 blank."""
    sheets = {}
    for path in sorted((out / "marks").glob("*.csv")):
        with path.open(encoding="utf-8-sig", newline="") as file:
            rows = list(csv.DictReader(file))
        for row in rows:
            if row["student_id"] == "s003":
                continue
            for number, variant in enumerate(variants(out, row["student_id"]), start=1):
                names = printed_columns(number, variant)
                for box in boxes(answer_fields(variant)):
                    row[names[box.column]] = shown(box.expected)
            if row["student_id"] == "s002":
                first = next(c for c in row if c.startswith("Q") and row[c])
                row[first] = str(float(row[first]) + 1)
        sheets[path.name] = rows
    return sheets


def write_rows(path: Path, rows: list[dict[str, str]]) -> None:
    """Rows as a CSV whose header is every column of any row, in first appearance."""
    header = list(dict.fromkeys(name for row in rows for name in row))
    with path.open("w", encoding="utf-8", newline="") as file:
        writer = csv.DictWriter(file, fieldnames=header, restval="")
        writer.writeheader()
        writer.writerows(rows)


def graded_scores(forms: Path, graded: Path, *sheets: Path) -> dict[str, float]:
    """`cnnlab grade --answers SHEETS...`'s score per student."""
    assert cnnlab.main(["grade", "--answers", *map(str, sheets), "--key", str(forms / "key"), "--out",
                        str(graded)]) == 0
    with (graded / "gradebook.csv").open(encoding="utf-8") as file:
        return {row["student_id"]: float(row["score"]) for row in csv.DictReader(file)}


def test_marks_sheets_of_all_forms_graded_at_once(forms: Path, tmp_path: Path) -> None:
    """Both forms' sheets in one run (a folder), and the same rows as one file with a form column: s001 full marks,
    s002 one box off, s003 blank."""
    total = sum(v.points for v in variants(forms, "s001"))
    (tmp_path / "typed").mkdir()
    sheets = typed_sheets(forms)
    for name, rows in sheets.items():
        write_rows(tmp_path / "typed" / name, rows)
    by_folder = graded_scores(forms, tmp_path / "graded", tmp_path / "typed")
    assert by_folder["s001"] == total and 0 < by_folder["s002"] < total and by_folder["s003"] == 0
    write_rows(tmp_path / "all.csv", [row for rows in sheets.values() for row in rows])
    assert graded_scores(forms, tmp_path / "one-file", tmp_path / "all.csv") == by_folder


def test_the_spec_says_what_to_do_with_code(write_yaml, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from generator.spec import load_spec

    spec_text = EXAM.read_text().replace("code: handwritten", "code: omit").replace("templates: templates",
                                                                                    f"templates: {EXAM.parent}/templates")
    assert load_spec(write_yaml("exam.yaml", spec_text)).exam_code == "omit"
    with pytest.raises(ValueError, match="code must be one of handwritten, omit"):
        load_spec(write_yaml("bad.yaml", spec_text.replace("code: omit", "code: typed")))
