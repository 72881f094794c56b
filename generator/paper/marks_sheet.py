"""The marks sheet's layout, written by `cnnlab exam` and read by `cnnlab grade --answers`: one definition of both.

One row per student and one column per answer box. Header: `student_id,name,form,<column>,...`, where the columns
are every student's boxes (generator/fields.py) in order of first appearance; a student's row fills only its own
questions' columns. The file is UTF-8 with a BOM, so Excel shows names right and saves it back as UTF-8.
grader/marks/ reads it back with the same FIXED columns and question_columns.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from generator import kinds
from generator.fields import boxes
from generator.files import PUBLIC, write_bytes_atomic
from generator.model import Variant

FIXED = ("student_id", "name", "form")  # the columns before the answer boxes; only student_id is required
SheetStudent = tuple[str, str, str, Sequence[Variant]]  # (student id, name, form, the questions on their paper)


def question_columns(variants: Iterable[Variant]) -> list[str]:
    """The columns of one student's questions, in the order their boxes are read."""
    return list(dict.fromkeys(box.column for v in variants for box in boxes(kinds.answer_fields(v))))


def marks_columns(variants_by_student: Mapping[str, Sequence[Variant]]) -> list[str]:
    """Every student's box columns, in order of first appearance: the answer part of the sheet's header."""
    columns = list(dict.fromkeys(c for variants in variants_by_student.values() for c in question_columns(variants)))
    clash = [c for c in columns if c in FIXED]
    if clash:
        raise ValueError(f"a question's answer column is named {clash[0]!r}, like a fixed column of the marks sheet; "
                         "rename the question")
    return columns


def write_marks_template(path: Path, students_with_variants: Iterable[SheetStudent]) -> None:
    """The sheet TAs fill in: each student's id, name and form filled, every answer cell empty (atomic, 0644)."""
    students = list(students_with_variants)
    columns = marks_columns({sid: variants for sid, _, _, variants in students})
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")  # RFC 4180, as spreadsheets write it
    writer.writerow([*FIXED, *columns])
    for sid, name, form, _ in students:
        writer.writerow([sid, name, form, *("" for _ in columns)])
    write_bytes_atomic(path, buffer.getvalue().encode("utf-8-sig"), mode=PUBLIC)
