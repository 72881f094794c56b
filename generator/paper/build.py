"""`cnnlab exam`'s work: sheets (one per student, or N forms), their PDFs and key PDFs, JSON keys, a marks sheet.

OUT/exams/<student|form-X>.pdf   hand out (print)
OUT/keys/<student|form-X>.pdf    the printable answer keys with worked solutions (private)
OUT/key/<student>.json           the grader's keys, one per student even with forms (private)
OUT/seating.csv                  which form each student sits (with --forms)
OUT/marks-template.csv           what TAs fill in: one row per student, one column per answer box
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
from generator.media import on_paper, without_notebook_wording
from generator.model import Variant
from generator.notebook import Question, dumps
from generator.paper.markup import to_typst
from generator.paper.pdf import TypesetJob, page_count, typeset_all
from generator.paper.typeset import PaperSheet, question_texts, source
from generator.roster import Student
from generator.spec import Spec
from generator.paper.marks_sheet import write_marks_template

LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
PAGES_GUESS = 6  # QR codes made before the first exam is typeset (~1 ms each); a longer one is typeset again


@dataclass(frozen=True)
class ExamRun:
    """What `cnnlab exam` wrote, for its summary and the manifest."""

    sheets: tuple[PaperSheet, ...]
    forms: dict[str, str]  # student id -> form letter (empty without forms)
    pdfs: int
    pages: dict[str, int]  # who -> exam pages


def paper_sheet(spec: Spec, who: Student, secret: bytes, form: str | None, code: str) -> PaperSheet:
    """A sheet of what paper can ask, in its own question order (from its seed, so forms differ)."""
    sheet, seed = sheet_for(spec, who, secret)
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
        return tuple(paper_sheet(spec, s, secret, None, code) for s in students), {}
    if not 1 <= forms <= len(LETTERS):
        raise ValueError(f"--forms must be between 1 and {len(LETTERS)}, got {forms}")
    sheets = tuple(paper_sheet(spec, Student(f"form-{letter}", f"Form {letter}"), secret, letter, code)
                   for letter in LETTERS[:forms])
    return sheets, {s.student_id: LETTERS[i % forms] for i, s in enumerate(students)}


def marks_sheet_rows(spec: Spec, sheets: Sequence[PaperSheet], students: Sequence[Student],
                     forms: dict[str, str]) -> list[tuple[str, str, str, list[Variant]]]:
    """Each student's id, name, form and questions in spec order: the marks sheet's rows and columns."""
    position = {qid: i for i, qid in enumerate(qid for entry in spec.entries for qid in entry.pool)}
    by_who = {paper.who: paper for paper in sheets}
    rows = []
    for student in students:
        form = forms.get(student.student_id, "")
        paper = by_who[f"form-{form}" if form else student.student_id]
        variants = sorted((q.variant for q in paper.sheet.questions), key=lambda v: position.get(v.qid, len(position)))
        rows.append((student.student_id, student.name, form, variants))
    return rows


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
    instructions = without_notebook_wording(spec.instructions)
    markdown = [text for paper in sheets for text in question_texts(paper)] + [instructions]
    texts = dict(zip(markdown, to_typst(markdown)))
    for folder, mode in (("exams", PUBLIC), ("keys", PRIVATE), ("key", PRIVATE)):
        make_folder(out / folder, folder_mode(mode))
    jobs = [TypesetJob(spec.id, paper.who, source(paper, texts, texts[instructions], key=False),
                source(paper, texts, texts[instructions], key=True), PAGES_GUESS) for paper in sheets]
    pages: dict[str, int] = {}
    for who, exam_pdf, key_pdf in typeset_all(jobs, secret, workers):
        write_bytes_atomic(out / "exams" / f"{who}.pdf", exam_pdf, mode=PUBLIC)
        write_bytes_atomic(out / "keys" / f"{who}.pdf", key_pdf, mode=PRIVATE)
        pages[who] = page_count(exam_pdf)
    for student_id, key in student_keys(sheets, students, seating, spec_topics(spec)).items():
        write_text_atomic(out / "key" / f"{student_id}.json", dumps(key), mode=PRIVATE)
    if seating:
        rows = "".join(f"{s.student_id},{_csv(s.name)},{seating[s.student_id]}\n" for s in students)
        write_text_atomic(out / "seating.csv", "student_id,name,form\n" + rows, mode=PUBLIC)
    write_marks_template(out / "marks-template.csv", marks_sheet_rows(spec, sheets, students, seating))
    run = ExamRun(sheets, seating, 2 * len(sheets), pages)
    write_text_atomic(out / "exam.json", json.dumps(manifest(spec, run), indent=1) + "\n", mode=PUBLIC)
    return run


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
                        "left_out": list(paper.left_out)} for paper in run.sheets]}
