"""The simulated scans the scan tests and benchmark rely on (tests/support/scans.py): answers written only inside
their boxes and in the right cells and circles, wrong answers that fit the comb, the scanner's defects as asked,
scans that read back as A4 pages, and a typed marks sheet that grader/marks reads as written."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import numpy as np
import pypdfium2
import pytest
from PIL import Image, ImageDraw

from grader.marks.sheet import read_marks
from tests.generator.conftest import ASSIGNMENTS, TEMPLATES
from tests.support.scan_answers import (fits, key_variants, layout_boxes, mistaken, right_answers, same_reading,
                                        write_typed_sheet, written_answers)
from tests.support.scan_class import print_exam
from tests.support.scans import Defects, comb_cells, fill_exam, render_pdf, scan, to_files, to_pdf

DPI = 100  # enough to see where ink lands; the reading tests use 200
MM = DPI / 25.4  # pixels per millimetre


@pytest.fixture(scope="module")
def exam(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small scanned exam in two forms: numbers with signs and decimals in combs, a letter, handwritten code."""
    here = tmp_path_factory.mktemp("simulator")
    (here / "spec.yaml").write_text(f"id: sim\ntitle: Simulated\ntemplates: {TEMPLATES}\nquestions: [conv-params, "
                                    "concept-locality, conv1d, filter-compute, code-conv2d]\n"
                                    "exam: {scan: true, code: handwritten}\n")
    (here / "roster.csv").write_text("student_id,name\ns2025001,Ada\ns2025002,Alan\n")
    return print_exam(here / "spec.yaml", here / "roster.csv", ASSIGNMENTS / "demo.secret", here / "exam", forms=1)


def layout(exam: Path) -> dict[str, Any]:
    """Form A's layout JSON."""
    return json.loads((exam / "layout" / "form-A.json").read_text("utf-8"))


def test_answers_land_in_their_boxes_and_nowhere_else(exam: Path) -> None:
    """Every pixel the pen changed lies inside an answered box (its cells or area, a mm of slack; 2 mm around a
    letter's circles, which a tick overshoots); every answered box has ink and every box left empty has none."""
    variants, printed = key_variants(exam / "key" / "s2025001.json"), layout(exam)
    answers = written_answers(variants, printed, seed=3, right_share=0.5)
    answers[next(c for c, b in layout_boxes(printed).items() if b["holds"] == "number")] = ""  # one left empty
    blank = render_pdf(exam / "exams" / "form-A.pdf", DPI)
    filled = fill_exam(exam / "exams" / "form-A.pdf", printed, answers, "s2025001", seed=4, dpi=DPI)
    for page, before, after in zip(printed["pages"], blank, filled):
        changed = np.abs(np.asarray(after, np.int16) - np.asarray(before, np.int16)).max(axis=2) > 40
        allowed = np.zeros_like(changed)
        for box in page["boxes"]:
            text = answers.get(box["column"], "") if box["holds"] != "id" else "2025001"
            x, y, w, h = (round(box[key] * DPI / 72) for key in ("x", "y", "w", "h"))
            inside = changed[y:y + h, x:x + w].sum()
            assert (inside > 0) == bool(text), (box["column"], text, inside)
            slack = round((2 if box["holds"] == "letter" else 1) * MM)  # a tick overshoots its circle
            allowed[max(0, y - slack):y + h + slack, max(0, x - slack):x + w + slack] = True
        assert not (changed & ~allowed).any(), f"ink outside the boxes on page {page['page']}"


def test_a_letter_is_marked_in_its_own_circle(exam: Path) -> None:
    """Filled, crossed or ticked, the chosen option's circle holds far more ink than the others."""
    printed = layout(exam)
    column, box = next((c, b) for c, b in layout_boxes(printed).items() if b["holds"] == "letter")
    page = next(p["page"] for p in printed["pages"] if box in p["boxes"])
    for seed in range(6):
        chosen = box["options"][seed % len(box["options"])]
        image = fill_exam(exam / "exams" / "form-A.pdf", printed, {column: chosen}, "s2025001", seed, dpi=DPI)
        pixels = np.asarray(image[page - 1].convert("L"), np.float32)
        ink = {option: _ink_in_circle(pixels, circle) for option, circle in zip(box["options"], box["circles"])}
        others = max(v for o, v in ink.items() if o != chosen)
        assert ink[chosen] > 3 * others + 0.05, (seed, ink)


def _ink_in_circle(pixels: np.ndarray, circle: list[float]) -> float:
    """The mean darkness inside a circle of the layout (its printed outline left out)."""
    cx, cy, r = (value * DPI / 72 for value in circle)
    ys, xs = np.ogrid[:pixels.shape[0], :pixels.shape[1]]
    inside = (xs - cx) ** 2 + (ys - cy) ** 2 <= (0.7 * r) ** 2
    return float((255 - pixels[inside]).mean() / 255)


