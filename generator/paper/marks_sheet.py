"""The marks sheet's layout, written by `cnnlab exam` and read by `cnnlab grade --answers`: one definition of both.

One row per student, one column per answer box the student's paper has, in the order the paper prints them and
named as it prints them: the question's number on that paper and the box's label (`Q5 weights`, `Q6 3`,
`Q8 r2c3`, `Q9 conv1 C`, `Q11`; `printed_columns`). The header is `student_id,name,form,<column>,...`. With forms,
each form has its own sheet (every row shares its columns); a per-student exam has one sheet in which a student
whose columns differ from the row above gets a header line of their own. A header line may come again anywhere (two
forms' sheets pasted into one file), and a single header may list every form's columns: each row is read by its
student's own paper (the key holds the questions in printed order). UTF-8 with a BOM, so Excel shows names right
and saves it back as UTF-8. grader/marks/ reads it back with the same FIXED columns and printed_columns.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from pathlib import Path

from generator import kinds
from generator.fields import Box, boxes
from generator.files import PUBLIC, write_bytes_atomic
from generator.model import Variant

FIXED = ("student_id", "name", "form")  # the columns before the answer boxes; only student_id is required
SheetStudent = tuple[str, str, str, Sequence[Variant]]  # (student id, name, form, their questions in printed order)


def printed_column(number: int, variant: Variant, box: Box) -> str:
    """A box's column as its paper prints it: the question's number there and the box's own name within it."""
    if box.column == variant.qid:
        own = ""
    elif box.column.startswith(f"{variant.qid}."):
        own = box.column[len(variant.qid) + 1:].replace(".", " ").replace("_", " ")
    else:
        own = box.column
    return f"Q{number} {own}" if own else f"Q{number}"


def printed_columns(number: int, variant: Variant) -> dict[str, str]:
    """Each box of question `number` on a paper (by Box.column) -> its marks-sheet column, in the order printed.

    The paper's key labels each box with it, so a TA finds the column of any box they read."""
    named = {box.column: printed_column(number, variant, box) for box in boxes(kinds.answer_fields(variant))}
    if len(set(named.values())) != len(named):
        twice = next(name for name in named.values() if list(named.values()).count(name) > 1)
        raise ValueError(f"question {variant.qid!r}: two of its boxes would share the marks-sheet column {twice!r}")
    return named


def sheet_columns(variants: Sequence[Variant]) -> list[str]:
    """The answer columns of one paper: every box of its questions, numbered as printed (1, 2, ... in order)."""
    return [name for number, variant in enumerate(variants, start=1)
            for name in printed_columns(number, variant).values()]


def write_marks_sheet(path: Path, students: Iterable[SheetStudent], form: Sequence[Variant] | None = None
                      ) -> list[list[str]]:
    """The sheet TAs fill in: each student's id, name and form, every answer cell empty, a header line wherever the
    columns change (atomic, 0644); a form's sheet (`form`: its questions) starts with its header even when nobody on
    the roster sits it yet. Returns each header's answer columns, in order."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")  # RFC 4180, as spreadsheets write it
    headers: list[list[str]] = []

    def header(columns: list[str]) -> None:
        """A header line, unless the line above already names these columns."""
        if not headers or columns != headers[-1]:
            writer.writerow([*FIXED, *columns])
            headers.append(columns)

    if form is not None:
        header(sheet_columns(form))
    for sid, name, letter, variants in students:
        columns = sheet_columns(variants)
        header(columns)
        writer.writerow([sid, name, letter, *("" for _ in columns)])
    if not headers:
        raise ValueError(f"{path}: a marks sheet needs a student or a form")
    write_bytes_atomic(path, buffer.getvalue().encode("utf-8-sig"), mode=PUBLIC)
    return headers
