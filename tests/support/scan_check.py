"""`cnnlab scan`'s findings held against what a simulated class really wrote (tests/support/scan_class.py).

`check_scan` reads SCANDIR/scan.json and sorts every scanned page (identified as what it is, identified as something
else, or reported) and every box (read right, read wrong, sent to review) against the truth; `write_corrections`
answers every reviewed box from the known answers, as a TA would from the paper, in the CSV review.html saves; and
`grade_rows` reads a gradebook so that the grades of two sheets can be compared.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.support.scan_answers import same_reading
from tests.support.scan_class import ScannedPage, SimulatedClass

ID_COLUMN = "student_id"
NOT_GRADES = ("name", "late", "submission", "notes")  # gradebook columns that name files or times, not grades


@dataclass(frozen=True)
class BoxCheck:
    """One box of a student's paper: what they wrote, what the scan read, and whether it waits for review."""

    student_id: str
    column: str
    holds: str
    page: int
    known: str
    read: str
    review: bool

    @property
    def right(self) -> bool:
        """Whether the reading is the written value."""
        return same_reading(self.read, self.known)

    @property
    def silent_error(self) -> bool:
        """A wrong reading that nobody is asked to check: what must never happen."""
        return not self.review and not self.right


@dataclass
class Findings:
    """The scan's pages and boxes sorted against the truth."""

    pages: int = 0  # scanned images of exam pages (blank backs and second scans aside)
    identified: int = 0  # identified as the page they are
    misidentified: list[str] = field(default_factory=list)  # identified as another page or student
    unreported: list[str] = field(default_factory=list)  # neither identified nor reported in a line
    turned_wrong: list[str] = field(default_factory=list)  # an upside-down page not seen as turned
    blanks_missed: list[str] = field(default_factory=list)  # a duplex back not taken for a blank
    duplicates_unreported: list[str] = field(default_factory=list)
    missing_unreported: list[str] = field(default_factory=list)  # a dropped page the scan does not name
    boxes: list[BoxCheck] = field(default_factory=list)

    def pages_handled(self) -> bool:
        """Whether every page was identified as what it is, turned when upside down, and every blank back, second
        scan and dropped page seen for what it is."""
        return self.identified == self.pages and not (
            self.misidentified or self.unreported or self.turned_wrong or self.blanks_missed
            or self.duplicates_unreported or self.missing_unreported)

    def of(self, holds: tuple[str, ...]) -> list[BoxCheck]:
        """The boxes that hold one of these kinds ('number', 'letter', 'id', 'code')."""
        return [box for box in self.boxes if box.holds in holds]


def _scan_json(scan_dir: Path) -> dict[str, Any]:
    """SCANDIR/scan.json."""
    return json.loads((scan_dir / "scan.json").read_text("utf-8"))


def _truth_of(truth: SimulatedClass) -> dict[tuple[str, int], ScannedPage]:
    """Each scanned image by (file name, page number in the file from 1)."""
    return {(page.file.name, page.index + 1): page for page in truth.scanned}


def _check_pages(truth: SimulatedClass, saved: dict[str, Any], findings: Findings) -> None:
    """Every scanned image: identified, turned, blank, or reported as it should be."""
    known = _truth_of(truth)
    problems = "\n".join(saved["problems"])
    for entry in saved["pages"]:
        page = known[(Path(entry["file"]).name, entry["page"])]
        where = f"{page.file.name} page {page.index + 1}"
        if page.page == 0:
            if not entry["blank"]:
                findings.blanks_missed.append(where)
            continue
        if page.duplicate:
            if f"{where}: page {page.page} of" not in problems:
                findings.duplicates_unreported.append(where)
            continue
        findings.pages += 1
        if entry["identified"] == f"{page.who} page {page.page}":
            findings.identified += 1
            if page.upside_down != (entry["rotation"] == 180):
                findings.turned_wrong.append(where)
        elif entry["identified"] is not None:
            findings.misidentified.append(f"{where} ({page.who} page {page.page}) read as {entry['identified']}")
        elif not entry["problem"]:
            findings.unreported.append(where)
    for student_id, number in truth.dropped:
        if f"{number} missing from the scans" not in problems:
            findings.missing_unreported.append(f"{student_id} page {number}")


