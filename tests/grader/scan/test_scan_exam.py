"""`cnnlab scan` end to end on a small exam in two forms, filled with known answers and scanned with a scanner's
habits: pages found by their codes (one upside down, one scanned twice, one whose code is covered, a blank duplex
back, a page of another exam), every box read right or sent to review, and after a TA's corrections the marks sheet
grades exactly as the same answers typed by hand."""

from __future__ import annotations

import csv
import json
import random
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import segno
from PIL import Image

from cnnlab import main as cnnlab_main
from generator.paper.token import sign
from tests.grader.scan.paper_fill import (SCALE, SECRET_FILE, blank_qr, fill_page, layout, pages_of,
                                          print_exam, scanned, to_pdf)
from tests.support.scan_answers import key_variants, same_reading, write_typed_sheet, written_answers
from tests.support.scans import DigitPool

SITTERS = {"s2025001": ("form-A", 1), "s2025002": ("form-B", 2)}  # who sits which form, and their answers' seed
PAPER_OF = {"form-A-scans-a-p1": "s2025001", "form-B-scans-b-p1": "s2025002"}  # each paper's key -> its writer


def _foreign_page(size: tuple[int, int], qr: list[float]) -> Image.Image:
    """A page of another exam of this course: its code signed for exam 'other-exam', where ours print theirs."""
    page = Image.new("L", size, 255)
    token = sign(SECRET_FILE.read_bytes().strip(), "other-exam", "form-A", 1)
    modules = np.pad(np.array(segno.make(token, error="m", micro=False).matrix, dtype=bool), 2)
    code = Image.fromarray(np.where(modules, 0, 255).astype(np.uint8)).resize((round(qr[2] * SCALE),) * 2,
                                                                               Image.Resampling.NEAREST)
    page.paste(code, (round(qr[0] * SCALE), round(qr[1] * SCALE)))
    return page


