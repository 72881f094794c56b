"""The layout `cnnlab exam` writes for reading the filled exams from their scans (EXAMDIR/layout/<who>.json): one box
per marks-sheet column, inside its page and apart from every other, registration marks in the corners and the QR
code recorded, combs (`exam: {scan: true}`) sized for the largest answer over the template's variants, byte-identical
reruns, and positions that land where the rendered page has its ink."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pypdfium2
import pytest
from pypdf import PdfReader

import cnnlab
from generator.fields import Box, boxes
from generator.kinds import answer_fields
from generator.paper.combs import part_of
from generator.paper.cover import SCAN_RULES
from generator.paper.grids import samples
from generator.paper.marks_sheet import printed_columns
from generator.rounding import asked_places, rounded_text
from generator.spec import load_spec
from grader.pipeline.answer_key import parse_key
from tests.generator.conftest import ASSIGNMENTS, TEMPLATES

SECRET = ASSIGNMENTS / "demo.secret"
QUESTIONS = "[conv-params, concept-locality, conv1d, pooling, filter-compute, lenet-table, code-conv2d]"
STUDENTS = {"s2025001": "Ada Lovelace", "s2025002": "Alan Turing", "s2025003": "Grace Hopper"}
MM = 72 / 25.4  # points per millimetre
DPI = 100


def spec_text(exam: str) -> str:
    """A small exam: a number, a letter, a row, two grids, the layer table and handwritten code."""
    return f"id: scan-check\ntitle: Scan check\ntemplates: {TEMPLATES}\nquestions: {QUESTIONS}\nexam: {exam}\n"


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The specs and the roster."""
    here = tmp_path_factory.mktemp("scan")
    (here / "scan.yaml").write_text(spec_text("{scan: true}"))
    (here / "plain.yaml").write_text(spec_text("{code: handwritten}"))
    (here / "wide-id.yaml").write_text(spec_text("{scan: true, id_digits: 9}"))
    (here / "roster.csv").write_text("student_id,name\n" + "".join(f"{s},{n}\n" for s, n in STUDENTS.items()))
    return here


def make(folder: Path, spec: str, out: Path, *more: str) -> Path:
    """`cnnlab exam` on one of the specs, on one process; the output folder."""
    assert cnnlab.main(["exam", str(folder / spec), "--roster", str(folder / "roster.csv"), "--secret-file",
                        str(SECRET), "--out", str(out), "--workers", "1", *more]) == 0
    return out


@pytest.fixture(scope="module")
def scan_forms(folder: Path) -> Path:
    return make(folder, "scan.yaml", folder / "scan-forms", "--forms", "2")


@pytest.fixture(scope="module")
def scan_own(folder: Path) -> Path:
    return make(folder, "scan.yaml", folder / "scan-own")


@pytest.fixture(scope="module")
def plain_forms(folder: Path) -> Path:
    return make(folder, "plain.yaml", folder / "plain-forms", "--forms", "2")


def layouts(out: Path) -> dict[str, dict[str, Any]]:
    """Each exam's layout, by who sits it."""
    return {path.stem: json.loads(path.read_text()) for path in sorted((out / "layout").glob("*.json"))}


def all_boxes(layout: dict[str, Any]) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
    """(page, box) for every box of a layout."""
    for page in layout["pages"]:
        for box in page["boxes"]:
            yield page, box


def marks_columns(out: Path) -> dict[str, list[str]]:
    """Who -> the answer columns of their paper, from the marks sheets (a form's header; a student's own header)."""
    found: dict[str, list[str]] = {}
    for path in sorted((out / "marks").glob("*.csv")):
        header: list[str] = []
        for row in csv.reader(path.read_text(encoding="utf-8-sig").splitlines()):
            if row[0] == "student_id":
                header = row[3:]
                if path.stem.startswith("form-"):
                    found[path.stem] = header
            elif not path.stem.startswith("form-"):
                found[row[0]] = header
    return found


def test_every_marks_sheet_column_is_exactly_one_box(scan_forms: Path, scan_own: Path, plain_forms: Path) -> None:
    for out, id_comb in ((scan_forms, True), (scan_own, False), (plain_forms, False)):
        columns, found = marks_columns(out), layouts(out)
        assert set(found) == set(columns) and len(found) in (2, 3)
        for who, layout in found.items():
            named = [box["column"] for _, box in all_boxes(layout)]
            assert sorted(named) == sorted(columns[who] + ["student_id"] * id_comb), who
            assert layout["format"] == 1 and layout["spec"] == "scan-check" and layout["who"] == who


