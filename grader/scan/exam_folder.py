"""What a scan is read against: the folder `cnnlab exam` wrote (its manifest, layouts and marks sheets).

exam.json names the exam and who sits which form; layout/<who>.json says where every box of every page lies
(generator/paper/layout.py); the marks sheets (marks/*.csv) give each student's name, form and answer columns in the
order printed, which the scan's own marks.csv repeats so that `cnnlab grade --answers` reads it as a typed sheet.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from generator.paper.marks_sheet import FIXED
from grader.marks.sheet import read_marks

LAYOUT_FORMAT = 1
EXAM_HINT = "give the folder `cnnlab exam --out` wrote"


@dataclass(frozen=True)
class Sitter:
    """A student of the exam as its marks sheet lists them: name, form ('' for their own exam), answer columns."""

    student_id: str
    name: str
    form: str
    columns: tuple[str, ...]


@dataclass(frozen=True)
class ExamFolder:
    """An exam as printed: its id, every paper's layout (by who: 'form-A' or a student id), its students in order."""

    path: Path
    spec: str
    title: str
    layouts: dict[str, dict[str, Any]]
    students: dict[str, Sitter]
    forms: bool

    def page(self, who: str, number: int) -> dict[str, Any] | None:
        """The layout of page `number` of `who`'s paper; None when that paper has no such page."""
        pages = self.layouts[who]["pages"]
        return pages[number - 1] if 1 <= number <= len(pages) else None

    def form_letter(self, who: str) -> str:
        """The form letter of a form's paper ('form-A' -> 'A'); '' for a student's own exam."""
        return who.removeprefix("form-") if self.forms else ""


def _json(path: Path) -> Any:
    """A JSON file of the exam folder, or a one-line error naming it."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ValueError(f"{path}: missing; {EXAM_HINT} (a scan needs its exam.json and layout/)") from None
    except json.JSONDecodeError as error:
        raise ValueError(f"{path} line {error.lineno}: not JSON ({error.msg})") from None


def _layouts(folder: Path, spec: str, sheets: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Every paper's layout, checked to be of this exam and a format this reader knows."""
    layouts = {}
    for sheet in sheets:
        path = folder / "layout" / f"{sheet['who']}.json"
        if not path.is_file():
            raise ValueError(f"{path}: missing; the exam was printed by a cnnlab that wrote no layouts: print it "
                             "again with `cnnlab exam` (the same spec, roster and secret give the same papers)")
        layout = _json(path)
        if layout.get("format") != LAYOUT_FORMAT or layout.get("spec") != spec:
            raise ValueError(f"{path}: a layout of format {layout.get('format')!r} for exam "
                             f"{layout.get('spec')!r}; this reader knows format {LAYOUT_FORMAT} of exam {spec!r}")
        layouts[sheet["who"]] = layout
    return layouts


def load_exam(folder: Path) -> ExamFolder:
    """The exam folder's manifest, layouts and students."""
    if not folder.is_dir():
        raise ValueError(f"{folder}: no such folder; {EXAM_HINT}")
    manifest = _json(folder / "exam.json")
    spec, sheets, forms = manifest["exam"], manifest["sheets"], manifest.get("forms") or {}
    students: dict[str, Sitter] = {}
    for name in dict.fromkeys(sheet["marks"] for sheet in sheets):
        for row in read_marks(folder / name).rows:
            columns = tuple(column for column in row.header if column not in FIXED)
            students[row.student_id] = Sitter(row.student_id, row.cells.get("name", "").strip(),
                                              row.cells.get("form", "").strip(), columns)
    title = str(manifest.get("title", spec))
    return ExamFolder(folder, spec, title, _layouts(folder, spec, sheets), students, bool(forms))