def _paper_student(truth: SimulatedClass, paper: dict[str, Any]) -> str:
    """Whose paper a scanned paper really is: the student whose feed holds its first page."""
    first = paper["pages"][min(paper["pages"], key=int)]
    return _truth_of(truth)[(Path(first["file"]).name, first["page"])].student_id


def check_scan(truth: SimulatedClass, scan_dir: Path) -> Findings:
    """Pages and boxes of a scan folder against the truth (a paper credited to the wrong student counts every page
    of it misidentified)."""
    saved = _scan_json(scan_dir)
    findings = Findings()
    _check_pages(truth, saved, findings)
    for paper in saved["papers"]:
        student_id = _paper_student(truth, paper)
        if paper["student"] and paper["student"] != student_id:
            findings.misidentified.append(f"paper {paper['key']} ({student_id}) credited to {paper['student']}")
        written = {**truth.written[student_id], ID_COLUMN: student_id}
        for box in paper["boxes"]:
            known = written.get(box["column"], "")
            findings.boxes.append(BoxCheck(student_id, box["column"], box["holds"], box["page"], known,
                                           box["reading"], box["review"]))
    return findings


def write_corrections(truth: SimulatedClass, scan_dir: Path, path: Path) -> int:
    """review.csv (who,column,value) answering every reviewed box from the known answers, as a TA reading the paper
    would; returns how many lines it has."""
    saved = _scan_json(scan_dir)
    rows = []
    for paper in saved["papers"]:
        student_id = _paper_student(truth, paper)
        written = {**truth.written[student_id], ID_COLUMN: student_id}
        rows += [(paper["student"] or paper["key"], box["column"], written.get(box["column"], ""))
                 for box in paper["boxes"] if box["review"]]
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as file:
        writer = csv.writer(file, lineterminator="\n")
        writer.writerow(("who", "column", "value"))
        writer.writerows(rows)
    return len(rows)


def grade_rows(graded: Path) -> dict[str, dict[str, str]]:
    """A grading's gradebook.csv by student: score, status and every question's points (file names left out)."""
    with (graded / "gradebook.csv").open(encoding="utf-8") as file:
        return {row["student_id"]: {k: v for k, v in row.items() if k not in NOT_GRADES}
                for row in csv.DictReader(file)}


def run_scan(truth: SimulatedClass, scan_dir: Path, secret: Path, *more: str) -> None:
    """`cnnlab scan` on the class's scans, in feed order (a form's papers cover first), into scan_dir."""
    from cnnlab import main as cnnlab

    code = cnnlab(["scan", *map(str, truth.scans), "--exam", str(truth.exam_dir), "--out", str(scan_dir),
                   "--secret-file", str(secret), *more])
    if code != 0:
        raise OSError(f"cnnlab scan of {truth.exam_dir} failed with exit code {code}")


def corrected_grades(truth: SimulatedClass, scan_dir: Path, work: Path
                     ) -> tuple[dict[str, dict[str, str]], dict[str, dict[str, str]], int]:
    """The reviewed boxes answered from the known answers (work/review.csv) and applied with `cnnlab scan
    --corrections`, then the scan's marks.csv and the typed sheet graded: (grades from the scan, typed grades, how
    many corrections)."""
    from cnnlab import main as cnnlab

    fixes = write_corrections(truth, scan_dir, work / "review.csv")
    code = cnnlab(["scan", "--exam", str(truth.exam_dir), "--out", str(scan_dir), "--corrections",
                   str(work / "review.csv")])
    if code != 0:
        raise OSError(f"cnnlab scan --corrections {work / 'review.csv'} failed with exit code {code}")
    for sheet, out in ((scan_dir / "marks.csv", work / "graded-from-scan"), (truth.typed, work / "graded-typed")):
        code = cnnlab(["grade", "--answers", str(sheet), "--key", str(truth.exam_dir / "key"), "--out", str(out)])
        if code != 0:
            raise OSError(f"cnnlab grade --answers {sheet} failed with exit code {code}")
    return grade_rows(work / "graded-from-scan"), grade_rows(work / "graded-typed"), fixes