def test_boxes_lie_inside_their_pages_and_apart(scan_forms: Path, scan_own: Path, plain_forms: Path) -> None:
    for out in (scan_forms, scan_own, plain_forms):
        for who, layout in layouts(out).items():
            for page in layout["pages"]:
                taken = [(box["column"], box["x"], box["y"], box["w"], box["h"]) for box in page["boxes"]]
                taken += [("mark", x - s / 2, y - s / 2, s, s) for x, y, s in page["marks"]]
                taken.append(("qr", *page["qr"], page["qr"][2]))
                for name, x, y, w, h in taken:
                    assert 0 <= x and x + w <= page["width"] and 0 <= y and y + h <= page["height"], (who, name)
                for index, one in enumerate(taken):
                    for other in taken[index + 1:]:
                        assert not overlap(one[1:], other[1:]), f"{who} page {page['page']}: {one} and {other}"
                for box in page["boxes"]:
                    for x, y, w, h in box.get("cells", []):
                        assert overlap((x, y, w, h), (box["x"], box["y"], box["w"], box["h"]), within=True)
                    for x, y, r in box.get("circles", []):
                        assert overlap((x - r, y - r, 2 * r, 2 * r), (box["x"], box["y"], box["w"], box["h"]),
                                       within=True)


def overlap(one: tuple[float, ...], other: tuple[float, ...], within: bool = False) -> bool:
    """Whether two rectangles (x, y, w, h) share more than half a point both ways; `within`: one lies in the other."""
    (x, y, w, h), (u, v, s, t) = one, other
    if within:
        return u - 0.01 <= x and x + w <= u + s + 0.01 and v - 0.01 <= y and y + h <= v + t + 0.01
    return min(x + w, u + s) - max(x, u) > 0.5 and min(y + h, v + t) - max(y, v) > 0.5


def test_marks_and_qr_code_lie_in_the_corners_of_every_page(scan_forms: Path, plain_forms: Path) -> None:
    for out in (scan_forms, plain_forms):
        for who, layout in layouts(out).items():
            assert len(layout["pages"]) == len(PdfReader(out / "exams" / f"{who}.pdf").pages)
            for page in layout["pages"]:
                width, height = page["width"], page["height"]
                corners = [(0, 0), (width, 0), (width, height), (0, height)]
                assert len(page["marks"]) == 4
                for (x, y, size), (cx, cy) in zip(page["marks"], corners):
                    assert size == pytest.approx(5 * MM, abs=0.01)
                    assert abs(x - cx) == pytest.approx(10 * MM, abs=0.01) and abs(y - cy) == pytest.approx(10 * MM,
                                                                                                          abs=0.01)
                x, y, size = page["qr"]
                assert size == pytest.approx(16 * MM, abs=0.01)
                assert x > width / 2 and y + size > height - 30 * MM and y + size < height - 8 * MM


def test_a_form_has_a_student_id_comb_on_its_cover(scan_forms: Path, folder: Path) -> None:
    for layout in layouts(scan_forms).values():
        ids = [box for _, box in all_boxes(layout) if box["holds"] == "id"]
        assert len(ids) == 1 and ids[0]["column"] == "student_id" and ids[0]["prefix"] == "s"
        assert ids[0]["chars"] == ["digit"] * 7 and len(ids[0]["cells"]) == 7  # s2025001: 's' and 7 digits
        assert ids[0] in layout["pages"][0]["boxes"]
    wide = layouts(make(folder, "wide-id.yaml", folder / "wide-id", "--forms", "1"))["form-A"]
    assert [len(box["cells"]) for _, box in all_boxes(wide) if box["holds"] == "id"] == [9]
    cover = PdfReader(scan_forms / "exams" / "form-A.pdf").pages[0].extract_text()
    assert " ".join(SCAN_RULES.split()[:8]) in " ".join(cover.split())


def test_combs_hold_the_largest_answer_over_the_templates_variants(scan_own: Path) -> None:
    spec = load_spec(scan_own.parent / "scan.yaml")
    found = layouts(scan_own)
    chars_by_part: dict[tuple[str, tuple[str, ...]], list[str]] = {}
    for who, layout in found.items():
        path = scan_own / "key" / f"{who}.json"
        questions = parse_key(path.read_bytes(), str(path)).questions
        by_column = {printed: (variant, box) for number, variant in enumerate(questions, start=1)
                     for box in boxes(answer_fields(variant))
                     for column, printed in printed_columns(number, variant).items() if column == box.column}
        for _, laid in all_boxes(layout):
            if laid["holds"] != "number":
                continue
            variant, box = by_column[laid["column"]]
            assert len(laid["cells"]) == len(laid["chars"])
            chars_by_part.setdefault((variant.qid, part_of(box)), []).append("".join(c[0] for c in laid["chars"]))
            assert laid["chars"] == needed(spec.templates[variant.qid], box, variant), laid["column"]
    assert all(len(set(shapes)) == 1 for shapes in chars_by_part.values())  # every student's comb alike
    assert any("s" in shape[0] for shape in chars_by_part.values())  # conv1d: a sign cell
    assert any("p" in shape[0] for shape in chars_by_part.values())  # pooling, the filter: a printed point


def needed(template: Any, box: Box, drawn: Any) -> list[str]:
    """The cells the largest answer of this box's part needs, over the template's sampled variants and this one."""
    texts = [rounded_text(b.expected, asked_places(v)) for v in (*samples(template), drawn)
             for b in boxes(answer_fields(v)) if part_of(b) == part_of(box) and b.expected is not None]
    whole = max(len(t.lstrip("-").partition(".")[0]) for t in texts)
    decimals = max(len(t.partition(".")[2]) for t in texts)
    decimals = max(decimals, asked_places(drawn) or 0) if decimals else 0
    return ["sign"] * any(t.startswith("-") for t in texts) + ["digit"] * whole + \
        (["point"] + ["digit"] * decimals if decimals else [])


