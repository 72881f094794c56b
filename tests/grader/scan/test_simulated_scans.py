"""`cnnlab scan` on simulated scans of filled exams (tests/support/scans.py): every page identified or reported, no
box read wrong without going to review, and the grades of the scanned marks sheet, once a TA's corrections answer
the reviewed boxes, identical to those of the same answers typed by hand.

Two printings of a small exam: in forms with combs (`exam: {scan: true}`; students found by their id combs) and a
student's own exam with plain boxes (digits segmented). Their scans carry a department scanner's defects: skew,
scale, shift, noise, JPEG, a page upside down, a page dropped, a page scanned twice, a blank duplex back, and PDFs
next to JPEG and TIFF files.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from grader.marks.sheet import read_marks
from tests.generator.conftest import ASSIGNMENTS, TEMPLATES
from tests.support.scan_answers import same_reading
from tests.support.scan_check import Findings, check_scan, corrected_grades, run_scan
from tests.support.scan_class import SimulatedClass, print_exam, simulate_class
from tests.support.scans import Defects

SECRET = ASSIGNMENTS / "demo.secret"
QUESTIONS = "[conv-params, concept-locality, conv1d, filter-compute, code-conv2d]"  # numbers, signs, decimals, a
# letter and handwritten code, on four pages
ROSTER = {"s2025001": "Ada Lovelace", "s2025002": "Alan Turing", "s2025003": "Grace Hopper"}


@dataclass(frozen=True)
class Scanned:
    """One printing's simulated class and the folder `cnnlab scan` wrote for it."""

    truth: SimulatedClass
    scan_dir: Path
    findings: Findings


def _printing(root: Path, name: str, exam: str, forms: int | None, students: list[str]) -> Path:
    """`cnnlab exam` on the small spec, for some students of the roster."""
    folder = root / name
    folder.mkdir()
    (folder / "spec.yaml").write_text(f"id: scan-{name}\ntitle: Scan {name}\ntemplates: {TEMPLATES}\n"
                                      f"questions: {QUESTIONS}\nexam: {exam}\n", encoding="utf-8")
    (folder / "roster.csv").write_text("student_id,name\n" + "".join(f"{s},{ROSTER[s]}\n" for s in students),
                                       encoding="utf-8")
    return print_exam(folder / "spec.yaml", folder / "roster.csv", SECRET, folder / "exam", forms)


@pytest.fixture(scope="module")
def forms(tmp_path_factory: pytest.TempPathFactory) -> Scanned:
    """Forms with combs, s2025001 and s2025003 on form A, s2025002 on B: s2025003's feed has a blank duplex back
    after its cover, its page 2 scanned twice and its page 3 upside down; s2025002's is JPEG files."""
    root = tmp_path_factory.mktemp("forms")
    exam = _printing(root, "forms", "{scan: true, code: handwritten}", 2, list(ROSTER))
    truth = simulate_class(exam, root / "filled", seed=11, image_feeds={"s2025002": "jpeg"},
                           defects={"s2025003": Defects(blank_after=0, duplicate=1, upside_down=2)})
    run_scan(truth, root / "scan", SECRET)
    return Scanned(truth, root / "scan", check_scan(truth, root / "scan"))


@pytest.fixture(scope="module")
def own(tmp_path_factory: pytest.TempPathFactory) -> Scanned:
    """Each student's own exam with plain boxes: s2025001's page 3 never scanned and page 4 upside down,
    s2025002's pages TIFF files."""
    root = tmp_path_factory.mktemp("own")
    exam = _printing(root, "own", "{code: handwritten}", None, ["s2025001", "s2025002"])
    truth = simulate_class(exam, root / "filled", seed=12, image_feeds={"s2025002": "tiff"},
                           defects={"s2025001": Defects(drop=2, upside_down=3)})
    run_scan(truth, root / "scan", SECRET)
    return Scanned(truth, root / "scan", check_scan(truth, root / "scan"))


@pytest.mark.parametrize("printing", ["forms", "own"])
def test_every_page_is_identified_or_reported(printing: str, request: pytest.FixtureRequest) -> None:
    """Each scanned page is the page it is (turned back when upside down); the blank back is seen as blank, the
    second scan and the dropped page are reported in a line each, and no page is taken for another."""
    scanned: Scanned = request.getfixturevalue(printing)
    found = scanned.findings
    assert found.pages == found.identified == sum(not p.duplicate and p.page > 0 for p in scanned.truth.scanned)
    assert found.misidentified == found.unreported == found.turned_wrong == []
    assert found.blanks_missed == found.duplicates_unreported == found.missing_unreported == []


@pytest.mark.parametrize("printing", ["forms", "own"])
def test_no_box_is_read_wrong_without_review(printing: str, request: pytest.FixtureRequest) -> None:
    """Every box read as written or listed for review; code always goes to its marker; most numbers and letters
    on the pages scanned are read surely (the review is the exception, not the rule), and the scan's marks sheet
    holds exactly the sure readings."""
    scanned: Scanned = request.getfixturevalue(printing)
    boxes = scanned.findings.boxes
    assert [box for box in boxes if box.silent_error] == []
    assert all(box.review for box in boxes if box.holds == "code")
    on_scanned_pages = [box for box in boxes if box.holds in ("number", "letter")
                        and box.page not in scanned.truth.missing(box.student_id)]
    assert sum(not box.review for box in on_scanned_pages) >= 0.5 * len(on_scanned_pages)
    rows = {row.student_id: row.cells for row in read_marks(scanned.scan_dir / "marks.csv").rows}
    for box in boxes:
        if box.column != "student_id" and box.student_id in rows:
            assert same_reading(rows[box.student_id].get(box.column, ""), "" if box.review else box.known), box


@pytest.mark.parametrize("printing", ["forms", "own"])
def test_corrected_scan_grades_as_the_typed_sheet(printing: str, request: pytest.FixtureRequest,
                                                  tmp_path: Path) -> None:
    """The reviewed boxes answered from the papers (review.csv) and applied with --corrections: `cnnlab grade
    --answers` on the scan's marks.csv gives every student the grades of the same answers typed by hand."""
    scanned: Scanned = request.getfixturevalue(printing)
    from_scan, typed, corrections = corrected_grades(scanned.truth, scanned.scan_dir, tmp_path)
    assert corrections > 0 and sorted(typed) == sorted(scanned.truth.written) and from_scan == typed
    assert len({row["score"] for row in typed.values()}) > 1  # the answers differ, so the check is not vacuous