def test_numbers_go_into_the_comb_as_printed() -> None:
    """Sign in its cell, the whole part against the printed point, decimals after it; integers right- or
    left-aligned; a number that does not fit is an error, not a silent truncation."""
    decimal = ["sign", "digit", "digit", "point", "digit", "digit"]
    assert comb_cells("-3.5", decimal, left_aligned=True) == {0: "-", 2: "3", 4: "5"}
    assert comb_cells("12.25", decimal, left_aligned=False) == {1: "1", 2: "2", 4: "2", 5: "5"}
    assert comb_cells("42", ["digit"] * 4, left_aligned=False) == {2: "4", 3: "2"}
    assert comb_cells("42", ["digit"] * 4, left_aligned=True) == {0: "4", 1: "2"}
    with pytest.raises(ValueError, match="does not fit"):
        comb_cells("-42", ["digit"] * 4, left_aligned=True)


def test_wrong_answers_fit_their_comb_and_differ(exam: Path) -> None:
    """Each slip is another value that the comb can hold; a letter's is another option."""
    printed = layout_boxes(layout(exam))
    right = right_answers(key_variants(exam / "key" / "s2025001.json"))
    rng = random.Random(5)
    checked = 0
    for column, (box, text) in right.items():
        if not text or box.by_hand:
            continue
        for _ in range(5):
            wrong = mistaken(text, box, printed[column], rng)
            assert not same_reading(wrong, text) and fits(wrong, printed[column]), (column, text, wrong)
            checked += 1
    assert checked > 50


def test_the_scanner_skews_turns_drops_duplicates_and_adds_a_blank() -> None:
    """Five pages with a corner square: one turned, one dropped, one scanned twice, a blank after one; every page
    keeps its size and its square moves by at most a few millimetres (3 degrees, 2%, 4 mm)."""
    pages = []
    for number in range(5):
        page = Image.new("RGB", (827, 1170), "white")
        ImageDraw.Draw(page).rectangle((60, 60, 90, 90), fill="black")
        ImageDraw.Draw(page).text((400, 600), str(number), fill="black")
        pages.append(page)
    scanned = scan(pages, seed=1, defects=Defects(upside_down=1, drop=2, duplicate=3, blank_after=4), dpi=DPI)
    assert len(scanned) == 5 - 1 + 1 + 1 and all(image.size == (827, 1170) for image in scanned)
    centres = [_dark_centre(np.asarray(image.convert("L"))) for image in scanned[:4]]
    upright = (75, 75)
    for index in (0, 2, 3):  # pages 0, 3 and its second scan: the square near the top left
        assert np.hypot(centres[index][0] - upright[0], centres[index][1] - upright[1]) < 16 * MM
    assert centres[1][0] > 700 and centres[1][1] > 1000  # page 1 upside down: its square at the bottom right
    assert np.asarray(scanned[5].convert("L")).min() > 150  # the blank back: no ink, only noise


def _dark_centre(pixels: np.ndarray) -> tuple[float, float]:
    """(x, y) of the dark pixels' centre."""
    ys, xs = np.nonzero(pixels < 100)
    return float(xs.mean()), float(ys.mean())


def test_scans_are_written_as_a4_pdfs_and_image_files(tmp_path: Path) -> None:
    """A multi-page PDF whose pages are A4 at the scan's resolution, and one PNG, JPEG or TIFF file per page."""
    images = [Image.new("L", (827, 1170), 240), Image.new("RGB", (827, 1170), "white")]
    pdf = pypdfium2.PdfDocument(to_pdf(images, tmp_path / "scan.pdf", dpi=DPI))
    assert len(pdf) == 2 and all(abs(pdf[i].get_width() - 595.4) < 1 and abs(pdf[i].get_height() - 842.4) < 1
                                 for i in range(2))
    pdf.close()
    for fmt, suffix in (("png", ".png"), ("jpeg", ".jpg"), ("tiff", ".tif")):
        files = to_files(images, tmp_path / fmt, fmt)
        assert [f.suffix for f in files] == [suffix] * 2 and Image.open(files[1]).size == (827, 1170)
    with pytest.raises(ValueError, match="png, jpeg or tiff"):
        to_files(images, tmp_path, "gif")


def test_answers_right_wrong_and_typed_sheet(exam: Path, tmp_path: Path) -> None:
    """A student who gets everything right writes the key (code: up to its points); one who gets nothing right
    slips somewhere in most questions; the typed sheet reads back cell for cell."""
    variants, printed = key_variants(exam / "key" / "s2025002.json"), layout(exam)
    right = {column: text for column, (box, text) in right_answers(variants).items() if not box.by_hand}
    best = written_answers(variants, printed, seed=1, right_share=1.0)
    assert all(best[column] == text for column, text in right.items() if best[column])
    worst = written_answers(variants, printed, seed=1, right_share=0.0)
    assert sum(worst[column] != text for column, text in right.items()) >= 3
    columns = list(worst)
    sheet = read_marks(write_typed_sheet(tmp_path / "typed.csv", [("s2025002", "Alan", "A", columns, worst)]))
    assert [dict(row.cells) for row in sheet.rows] == [{"student_id": "s2025002", "name": "Alan", "form": "A",
                                                        **worst}]
    assert same_reading("7.00", "7") and same_reading("B", " B") and not same_reading("7", "1")
