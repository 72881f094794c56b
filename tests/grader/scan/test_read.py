"""Reading single boxes: a number spelt from its cells (signs, points, blanks, doubts), a letter from the ink in its
circles, and a student's own exam without combs (digits cut apart in a plain box), its pages scanned in any order."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw

from grader.scan.align import CROP_SCALE
from grader.scan.digits import DigitClassifier
from grader.scan.exam_folder import load_exam
from grader.scan.read import MARGIN_PT, Written, read_letter, spell
from grader.scan.scan_exam import read_scans, settle
from tests.grader.scan.paper_fill import (SECRET_FILE, fill_page, layout, pages_of, print_exam, scanned,
                                          to_pdf)
from tests.support.scan_answers import key_variants, same_reading, written_answers
from tests.support.scans import DigitPool

DIGIT = np.zeros((28, 28), dtype=np.float32)  # the network's input for one written digit (its pixels do not matter)


@pytest.mark.parametrize(("cells", "value", "doubt"), [
    ("  12.5 ", "12.5", ""),  # right-aligned digits, a decimal after the printed point
    ("-3 . ", "-3", ""),  # the sign cell's minus, no decimals written
    (" 1 .  ", "1", ""),  # written left-aligned: the blank after the digit is no gap
    ("  .25", "0.25", ""),  # only decimals: the whole part is 0
    ("      ", "", ""),  # nothing written: a blank answer
    ("-  .  ", "", "a minus sign and no digits"),
    ("1 2.  ", "", "a blank cell between written digits"),
    ("12. 5", "", "a blank cell between written digits"),
    ("?12", "", "the sign cell holds a mark that is not a minus"),
    ("1-2", "", "a minus sign after the first digit"),
    ("1.2.3", "", "two decimal points"),
])
def test_a_number_is_spelt_from_its_cells(cells: str, value: str, doubt: str) -> None:
    tokens = tuple(DIGIT if char.isdigit() else char for char in cells)
    digits = [(int(char), 0.9 + i / 100) for i, char in enumerate(c for c in cells if c.isdigit())]
    reading = spell(Written(tokens), digits)
    assert (reading.value, reading.doubt) == (value, doubt)
    assert reading.confidence == pytest.approx(0.9 if digits else 1.0)


def _letter_box(marks: dict[str, tuple[str, int]]) -> tuple[np.ndarray, dict[str, object]]:
    """A letter box's crop with four circles, some marked: option -> ('fill' | 'cross', grey level of the pen)."""
    box = {"x": 100.0, "y": 200.0, "w": 118.0, "h": 10.0, "options": ["A", "B", "C", "D"],
           "circles": [[105.0 + 32 * i, 205.0, 5.0] for i in range(4)]}
    size = (round((118 + 2 * MARGIN_PT) * CROP_SCALE), round((10 + 2 * MARGIN_PT) * CROP_SCALE))
    image = Image.new("L", size, 235)
    draw = ImageDraw.Draw(image)
    for option, (x, y, r) in zip(box["options"], box["circles"]):
        cx, cy = (x - 100 + MARGIN_PT) * CROP_SCALE, (y - 200 + MARGIN_PT) * CROP_SCALE
        radius = r * CROP_SCALE
        draw.ellipse([cx - radius, cy - radius, cx + radius, cy + radius], outline=20, width=2)
        how, pen = marks.get(option, ("", 0))
        if how == "fill":
            draw.ellipse([cx - radius * 0.8, cy - radius * 0.8, cx + radius * 0.8, cy + radius * 0.8], fill=pen)
        elif how == "cross":
            for side in (1, -1):
                draw.line([(cx - radius, cy - side * radius), (cx + radius, cy + side * radius)], fill=pen, width=4)
    return np.asarray(image), box


@pytest.mark.parametrize(("marks", "value", "doubt"), [
    ({"B": ("fill", 30)}, "B", ""),
    ({"D": ("cross", 40)}, "D", ""),
    ({}, "", ""),
    ({"A": ("fill", 30), "C": ("cross", 40)}, "", "two answers: A and C"),
])
def test_a_letter_is_the_circle_filled_or_crossed(marks: dict[str, tuple[str, int]], value: str, doubt: str) -> None:
    reading = read_letter(*_letter_box(marks))
    assert (reading.value, reading.doubt, reading.confidence) == (value, doubt, 1.0)


def test_a_faint_smudge_in_a_circle_is_not_sure() -> None:
    reading = read_letter(*_letter_box({"C": ("fill", 205)}))
    assert reading.confidence < 0.5


def test_a_students_own_exam_without_combs_in_any_page_order(tmp_path: Path) -> None:
    """Numbers written in a row in plain boxes (minus signs, decimal points) are cut apart and read; the pages, fed
    last first, still make one paper, its student named by the codes."""
    exam = print_exam(tmp_path / "printed", scan=False, forms=None, students=2)
    digits, rng = DigitPool(seed=7), random.Random(7)
    truth = written_answers(key_variants(exam / "key" / "s2025002.json"), layout(exam, "s2025002"), 3, 0.5)
    pages = []
    for page, page_layout in pages_of(exam, "s2025002"):
        fill_page(page, page_layout, truth, digits, rng)
        pages.append(scanned(page, rng.uniform(-2, 2), len(pages)))
    scan = to_pdf(pages[::-1], tmp_path / "scan.pdf")
    folder = load_exam(exam)
    classifier = DigitClassifier.load()
    run = read_scans([scan], folder, SECRET_FILE.read_bytes().strip(), classifier, classifier.threshold)
    settle(run, folder)
    assert run.problems == [] and [paper.student for paper in run.papers] == ["s2025002"]
    numbers = [box for box in run.papers[0].boxes if box.holds == "number" and truth.get(box.column)]
    wrong = [(box.column, box.value, truth[box.column]) for box in numbers
             if not box.needs_review(run.threshold) and not same_reading(box.value, truth[box.column])]
    assert wrong == []
    assert sum(not box.needs_review(run.threshold) for box in numbers) >= len(numbers) / 2
    assert any("-" in truth[box.column] for box in numbers)  # the test writes minus signs ...
    letters = [box for box in run.papers[0].boxes if box.holds == "letter"]
    assert letters and all(box.value == truth[box.column] for box in letters)
