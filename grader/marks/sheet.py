"""The marks sheets of a paper exam: the CSVs that TAs type, one row per student and one column per answer box.

`cnnlab exam` writes them through the layout in generator/paper/marks_sheet.py; `cnnlab grade --answers CSV...`
reads them back here (`read_sheets`: files, or folders of them) and grades them in grader/marks/grading.py. A
header line (a line with a student_id cell) names the columns of the rows below it, up to the next header line.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

DELIMITERS = ",;\t"  # a spreadsheet in a decimal-comma locale saves with ';'


@dataclass(frozen=True)
class MarksRow:
    """One typed row: its line in the file (as an editor counts), its cells by column, and cells no column names."""

    line: int
    cells: Mapping[str, str]
    stray: tuple[tuple[str, str], ...] = ()  # (where, text): under a nameless header cell or past the header's end
    header: tuple[str, ...] = ()  # the columns of the header line above the row

    @property
    def student_id(self) -> str:
        """The typed student id, trimmed ('' when blank)."""
        return self.cells.get("student_id", "").strip()

    def is_blank(self) -> bool:
        """Whether nothing at all was typed (spreadsheets leave such lines)."""
        return not any(v.strip() for v in (*self.cells.values(), *(text for _, text in self.stray)))


@dataclass(frozen=True)
class MarksSheet:
    """A marks CSV as read: its base name (shown in every message), the rows that hold anything, and its folder."""

    name: str
    rows: tuple[MarksRow, ...]
    folder: Path | None = None  # a sheet `cnnlab scan` read has the boxes' crops beside it (grader/scan/crops.py)


def _text(path: Path) -> str:
    """The file as text: UTF-8, a BOM (Excel's "CSV UTF-8") allowed; anything else is one line for the whole file."""
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[:error.start].count(b"\n") + 1
        raise ValueError(f"{path} line {line}: not UTF-8 text (byte 0x{data[error.start]:02x}); save it from the "
                         "spreadsheet as 'CSV UTF-8'") from None


def _header(path: Path, line: int, header: list[str]) -> tuple[str, ...]:
    """The header's column names, trimmed; it must name student_id and no column twice."""
    names = tuple(h.strip() for h in header)
    if "student_id" not in names:
        raise ValueError(f"{path}: the header has no student_id column (it reads {','.join(names)[:120]!r}); "
                         "start from the marks sheets that `cnnlab exam` wrote (OUT/marks/)")
    twice = sorted({n for n in names if n and names.count(n) > 1})
    if twice:
        raise ValueError(f"{path}{f' line {line}' if line > 1 else ''}: the header names column {twice[0]!r} twice")
    return names


def _row(line: int, header: tuple[str, ...], cells: list[str]) -> MarksRow:
    """A row's cells by column name; a cell under no name is kept with where it sits, for its row's error."""
    named = {name: cell for name, cell in zip(header, cells) if name}
    stray = tuple((f"#{i + 1} (no name in the header)" if i < len(header) else
                   f"#{i + 1} (past the header's {len(header)} columns)", cell)
                  for i, cell in enumerate(cells) if cell.strip() and (i >= len(header) or not header[i]))
    return MarksRow(line, named, stray, header)


def read_marks(path: Path) -> MarksSheet:
    """Read one sheet; a defect of the whole file (not UTF-8, not CSV, no student_id column) is a ValueError."""
    text = _text(path)
    first = text.split("\n", 1)[0]
    delimiter = next((d for d in DELIMITERS if d in first), ",")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    header: tuple[str, ...] | None = None
    rows: list[MarksRow] = []
    start = 1
    try:
        for cells in reader:
            if header is None or "student_id" in (cell.strip() for cell in cells):
                header = _header(path, start, cells)  # the first line, or a header line again (another paper's)
            else:
                rows.append(_row(start, header, cells))
            start = reader.line_num + 1
    except csv.Error as error:
        raise ValueError(f"{path} line {reader.line_num}: not readable as CSV ({error})") from None
    if header is None:
        raise ValueError(f"{path}: empty file; expected a header starting student_id,name,form")
    return MarksSheet(path.name, tuple(r for r in rows if not r.is_blank()), path.parent)


def read_sheets(paths: Sequence[Path]) -> tuple[MarksSheet, ...]:
    """Every sheet named (a folder: each .csv in it, by name); two sheets of one name would make records clash."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            found = sorted(p for p in path.iterdir() if p.suffix.lower() == ".csv" and p.is_file())
            if not found:
                raise ValueError(f"{path}: a folder with no .csv marks sheet in it")
            files += found
        elif path.is_file():
            files.append(path)
        else:
            raise ValueError(f"{path}: no such marks sheet")
    names: dict[str, Path] = {}
    for path in files:
        if path.name in names and names[path.name].resolve() != path.resolve():
            raise ValueError(f"{path}: another marks sheet is also named {path.name} ({names[path.name]}); rename "
                             "one, since a student's record is named by the sheet's file name")
        names[path.name] = path
    return tuple(read_marks(path) for path in names.values())
