"""A class's paper exams filled with known answers and scanned, for the scan tests, the benchmark and the demo.

`simulate_class` takes what `cnnlab exam` wrote (EXAMDIR: exams/, layout/, key/, marks/, exam.json), has every
student write their answers on their own paper (their form's, or their own), scans each student's pages as one feed
of a department scanner (tests/support/scans.py) with the defects asked for, and writes the scans (a PDF per feed,
or image files) and the marks sheet a TA would type from the same papers. It returns what is known about every
scanned page, so a test can hold `cnnlab scan`'s findings against the truth.
"""

from __future__ import annotations

import json
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from generator.paper.marks_sheet import FIXED
from grader.marks.sheet import read_sheets
from tests.support.scan_answers import Answers, key_variants, written_answers, write_typed_sheet
from tests.support.scans import Defects, DigitPool, fill_exam, scan, to_files, to_pdf

@dataclass(frozen=True)
class ScannedPage:
    """One image the scanner produced: its file (and page in it), and the paper page it shows (page 0: a blank)."""

    file: Path
    index: int  # 0-based page within the file (a PDF's page; 0 for an image file)
    student_id: str
    who: str  # the paper printed: 'form-A' or the student's own id
    page: int  # the paper's page number, 1-based; 0 for a duplex scan's blank back
    upside_down: bool = False
    duplicate: bool = False  # the second image of a page scanned twice


@dataclass
class SimulatedClass:
    """The known truth of a simulated class: what each student wrote, how it was scanned, and the typed sheet."""

    exam_dir: Path
    written: dict[str, Answers]  # student id -> marks-sheet column -> text as written
    columns: dict[str, list[str]]  # student id -> their paper's marks-sheet columns, in printed order
    pages: dict[str, int]  # student id -> their paper's page count
    scanned: list[ScannedPage]
    dropped: list[tuple[str, int]]  # (student id, page) never scanned
    typed: Path  # the marks sheet of the same answers typed by hand
    scans: list[Path] = field(default_factory=list)  # every scan file written, in feed order

    def missing(self, student_id: str) -> set[int]:
        """The pages of a student's paper that no scan shows."""
        return {page for sid, page in self.dropped if sid == student_id}


def _sheet_rows(exam_dir: Path) -> dict[str, tuple[str, str, list[str]]]:
    """Each student on the exam's marks sheets -> (name, form, their paper's columns in printed order)."""
    return {row.student_id: (row.cells.get("name", ""), row.cells.get("form", ""), list(row.header[len(FIXED):]))
            for sheet in read_sheets([exam_dir / "marks"]) for row in sheet.rows}


def simulate_class(exam_dir: Path, out: Path, seed: int, *, dpi: int = 200, students: Sequence[str] | None = None,
                   defects: Mapping[str, Defects] | None = None, image_feeds: Mapping[str, str] | None = None,
                   right_share: tuple[float, float] = (0.4, 0.95)) -> SimulatedClass:
    """Fill and scan the papers of `students` (default: all on the marks sheets, in roster order) into out/scans/:
    a PDF per student's feed, or image files for those in `image_feeds` (student id -> 'png', 'jpeg' or 'tiff');
    `defects` by student id apply to their feed's page indices. Each student gets a share of the questions right,
    drawn from `right_share`; the typed sheet is out/typed.csv."""
    manifest = json.loads((exam_dir / "exam.json").read_text("utf-8"))
    sheets = _sheet_rows(exam_dir)
    students = list(students if students is not None else sheets)
    rng = random.Random(seed)
    pool = DigitPool(seed)
    defects = defects or {}
    truth = SimulatedClass(exam_dir, {}, {}, {}, [], [], out / "typed.csv")
    rows = []
    for number, student_id in enumerate(students):
        who = f"form-{manifest['forms'][student_id]}" if manifest["forms"] else student_id
        layout = json.loads((exam_dir / "layout" / f"{who}.json").read_text("utf-8"))
        variants = key_variants(exam_dir / "key" / f"{student_id}.json")
        answers = written_answers(variants, layout, rng.getrandbits(32), rng.uniform(*right_share))
        pages = fill_exam(exam_dir / "exams" / f"{who}.pdf", layout, answers, student_id, rng.getrandbits(32),
                          dpi=dpi, pool=pool)
        feed = defects.get(student_id, Defects())
        images = scan(pages, rng.getrandbits(32), feed, dpi=dpi)
        stem = f"feed-{number + 1:02d}"
        if image_feeds and student_id in image_feeds:
            files = to_files(images, out / "scans", image_feeds[student_id], stem, dpi)
            where = [(path, 0) for path in files]
        else:
            path = to_pdf(images, out / "scans" / f"{stem}.pdf", dpi)
            files, where = [path], [(path, index) for index in range(len(images))]
        truth.scans += files
        truth.scanned += [ScannedPage(path, index, student_id, who, *shown)
                          for (path, index), shown in zip(where, _shown(len(pages), feed))]
        truth.dropped += [(student_id, feed.drop + 1)] if feed.drop is not None else []
        truth.written[student_id], truth.pages[student_id] = answers, len(pages)
        name, form, truth.columns[student_id] = sheets[student_id]
        rows.append((student_id, name, form, truth.columns[student_id], answers))
    write_typed_sheet(truth.typed, rows)
    return truth


def _shown(count: int, defects: Defects) -> list[tuple[int, bool, bool]]:
    """(page number or 0 for a blank, upside down, second scan) of each image a feed of `count` pages gives, as
    scans.scan orders them."""
    shown: list[tuple[int, bool, bool]] = []
    for index in range(count):
        if index == defects.drop:
            continue
        shown.append((index + 1, index == defects.upside_down, False))
        if index == defects.duplicate:
            shown.append((index + 1, index == defects.upside_down, True))
        if index == defects.blank_after:
            shown.append((0, False, False))
    return shown


def print_exam(spec: Path, roster: Path, secret: Path, out: Path, forms: int | None = None) -> Path:
    """`cnnlab exam` (on one process), as an instructor prints the papers; returns its output folder."""
    from cnnlab import main as cnnlab_main

    forms_option = ["--forms", str(forms)] if forms else []
    code = cnnlab_main(["exam", str(spec), "--roster", str(roster), "--secret-file", str(secret), "--out", str(out),
                        "--workers", "1", *forms_option])
    if code != 0:
        raise OSError(f"cnnlab exam {spec} failed with exit code {code}")
    return out
