"""A small filler for the reader's tests: a printed exam's pages rendered, answers written at the layout's boxes
(held-out digits in comb cells or in a row in a plain box, a minus, a filled or crossed circle), and a light
scanner's touch (a 2 degree turn, noise). tests/support/scans.py is the full simulator and benchmark (its digit pool
and renderer serve here too); this stays small on purpose, to test the reader case by case.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageDraw

from cnnlab import main as cnnlab_main
from grader.scan.pages import DPI
from tests.generator.conftest import ASSIGNMENTS, TEMPLATES
from tests.support.scans import DigitPool, render_pdf

SCALE = DPI / 72  # pixels per point of the rendered pages
SECRET_FILE = ASSIGNMENTS / "demo.secret"
QUESTIONS = "[conv-params, concept-locality, conv1d, filter-compute, code-conv2d]"  # numbers, signs, decimals, a
# letter and handwritten code in three pages after the cover


def print_exam(out: Path, scan: bool, forms: int | None, students: int) -> Path:
    """A small exam printed by `cnnlab exam` for the first students of the bundled roster; returns its folder."""
    out.mkdir(parents=True)
    (out / "spec.yaml").write_text(f"id: scan-test\ntitle: Scan test\ntemplates: {TEMPLATES}\nquestions: "
                                   f"{QUESTIONS}\nexam: {{scan: {str(scan).lower()}, code: handwritten}}\n")
    roster = (ASSIGNMENTS / "roster.csv").read_text().splitlines()[:students + 1]
    (out / "roster.csv").write_text("\n".join(roster) + "\n")
    forms_option = ["--forms", str(forms)] if forms else []
    code = cnnlab_main(["exam", str(out / "spec.yaml"), "--roster", str(out / "roster.csv"), "--secret-file",
                        str(SECRET_FILE), "--out", str(out / "exam"), "--workers", "1", *forms_option])
    assert code == 0
    return out / "exam"


def layout(exam: Path, who: str) -> dict[str, Any]:
    """A paper's layout JSON."""
    return json.loads((exam / "layout" / f"{who}.json").read_text())


def _px(value: float) -> int:
    """Points to pixels."""
    return round(value * SCALE)


def write_digit(page: Image.Image, crop: np.ndarray, area: tuple[float, float, float, float]) -> None:
    """A handwritten digit crop written into an area (points) as a pen would: its ink only, darkening the paper."""
    x, y, w, h = area
    paper = float(np.percentile(crop, 90))
    ink = np.clip((paper - crop.astype(np.float32)) / max(paper, 1.0), 0, 1)
    side = _px(min(w, h) * 0.85)
    glyph = np.asarray(Image.fromarray((ink * 255).astype(np.uint8)).resize((side, side), Image.Resampling.BILINEAR))
    left, top = _px(x + w / 2) - side // 2, _px(y + h / 2) - side // 2
    region = np.asarray(page.crop((left, top, left + side, top + side)), dtype=np.float32)
    page.paste(Image.fromarray((region * (1 - glyph / 255 * 0.9)).astype(np.uint8)), (left, top))


def write_minus(page: Image.Image, area: tuple[float, float, float, float]) -> None:
    """A minus sign across the middle of an area."""
    x, y, w, h = area
    ImageDraw.Draw(page).line([(_px(x + w * 0.25), _px(y + h / 2)), (_px(x + w * 0.75), _px(y + h / 2))], fill=30,
                              width=4)


def mark_circle(page: Image.Image, circle: list[float], how: str) -> None:
    """A letter's circle filled, or crossed out with an X."""
    x, y, r = circle
    draw = ImageDraw.Draw(page)
    if how == "fill":
        draw.ellipse([_px(x - r * 0.85), _px(y - r * 0.85), _px(x + r * 0.85), _px(y + r * 0.85)], fill=40)
    else:
        for sign in (1, -1):
            draw.line([(_px(x - r), _px(y - sign * r)), (_px(x + r), _px(y + sign * r))], fill=40, width=4)


def write_number(page: Image.Image, box: Mapping[str, Any], text: str, digits: DigitPool) -> None:
    """A number into its box: one character per comb cell (right-aligned before the point), or in a row."""
    if "cells" not in box:
        width = min(box["h"] * 0.7, (box["w"] - 6) / len(text))
        for i, char in enumerate(text):
            area = (box["x"] + 3 + i * width, box["y"] + 2, width, box["h"] - 4)
            if char == "-":
                write_minus(page, area)
            elif char == ".":
                ImageDraw.Draw(page).ellipse([_px(area[0] + width / 2 - 1.2), _px(area[1] + area[3] - 4),
                                              _px(area[0] + width / 2 + 1.2), _px(area[1] + area[3] - 1.6)], fill=30)
            else:
                write_digit(page, digits.take(int(char)), area)
        return
    chars, cells = box["chars"], box["cells"]
    negative, body = text.startswith("-"), text.lstrip("-")
    whole, _, decimals = body.partition(".")
    point = chars.index("point") if "point" in chars else len(chars)
    whole_cells = [i for i in range(point) if chars[i] == "digit"]
    placed = dict(zip(whole_cells[len(whole_cells) - len(whole):], whole))
    placed |= dict(zip(range(point + 1, point + 1 + len(decimals)), decimals))
    for i, char in placed.items():
        write_digit(page, digits.take(int(char)), tuple(cells[i]))
    if negative:
        write_minus(page, tuple(cells[chars.index("sign")]))


def fill_page(page: Image.Image, page_layout: Mapping[str, Any], answers: Mapping[str, str], digits: DigitPool,
              rng: random.Random) -> None:
    """Every box of the page that has an answer written in (a letter's circle filled or crossed at random; 'A+C':
    two circles); code areas are left to the marker."""
    for box in page_layout["boxes"]:
        answer = answers.get(box["column"], "")
        if not answer:
            continue
        if box["holds"] == "letter":
            for option in answer.split("+"):
                mark_circle(page, box["circles"][box["options"].index(option)], rng.choice(("fill", "cross")))
        elif box["holds"] in ("number", "id"):
            write_number(page, box, answer.removeprefix(box.get("prefix", "")), digits)


def scanned(page: Image.Image, angle: float, seed: int) -> Image.Image:
    """A page as a scanner gives it back: turned a little, with sensor noise."""
    turned = page.rotate(angle, resample=Image.Resampling.BICUBIC, fillcolor=250)
    noise = np.random.default_rng(seed).normal(0, 5, (turned.height, turned.width))
    return Image.fromarray(np.clip(np.asarray(turned, dtype=np.float32) + noise, 0, 255).astype(np.uint8))


def blank_qr(page: Image.Image, page_layout: Mapping[str, Any]) -> None:
    """The page's QR code covered (a coffee stain, a torn corner)."""
    x, y, size = page_layout["qr"]
    ImageDraw.Draw(page).rectangle([_px(x), _px(y), _px(x + size), _px(y + size)], fill=255)


def to_pdf(pages: list[Image.Image], path: Path) -> Path:
    """Pages saved as one PDF, as a scanner's batch."""
    pages[0].save(path, save_all=True, append_images=pages[1:], resolution=DPI)
    return path


def pages_of(exam: Path, who: str) -> Iterator[tuple[Image.Image, dict[str, Any]]]:
    """A paper's rendered pages with their layouts."""
    pages = [page.convert("L") for page in render_pdf(exam / "exams" / f"{who}.pdf", DPI)]
    yield from zip(pages, layout(exam, who)["pages"])