def test_without_scan_the_boxes_are_recorded_plain(plain_forms: Path) -> None:
    holds: dict[str, int] = {}
    for layout in layouts(plain_forms).values():
        for _, box in all_boxes(layout):
            holds[box["holds"]] = holds.get(box["holds"], 0) + 1
            assert "cells" not in box and "chars" not in box
            if box["holds"] == "letter":
                assert box["options"] == ["A", "B", "C", "D"][:len(box["options"])] and \
                    len(box["circles"]) == len(box["options"])
    assert set(holds) == {"number", "letter", "code"} and holds["code"] == 2


def test_reruns_give_byte_identical_layouts(scan_forms: Path, folder: Path) -> None:
    again = make(folder, "scan.yaml", folder / "scan-forms-again", "--forms", "2")
    for path in sorted((scan_forms / "layout").glob("*.json")):
        assert (again / "layout" / path.name).read_bytes() == path.read_bytes()
        assert (again / "exams" / f"{path.stem}.pdf").read_bytes() == (scan_forms / "exams" / f"{path.stem}.pdf"
                                                                        ).read_bytes()


def test_the_rendered_page_has_its_ink_where_the_layout_says(scan_forms: Path) -> None:
    layout = layouts(scan_forms)["form-A"]
    page = max(layout["pages"], key=lambda p: sum("cells" in box for box in p["boxes"]))
    pdf = pypdfium2.PdfDocument(scan_forms / "exams" / "form-A.pdf")
    image = pdf[page["page"] - 1].render(scale=DPI / 72, grayscale=True).to_numpy()
    assert np.allclose(image.shape, (page["height"] * DPI / 72, page["width"] * DPI / 72), atol=1)

    def ink(x: float, y: float) -> int:
        """The darkest pixel within a pixel of a point given in PDF points (y from the top)."""
        col, row = round(x * DPI / 72), round(y * DPI / 72)
        return int(image[row - 1:row + 2, col - 1:col + 2].min())

    for x, y, size in page["marks"]:
        assert ink(x, y) < 60 and ink(x + size / 2 - 1.5, y + size / 2 - 1.5) < 60  # filled to its corner
        assert ink(x + size / 2 + 3, y) > 200  # and no further
    combs = [box for box in page["boxes"] if "cells" in box]
    assert len(combs) >= 5
    for box in combs:
        for (x, y, w, h), char in zip(box["cells"], box["chars"]):
            if char == "point":
                assert ink(x + w / 2, y + h - 2 * MM + 0.5 * MM) < 100  # the printed point
                continue
            edges = [(x, y + h * f) for f in (0.25, 0.5, 0.75)] + [(x + w, y + h * f) for f in (0.25, 0.5, 0.75)]
            edges += [(x + w * f, y) for f in (0.25, 0.5, 0.75)] + [(x + w * f, y + h) for f in (0.25, 0.5, 0.75)]
            assert all(ink(ex, ey) < 140 for ex, ey in edges), (box["column"], char)
            assert ink(x + w / 2, y + h / 2) > 200  # an empty cell
    x, y, size = page["qr"]
    corner = image[round(y * DPI / 72):round((y + size) * DPI / 72), round(x * DPI / 72):round((x + size) * DPI / 72)]
    assert corner.min() < 60 and np.mean(corner < 128) > 0.3  # the code fills its square


def test_scan_settings_are_checked(write_yaml: Callable[[str, str], Path]) -> None:
    for exam, message in (("{scan: yes please}", "scan must be true or false"),
                          ("{scan: true, id_digits: 0}", "id_digits must be a whole number from 1 to 20, got 0"),
                          ("{id_digits: 8}", "id_digits sizes the student-id comb of a scanned exam; add scan: true")):
        path = write_yaml("bad.yaml", spec_text(exam))
        with pytest.raises(ValueError, match=message) as error:
            load_spec(path)
        assert str(error.value).startswith(f"{path}:5: ")


def test_a_roster_the_id_comb_cannot_hold_is_refused(folder: Path, tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "narrow-id.yaml").write_text(spec_text("{scan: true, id_digits: 6}"))
    for spec, ids, message in (
            (folder / "scan.yaml", ["s2025001", "s20x5"], "the roster's id 's20x5' is not letters followed by digits"),
            (folder / "scan.yaml", ["s2025001", "t2025002"],
             "the roster's ids start with different letters ('s', 't')"),
            (tmp_path / "narrow-id.yaml", ["s2025001"], "exam: id_digits is 6, but the roster has an id of 7 digits")):
        roster = tmp_path / "roster.csv"
        roster.write_text("student_id,name\n" + "".join(f"{i},Someone\n" for i in ids))
        assert cnnlab.main(["exam", str(spec), "--roster", str(roster), "--secret-file", str(SECRET),
                            "--out", str(tmp_path / "out"), "--workers", "1", "--forms", "2"]) == 2
        assert message in capsys.readouterr().err
