"""The scan's marks sheet, its crops' names, and the corrections a TA saves from the review page.

SCANDIR/marks.csv is the marks sheet of generator/paper/marks_sheet.py as `cnnlab grade --answers` reads it: the
header `student_id,name,form,<columns as printed>` (again wherever the next student's columns differ), a row per
student whose paper was scanned and whose id is sure, each box's reading, empty where it waits for review.
The crops of the boxes are named in grader/scan/crops.py. The corrections are a CSV `who,column,value`.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from generator.paper.marks_sheet import FIXED
from grader.scan.exam_folder import ExamFolder
from grader.scan.papers import ID_COLUMN, Paper

CORRECTION_COLUMNS = ("who", "column", "value")


def marks_csv(papers: Sequence[Paper], exam: ExamFolder, threshold: float) -> bytes:
    """The marks sheet of every paper whose student is known, in the exam's roster order (UTF-8 with a BOM)."""
    by_student = {paper.student: paper for paper in papers if paper.student}
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")  # as generator/paper/marks_sheet.py writes it
    columns_above: tuple[str, ...] | None = None
    for sitter in exam.students.values():
        paper = by_student.get(sitter.student_id)
        if paper is None:
            continue
        if sitter.columns != columns_above:
            writer.writerow([*FIXED, *sitter.columns])
            columns_above = sitter.columns
        values = {box.column: box.value for box in paper.boxes if not box.needs_review(threshold)}
        writer.writerow([sitter.student_id, sitter.name, sitter.form, *(values.get(c, "") for c in sitter.columns)])
    if columns_above is None:
        writer.writerow(FIXED)
    return buffer.getvalue().encode("utf-8-sig")


@dataclass(frozen=True)
class Correction:
    """One line of a TA's corrections: the paper (student or key), the column, and the value as it should read."""

    line: int
    who: str
    column: str
    value: str


def read_corrections(path: Path) -> list[Correction]:
    """The corrections saved from review.html (or typed: a header who,column,value, then a line per box)."""
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except FileNotFoundError:
        raise ValueError(f"{path}: no such corrections file") from None
    except UnicodeDecodeError:
        raise ValueError(f"{path}: not UTF-8 text; save the corrections from review.html") from None
    rows = list(csv.reader(io.StringIO(text, newline="")))
    if not rows or tuple(cell.strip() for cell in rows[0]) != CORRECTION_COLUMNS:
        raise ValueError(f"{path} line 1: the header must be {','.join(CORRECTION_COLUMNS)} (as review.html saves)")
    corrections = []
    for line, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(CORRECTION_COLUMNS):
            raise ValueError(f"{path} line {line}: {len(row)} cells, expected {len(CORRECTION_COLUMNS)} "
                             f"({','.join(CORRECTION_COLUMNS)})")
        corrections.append(Correction(line, *(cell.strip() for cell in row)))
    return corrections


def apply_corrections(papers: Sequence[Paper], corrections: Sequence[Correction], exam: ExamFolder,
                      path: Path) -> None:
    """Each correction into its paper's box (then taken as typed); every one that fits no box is a line of the
    error, and then none is applied."""
    by_name = {paper.key: paper for paper in papers} | {paper.student: paper for paper in papers if paper.student}
    problems, changes = [], []
    for fix in corrections:
        paper = by_name.get(fix.who)
        box = paper.box(fix.column) if paper else None
        if paper is None:
            problems.append(f"{path} line {fix.line}: no scanned paper is {fix.who!r}")
        elif box is None:
            problems.append(f"{path} line {fix.line}: {fix.who}'s paper has no column {fix.column!r}")
        elif fix.column == ID_COLUMN and fix.value not in exam.students:
            problems.append(f"{path} line {fix.line}: {fix.value!r} is not a student id of the exam's roster")
        else:
            changes.append((box, fix.value))
    if problems:
        raise ValueError("\n".join(problems))
    for box, value in changes:
        box.value, box.corrected = value, True
