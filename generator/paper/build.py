"""`cnnlab exam`'s work: sheets (one per student, or N forms), their PDFs and key PDFs, JSON keys, a marks sheet.

OUT/exams/<student|form-X>.pdf   hand out (print)
OUT/keys/<student|form-X>.pdf    the printable answer keys with worked solutions (private)
OUT/key/<student>.json           the grader's keys, one per student even with forms (private)
OUT/seating.csv                  which form each student sits (with --forms)
OUT/marks/<form-X|students>.csv  what TAs fill in: a sheet per form (or one for every student's own exam), one row
                                 per student, one column per answer box of that paper, in printed order
OUT/layout/<student|form-X>.json where each exam page's answer boxes, registration marks and QR code lie, for reading
                                 the filled exams from their scans (generator/paper/layout.py)
OUT/exam.json                    the manifest: who got what, which questions were left out and why
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from generator.build import answer_key, sheet_for, spec_topics
from generator.files import PRIVATE, PUBLIC, write_bytes_atomic, folder_mode, make_folder, write_text_atomic
from generator.media import on_paper
from generator.notebook import Question, dumps
from generator.paper.cover import exam_front
from generator.paper.markup import to_typst
from generator.paper.packing import packed_sheets
from generator.paper.combs import box_combs, exam_combs, id_comb
from generator.paper.layout import dumps as layout_text, page_layout
from generator.paper.pdf import TypesetJob, page_count, typeset_all
from generator.paper.typeset import PaperSheet, question_texts, source
from generator.roster import Student
from generator.spec import Spec
from generator.errors import TemplateError
from generator.paper.grids import exam_grids, gridded
from generator.paper.marks_sheet import FIXED, printed_columns, write_marks_sheet
from generator.seeds import derive_seed

LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
PAGES_GUESS = 6  # QR codes made before the first exam is typeset (~1 ms each); a longer one is typeset again
EXAM_PICKS = "exam picks"  # the seed of the picks every form shares (a space: never a student id)


@dataclass(frozen=True)
class ExamRun:
    """What `cnnlab exam` wrote, for its summary and the manifest."""

    sheets: tuple[PaperSheet, ...]
    forms: dict[str, str]  # student id -> form letter (empty without forms)
    pdfs: int
    pages: dict[str, int]  # who -> exam pages
    marks: dict[str, str]  # who -> their marks sheet, relative to OUT


def paper_sheet(spec: Spec, who: Student, secret: bytes, form: str | None, code: str) -> PaperSheet:
    """A sheet of what paper can ask, in its own question order (from its seed, so forms differ); a form's picks
    are the exam's (the same questions on every form) unless the spec draws them `per: form`."""
    sheet, seed = sheet_for(spec, who, secret, derive_seed(secret, spec.id, EXAM_PICKS) if form else None)
    kept = [q for q in sheet.questions if on_paper(q.variant) and (code == "handwritten" or q.variant.entry_point
                                                                   is None)]
    left_out = tuple(f"{q.variant.title} ({'--code omit' if on_paper(q.variant) else 'no rubric to mark it by hand'})"
                     for q in sheet.questions if q not in kept)
    order = np.random.default_rng([seed, 1]).permutation(len(kept))
    questions = tuple(Question(i + 1, kept[j].variant, kept[j].kind) for i, j in enumerate(order))
    return PaperSheet(replace(sheet, questions=questions), seed, form, left_out)


def sheets_for(spec: Spec, students: Sequence[Student], secret: bytes, forms: int | None,
               code: str) -> tuple[tuple[PaperSheet, ...], dict[str, str]]:
    """The sheets to print, and the form each student sits (round robin in roster order: neighbours differ)."""
    if forms is None:
        return with_combs(spec, with_grids(spec, tuple(paper_sheet(spec, s, secret, None, code) for s in students)),
                          None), {}
    if not 1 <= forms <= len(LETTERS):
        raise ValueError(f"--forms must be between 1 and {len(LETTERS)}, got {forms}")
    check_equal_forms(spec)
    sheets = tuple(paper_sheet(spec, Student(f"form-{letter}", f"Form {letter}"), secret, letter, code)
                   for letter in LETTERS[:forms])
    ids = [s.student_id for s in students]
    return with_combs(spec, with_grids(spec, sheets), ids), {sid: LETTERS[i % forms] for i, sid in enumerate(ids)}


def check_equal_forms(spec: Spec) -> None:
    """A pick drawn per form must draw questions of equal weight (their templates' own points), or forms differ."""
    for entry in spec.entries:
        if entry.per != "form" or entry.pick >= len(entry.pool):
            continue
        worth = {qid: spec.templates[qid].points for qid in entry.pool}
        if len(set(worth.values())) > 1:
            listed = ", ".join(f"{qid}: {points:g}" for qid, points in worth.items())
            raise TemplateError(entry.where, f"a pick per form draws questions of different points ({listed}), so "
                                             "the forms would not be equally hard; pick from questions of equal "
                                             "points, or drop 'per: form' to give every form the same questions")


def with_grids(spec: Spec, sheets: tuple[PaperSheet, ...]) -> tuple[PaperSheet, ...]:
    """The sheets with every answer whose shape is asked given its template's grid (generator/paper/grids.py)."""
    grids = exam_grids(spec.templates, [q.variant for paper in sheets for q in paper.sheet.questions])
    return tuple(replace(paper, sheet=replace(paper.sheet, questions=tuple(
        replace(q, variant=gridded(q.variant, grids)) for q in paper.sheet.questions))) for paper in sheets)


