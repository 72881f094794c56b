"""The marks sheet of a paper exam: the CSV that TAs type, one row per student and one column per answer box.

`cnnlab exam` writes the template (`write_marks_template`); `cnnlab grade --answers CSV` reads it back here
(`read_marks`) and grades it in grader/marks_grading.py. Header: `student_id,name,form,<column>,...`, where the
columns are every student's boxes (generator/fields.py) in order of first appearance; a student's row fills only
its own questions' columns. The file is UTF-8 with a BOM, so Excel shows names right and saves it back as UTF-8.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from generator import kinds
from generator.fields import boxes
from generator.model import Variant
from grader.store import PUBLIC, atomic_write

FIXED = ("student_id", "name", "form")  # the columns before the answer boxes; only student_id is required
SheetStudent = tuple[str, str, str, Sequence[Variant]]  # (student id, name, form, the questions on their paper)
DELIMITERS = ",;\t"  # a spreadsheet in a decimal-comma locale saves with ';'


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
    atomic_write(path, buffer.getvalue().encode("utf-8-sig"), mode=PUBLIC)


@dataclass(frozen=True)
class MarksRow:
    """One typed row: its line in the file (as an editor counts), its cells by column, and cells no column names."""

    line: int
    cells: Mapping[str, str]
    stray: tuple[tuple[str, str], ...] = ()  # (where, text): under a nameless header cell or past the header's end

    @property
    def student_id(self) -> str:
        """The typed student id, trimmed ('' when blank)."""
        return self.cells.get("student_id", "").strip()

    def is_blank(self) -> bool:
        """Whether nothing at all was typed (spreadsheets leave such lines)."""
        return not any(v.strip() for v in (*self.cells.values(), *(text for _, text in self.stray)))


@dataclass(frozen=True)
class MarksSheet:
    """A marks CSV as read: its base name (shown in every message), header and the rows that hold anything."""

    name: str
    header: tuple[str, ...]
    rows: tuple[MarksRow, ...]


def _text(path: Path) -> str:
    """The file as text: UTF-8, a BOM (Excel's "CSV UTF-8") allowed; anything else is one line for the whole file."""
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[:error.start].count(b"\n") + 1
        raise ValueError(f"{path} line {line}: not UTF-8 text (byte 0x{data[error.start]:02x}); save it from the "
                         "spreadsheet as 'CSV UTF-8'") from None


def _header(path: Path, header: list[str]) -> tuple[str, ...]:
    """The header's column names, trimmed; it must name student_id and no column twice."""
    names = tuple(h.strip() for h in header)
    if "student_id" not in names:
        raise ValueError(f"{path}: the header has no student_id column (it reads {','.join(names)[:120]!r}); "
                         "start from the marks-template.csv that `cnnlab exam` wrote")
    twice = sorted({n for n in names if n and names.count(n) > 1})
    if twice:
        raise ValueError(f"{path}: the header names column {twice[0]!r} twice")
    return names


def _row(line: int, header: tuple[str, ...], cells: list[str]) -> MarksRow:
    """A row's cells by column name; a cell under no name is kept with where it sits, for its row's error."""
    named = {name: cell for name, cell in zip(header, cells) if name}
    stray = tuple((f"#{i + 1} (no name in the header)" if i < len(header) else
                   f"#{i + 1} (past the header's {len(header)} columns)", cell)
                  for i, cell in enumerate(cells) if cell.strip() and (i >= len(header) or not header[i]))
    return MarksRow(line, named, stray)


def read_marks(path: Path) -> MarksSheet:
    """Read the sheet; a defect of the whole file (not UTF-8, not CSV, no student_id column) is a ValueError."""
    text = _text(path)
    first = text.split("\n", 1)[0]
    delimiter = next((d for d in DELIMITERS if d in first), ",")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    header: tuple[str, ...] | None = None
    rows: list[MarksRow] = []
    start = 1
    try:
        for cells in reader:
            if header is None:
                header = _header(path, cells)
            else:
                rows.append(_row(start, header, cells))
            start = reader.line_num + 1
    except csv.Error as error:
        raise ValueError(f"{path} line {reader.line_num}: not readable as CSV ({error})") from None
    if header is None:
        raise ValueError(f"{path}: empty file; expected a header starting student_id,name,form")
    return MarksSheet(path.name, header, tuple(r for r in rows if not r.is_blank()))
