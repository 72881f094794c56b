"""Equal forms and their marks sheets: a pick is drawn once per exam (every form asks the same templates, with its
own numbers), per form only when the spec says `per: form` and then only among questions of equal points; each form
gets a marks sheet whose columns are its boxes as printed, in printed order (per-student exams: each student's)."""

from __future__ import annotations

import csv
import shutil
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

import cnnlab
from generator.build import sheet_for
from generator.errors import TemplateError
from generator.fields import boxes
from generator.kinds import answer_fields
from generator.paper.build import sheets_for, write_marks_sheets
from generator.paper.marks_sheet import FIXED, printed_column, printed_columns, sheet_columns
from generator.roster import Student
from generator.seeds import student_seed
from generator.spec import Spec, load_spec
from tests.generator.conftest import SECRET, TEMPLATES

SPEC_TEXT = """
id: midterm
title: Midterm
questions:
  - conv-params
  - pick: 1
    from: [filter-compute, filter-identify]
    points: 3
  - pick: 2
    from: [concept-permutation, concept-locality, concept-equivariance, concept-sharing, concept-pooling]
  - conv2d-binary
  - lenet-table
"""
STUDENTS = tuple(Student(f"s{i:03d}", f"Student {i}") for i in range(1, 8))
WriteYaml = Callable[[str, str], Path]


@pytest.fixture
def spec_at(tmp_path: Path, write_yaml: WriteYaml) -> Callable[[str], Spec]:
    """A spec written next to a copy of the bundled templates, loaded."""
    shutil.copytree(TEMPLATES, tmp_path / "templates")
    return lambda text: load_spec(write_yaml("spec.yaml", text))


def drawn(spec: Spec, forms: int) -> list[list[str]]:
    """Each form's question ids, in the spec's order."""
    order = {qid: i for i, qid in enumerate(qid for entry in spec.entries for qid in entry.pool)}
    sheets, _ = sheets_for(spec, STUDENTS, SECRET, forms, "handwritten")
    return [sorted((q.variant.qid for q in paper.sheet.questions), key=order.__getitem__) for paper in sheets]


def test_every_form_asks_the_same_templates_with_its_own_numbers(spec_at: Callable[[str], Spec]) -> None:
    """Six forms: one draw of each pick for all (today's per-form draw gave form A filter-compute and form B
    filter-identify); each form still has its own numbers and its own printed order."""
    spec = spec_at(SPEC_TEXT)
    forms = drawn(spec, 6)
    assert all(ids == forms[0] for ids in forms) and len(forms[0]) == 6
    sheets, _ = sheets_for(spec, STUDENTS, SECRET, 6, "handwritten")
    conv = [next(q.variant for q in paper.sheet.questions if q.variant.qid == "conv2d-binary") for paper in sheets]
    assert len({str(v.params) for v in conv}) > 1
    assert len({tuple(q.variant.qid for q in paper.sheet.questions) for paper in sheets}) > 1
    again = [drawn(spec_at(SPEC_TEXT.replace("id: midterm", f"id: midterm-{i}")), 2)[0] for i in range(8)]
    assert len({tuple(ids) for ids in again}) > 1  # the exam-wide draw still varies between exams


def test_per_form_picks_differ_between_forms(spec_at: Callable[[str], Spec]) -> None:
    """`pick: {count: 2, per: form}` among questions of equal points: each form draws its own."""
    spec = spec_at(SPEC_TEXT.replace("  - pick: 2\n", "  - pick: {count: 2, per: form}\n"))
    assert [e.per for e in spec.entries] == ["exam", "exam", "form", "exam", "exam"]
    forms = drawn(spec, 6)
    assert len({tuple(ids) for ids in forms}) > 1 and len({ids[1] for ids in forms}) == 1