@pytest.fixture(scope="module")
def scans(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The exam, each student's known answers, and the scans: form A's paper in a PDF (page 4 upside down, page 2
    scanned again at the end), form B's in a multi-page TIFF (page 2's code covered, a blank back after it, a page of
    another exam at the end)."""
    here = tmp_path_factory.mktemp("scan")
    exam = print_exam(here / "printed", scan=True, forms=2, students=4)
    digits, rng = DigitPool(seed=5), random.Random(5)
    truth: dict[str, dict[str, str]] = {}
    pages: dict[str, list[Image.Image]] = {}
    for student, (who, seed) in SITTERS.items():
        answers = written_answers(key_variants(exam / "key" / f"{student}.json"), layout(exam, who), seed, 0.6)
        truth[student] = {**answers, "student_id": student}
        pages[student] = []
        for page, page_layout in pages_of(exam, who):
            fill_page(page, page_layout, truth[student], digits, rng)
            pages[student].append(page)
    first, second = pages["s2025001"], pages["s2025002"]
    paper_a = [scanned(page, rng.uniform(-2, 2), i) for i, page in enumerate(first)]
    paper_a[3] = paper_a[3].rotate(180)
    paper_a.append(scanned(first[1], 1.0, 99))
    blank_qr(second[1], layout(exam, "form-B")["pages"][1])
    paper_b = [scanned(page, rng.uniform(-2, 2), 10 + i) for i, page in enumerate(second)]
    paper_b.insert(2, scanned(Image.new("L", second[0].size, 255), 0.5, 50))
    paper_b.append(scanned(_foreign_page(second[0].size, layout(exam, "form-B")["pages"][0]["qr"]), -1.0, 51))
    pdf = to_pdf(paper_a, here / "scans-a.pdf")
    tiff = here / "scans-b.tiff"
    paper_b[0].save(tiff, save_all=True, append_images=paper_b[1:], compression="tiff_deflate")
    return {"exam": exam, "truth": truth, "files": [pdf, tiff], "here": here}


@pytest.fixture(scope="module")
def read(scans: dict[str, Any]) -> dict[str, Any]:
    """`cnnlab scan` run on both files (TIFF first: any order of files will do); its scan.json."""
    out = scans["here"] / "read"
    code = cnnlab_main(["scan", *map(str, scans["files"][::-1]), "--exam", str(scans["exam"]), "--out", str(out),
                        "--secret-file", str(SECRET_FILE)])
    assert code == 0
    return json.loads((out / "scan.json").read_text())


def test_pages_are_identified_and_every_problem_reported(read: dict[str, Any]) -> None:
    pages = {(Path(page["file"]).name, page["page"]): page for page in read["pages"]}
    assert pages[("scans-a.pdf", 4)]["identified"] == "form-A page 4"
    assert pages[("scans-a.pdf", 4)]["rotation"] == 180
    assert all(page["residual_pt"] < 0.5 for page in read["pages"] if page["identified"])
    assert pages[("scans-b.tiff", 3)]["blank"] and not pages[("scans-b.tiff", 3)]["problem"]
    problems = sorted(read["problems"])
    assert len(problems) == 4, problems
    assert any("scans-b.tiff page 2: no readable QR code" in p for p in problems)
    assert any("scans-a.pdf page 5: page 2 of form-A-scans-a-p1 again (first seen as" in p for p in problems)
    assert any("scans-b.tiff page 6: a page of exam 'other-exam' (form-A page 1)" in p for p in problems)
    assert any(p.startswith("form-B-scans-b-p1 (first page") and "page 2 missing from the scans" in p
               for p in problems)


def test_every_box_is_read_right_or_sent_to_review(read: dict[str, Any], scans: dict[str, Any]) -> None:
    accepted = numbers = 0
    for paper in read["papers"]:
        truth = scans["truth"][PAPER_OF[paper["key"]]]
        assert paper["student"] in ("", PAPER_OF[paper["key"]])
        for box in paper["boxes"]:
            known = truth.get(box["column"], "")
            if box["holds"] == "code" or paper["key"].startswith("form-B") and box["page"] == 2:
                assert box["review"], box  # marked by hand, or on the page whose code was covered
            elif box["holds"] == "letter":
                assert box["reading"] == known and not box["review"], box
            elif not box["review"]:
                assert same_reading(box["reading"], known), (paper["key"], box, known)
            if box["holds"] == "number" and box["crop"]:
                numbers += 1
                accepted += not box["review"]
    assert accepted >= 0.5 * numbers, f"only {accepted} of {numbers} number boxes read without review"


def _corrections(scan_dir: Path, read: dict[str, Any], truth: dict[str, dict[str, str]]) -> Path:
    """What a TA types on the review page: every box listed there, as the paper holds it."""
    path = scan_dir / "review.csv"
    with path.open("w", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(["who", "column", "value"])
        for paper in read["papers"]:
            who = paper["student"] or paper["key"]
            for box in paper["boxes"]:
                if box["review"]:
                    writer.writerow([who, box["column"], truth[PAPER_OF[paper["key"]]].get(box["column"], "")])
    return path


def _scores(gradebook: Path) -> dict[str, list[str]]:
    """Each student's total and question scores from a gradebook."""
    rows = list(csv.DictReader(gradebook.open(encoding="utf-8-sig")))
    return {row["student_id"]: [value for key, value in row.items() if key not in ("submission", "notes")]
            for row in rows}


def test_corrected_scan_grades_as_the_typed_sheet(read: dict[str, Any], scans: dict[str, Any]) -> None:
    exam, truth, here = scans["exam"], scans["truth"], scans["here"]
    scan_dir = here / "read"
    fixes = _corrections(scan_dir, read, truth)
    assert cnnlab_main(["scan", "--exam", str(exam), "--out", str(scan_dir), "--corrections", str(fixes)]) == 0
    corrected = json.loads((scan_dir / "scan.json").read_text())
    assert corrected["review"] == 0 and {p["student"] for p in corrected["papers"]} == set(SITTERS)
    assert (scan_dir / "crops" / "s2025001" / "Q5.png").is_file()
    sheets = {row["student_id"]: row for name in ("form-A", "form-B")
              for row in csv.DictReader((exam / "marks" / f"{name}.csv").open(encoding="utf-8-sig"))}
    typed = write_typed_sheet(here / "typed" / "marks.csv", [
        (sid, sheets[sid]["name"], sheets[sid]["form"], [c for c in sheets[sid] if c not in ("student_id", "name",
                                                                                               "form")], truth[sid])
        for sid in SITTERS])
    results = {}
    for name, sheet in (("scanned", scan_dir / "marks.csv"), ("typed", typed)):
        assert cnnlab_main(["grade", "--answers", str(sheet), "--key", str(exam / "key"),
                            "--out", str(here / f"graded-{name}")]) == 0
        results[name] = _scores(here / f"graded-{name}" / "gradebook.csv")
    assert results["scanned"] == results["typed"]
    feedback = json.loads((here / "graded-scanned" / "students" / "s2025001" / "results.json").read_text())
    assert any("your boxes as scanned, in crops/s2025001/: Q5.png" in test["output"] for test in feedback["tests"])