def with_combs(spec: Spec, sheets: tuple[PaperSheet, ...], form_ids: Sequence[str] | None) -> tuple[PaperSheet, ...]:
    """Under `exam: {scan: true}`, the sheets with every number box's comb (generator/paper/combs.py) and, on forms
    (`form_ids`: the roster's ids), the student-id comb of the cover."""
    if not spec.exam_paper.scan:
        return sheets
    combs = exam_combs(spec.templates, [q.variant for paper in sheets for q in paper.sheet.questions])
    ids = id_comb(form_ids, spec.exam_paper.id_digits, spec.where) if form_ids is not None else None
    return tuple(replace(paper, combs=box_combs((q.variant for q in paper.sheet.questions), combs), id_comb=ids)
                 for paper in sheets)


def write_marks_sheets(out: Path, sheets: Sequence[PaperSheet], students: Sequence[Student],
                       forms: dict[str, str]) -> dict[str, str]:
    """OUT/marks/form-X.csv for each form (its students' rows), or OUT/marks/students.csv (every student's row with
    their own paper's columns); returns who -> the sheet's path relative to OUT, for the manifest."""
    make_folder(out / "marks", folder_mode(PUBLIC))
    by_who = {paper.who: paper for paper in sheets}
    if not forms:
        write_marks_sheet(out / "marks" / "students.csv", [
            (s.student_id, s.name, "", [q.variant for q in by_who[s.student_id].sheet.questions]) for s in students])
        return {paper.who: "marks/students.csv" for paper in sheets}
    for paper in sheets:
        variants = [q.variant for q in paper.sheet.questions]
        write_marks_sheet(out / "marks" / f"{paper.who}.csv", [
            (s.student_id, s.name, paper.form or "", variants) for s in students if forms[s.student_id] == paper.form],
            form=variants)
    return {paper.who: f"marks/{paper.who}.csv" for paper in sheets}


def student_keys(sheets: Sequence[PaperSheet], students: Sequence[Student],
                 forms: dict[str, str], topics: Mapping[str, str]) -> dict[str, dict[str, Any]]:
    """The grader's key of every student: their own sheet's, or their form's with their id (topics: spec_topics)."""
    by_who = {paper.who: paper for paper in sheets}
    keys = {}
    for student in students:
        form = forms.get(student.student_id)
        paper = by_who[f"form-{form}" if form else student.student_id]
        key = answer_key(paper.sheet, paper.seed, topics)
        keys[student.student_id] = {**key, "student_id": student.student_id, **({"form": form} if form else {})}
    return keys


def make_exams(spec: Spec, students: Sequence[Student], secret: bytes, out: Path, forms: int | None,
               code: str, workers: int = 1) -> ExamRun:
    """Typeset and write everything; every file is written atomically, keys private."""
    sheets, seating = sheets_for(spec, students, secret, forms, code)
    front = exam_front(spec)
    markdown = [text for paper in sheets for text in question_texts(paper, front)] + front.markdown()
    texts = dict(zip(markdown, to_typst(markdown)))
    sheets = packed_sheets(sheets, texts, front)  # each question order filling its pages: before keys and marks
    for folder, mode in (("exams", PUBLIC), ("keys", PRIVATE), ("key", PRIVATE), ("layout", PUBLIC)):
        make_folder(out / folder, folder_mode(mode))
    jobs = [TypesetJob(spec.id, paper.who, source(paper, texts, front, key=False),
                source(paper, texts, front, key=True), PAGES_GUESS) for paper in sheets]
    pages: dict[str, int] = {}
    by_who = {paper.who: paper for paper in sheets}
    for who, exam_pdf, key_pdf, found in typeset_all(jobs, secret, workers):
        write_bytes_atomic(out / "exams" / f"{who}.pdf", exam_pdf, mode=PUBLIC)
        write_bytes_atomic(out / "keys" / f"{who}.pdf", key_pdf, mode=PRIVATE)
        layout = page_layout(json.loads(found), spec.id, who, box_columns(by_who[who]))
        write_text_atomic(out / "layout" / f"{who}.json", layout_text(layout), mode=PUBLIC)
        pages[who] = page_count(exam_pdf)
    for student_id, key in student_keys(sheets, students, seating, spec_topics(spec)).items():
        write_text_atomic(out / "key" / f"{student_id}.json", dumps(key), mode=PRIVATE)
    if seating:
        rows = "".join(f"{s.student_id},{_csv(s.name)},{seating[s.student_id]}\n" for s in students)
        write_text_atomic(out / "seating.csv", "student_id,name,form\n" + rows, mode=PUBLIC)
    marks = write_marks_sheets(out, sheets, students, seating)
    run = ExamRun(sheets, seating, 2 * len(sheets), pages, marks)
    write_text_atomic(out / "exam.json", json.dumps(manifest(spec, run), indent=1) + "\n", mode=PUBLIC)
    return run


def box_columns(paper: PaperSheet) -> dict[str, str]:
    """Each box of a sheet (Box.column, and the id comb's 'student_id') -> its marks-sheet column."""
    columns = {box: name for q in paper.sheet.questions for box, name in printed_columns(q.number, q.variant).items()}
    return {**columns, FIXED[0]: FIXED[0]}


def _csv(value: str) -> str:
    """One CSV field, quoted when it must be."""
    text = io.StringIO()
    csv.writer(text, lineterminator="").writerow([value])
    return text.getvalue()


def manifest(spec: Spec, run: ExamRun) -> dict[str, Any]:
    """Who sits which exam, its questions in printed order and pages, and what paper could not ask."""
    return {"format": 1, "exam": spec.id, "title": spec.title, "forms": run.forms,
            "sheets": [{"who": paper.who, "questions": [q.variant.qid for q in paper.sheet.questions],
                        "points": paper.sheet.total_points, "pages": run.pages[paper.who],
                        "marks": run.marks[paper.who], "left_out": list(paper.left_out)} for paper in run.sheets]}