def test_a_per_form_pick_of_unequal_points_is_refused(spec_at: Callable[[str], Spec], tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    """filter-compute (3 points) or filter-identify (2 points) per form, even at 3 points each: one line naming the
    spec line; the same spec without forms, or with the pick per exam, is fine."""
    text = SPEC_TEXT.replace("  - pick: 1\n    from: [filter", "  - pick: {per: form}\n    from: [filter")
    spec = spec_at(text)
    with pytest.raises(TemplateError) as caught:
        sheets_for(spec, STUDENTS, SECRET, 2, "handwritten")
    assert str(caught.value).startswith(f"{tmp_path / 'spec.yaml'}:6: a pick per form draws questions of different "
                                        "points (filter-compute: 3, filter-identify: 2)")
    assert sheets_for(spec, STUDENTS, SECRET, None, "handwritten")[0]
    (tmp_path / "roster.csv").write_text("student_id,name\ns001,Ada\n", "utf-8")
    (tmp_path / "secret").write_bytes(SECRET)
    assert cnnlab.main(["exam", str(tmp_path / "spec.yaml"), "--roster", str(tmp_path / "roster.csv"),
                        "--secret-file", str(tmp_path / "secret"), "--out", str(tmp_path / "out"), "--forms", "2",
                        "--workers", "1"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "spec.yaml:6: a pick per form draws questions of different points" in err


@pytest.mark.parametrize(("pick", "line", "message"), [
    ("{per: team}", 5, "per must be one of exam, form, got 'team'"),
    ("{count: 3, per: form}", 5, "count must be a whole number from 1 to 2 (the pool size), got 3"),
    ("{cuont: 1}", 5, "unknown key 'cuont' in a pick (did you mean 'count'?); valid keys: count, per"),
])
def test_bad_picks_are_located(spec_at: Callable[[str], Spec], tmp_path: Path, pick: str, line: int,
                               message: str) -> None:
    with pytest.raises(TemplateError) as caught:
        spec_at(SPEC_TEXT.replace("  - pick: 1\n", f"  - pick: {pick}\n"))
    assert str(caught.value) == f"{tmp_path / 'spec.yaml'}:{line}: {message}"


def test_per_student_exams_and_notebooks_keep_each_students_draw(spec_at: Callable[[str], Spec]) -> None:
    """Without forms every student's paper draws from their own seed, as their notebook does."""
    spec = spec_at(SPEC_TEXT)
    sheets, _ = sheets_for(spec, STUDENTS, SECRET, None, "handwritten")
    for student, paper in zip(STUDENTS, sheets):
        own = [t.id for t in spec.questions_for(np.random.default_rng(student_seed(SECRET, spec.id,
                                                                                    student.student_id)))]
        assert sorted(q.variant.qid for q in paper.sheet.questions) == sorted(own)
        assert [q.variant.qid for q in sheet_for(spec, student, SECRET)[0].questions] == own
    assert len({frozenset(q.variant.qid for q in p.sheet.questions) for p in sheets}) > 1


def header_and_rows(path: Path) -> list[list[str]]:
    """The sheet's lines as cells."""
    with path.open(encoding="utf-8-sig", newline="") as file:
        return list(csv.reader(file))


def test_each_form_sheet_has_its_boxes_as_printed_in_printed_order(spec_at: Callable[[str], Spec],
                                                                   tmp_path: Path) -> None:
    """marks/form-A.csv: the form's students, then Q1's boxes, Q2's, ... named as printed; only the form's boxes
    (the 3×3 convolution's grid is the template's 5×5 on every form, not a union of forms)."""
    spec = spec_at(SPEC_TEXT)
    sheets, seating = sheets_for(spec, STUDENTS, SECRET, 3, "handwritten")
    assert write_marks_sheets(tmp_path, sheets, STUDENTS, seating) == {p.who: f"marks/{p.who}.csv" for p in sheets}
    for paper in sheets:
        lines = header_and_rows(tmp_path / "marks" / f"{paper.who}.csv")
        variants = [q.variant for q in paper.sheet.questions]
        columns = [name for number, v in enumerate(variants, start=1)
                   for name in (printed_column(number, v, box) for box in boxes(answer_fields(v)))]
        assert lines[0] == [*FIXED, *columns] == [*FIXED, *sheet_columns(variants)]
        numbers = [int(c.split()[0][1:]) for c in columns]
        assert numbers == sorted(numbers) and set(numbers) == set(range(1, len(variants) + 1))
        assert [row[:3] for row in lines[1:]] == [[s.student_id, s.name, paper.form] for s in STUDENTS
                                                  if seating[s.student_id] == paper.form]
        conv = next(n for n, v in enumerate(variants, start=1) if v.qid == "conv2d-binary")
        assert sum(c.startswith(f"Q{conv} r") for c in columns) == 25 and f"Q{conv} r5c5" in columns
        lenet = next(n for n, v in enumerate(variants, start=1) if v.qid == "lenet-table")
        assert {f"Q{lenet} conv1 C", f"Q{lenet} fc1 params", f"Q{lenet} total"} <= set(columns)


def test_a_per_student_sheet_gives_each_student_their_printed_columns(spec_at: Callable[[str], Spec],
                                                                      tmp_path: Path) -> None:
    """One sheet; every row under a header of its own student's columns in that student's printed order."""
    spec = spec_at(SPEC_TEXT)
    sheets, seating = sheets_for(spec, STUDENTS, SECRET, None, "handwritten")
    write_marks_sheets(tmp_path, sheets, STUDENTS, seating)
    lines = header_and_rows(tmp_path / "marks" / "students.csv")
    header: list[str] = []
    seen = []
    for cells in lines:
        if cells[0] == "student_id":
            header = cells
            continue
        paper = next(p for p in sheets if p.who == cells[0])
        assert header == [*FIXED, *sheet_columns([q.variant for q in paper.sheet.questions])]
        seen.append(cells[0])
    assert seen == [s.student_id for s in STUDENTS] and sum(c[0] == "student_id" for c in lines) > 1


def test_printed_names_of_each_sort_of_box(spec_at: Callable[[str], Spec]) -> None:
    """A number's label, a shape's axis, a matrix cell, a layer-table cell, a single box, code's points."""
    spec = spec_at(SPEC_TEXT)
    sheet, _ = sheet_for(spec, STUDENTS[0], SECRET)
    by_qid = {q.variant.qid: q.variant for q in sheet.questions}
    assert list(printed_columns(5, by_qid["conv-params"]).values()) == ["Q5 weights", "Q5 biases", "Q5 total"]
    assert list(printed_columns(8, by_qid["conv2d-binary"]).values())[:2] == ["Q8 r1c1", "Q8 r1c2"]
    assert list(printed_columns(2, by_qid["lenet-table"]).values())[:2] == ["Q2 conv1 C", "Q2 conv1 H"]
    concept = next(v for qid, v in by_qid.items() if qid.startswith("concept-"))
    assert list(printed_columns(11, concept).values()) == ["Q11"]
