"""Simulated scans of filled paper exams: known answers written into a printed exam as a student's pen would, then
passed through a simulated department scanner, so `cnnlab scan` is tested and measured against answers we know.

`fill_exam` renders each page of an exam PDF (pypdfium2, the reader's own rasteriser) and writes the answers at the
boxes its layout JSON (EXAMDIR/layout/<who>.json) records: held-out handwritten digits (grader/scan/digit_data.py,
never trained on) one per comb cell or in a row inside a plain box, a minus sign and a decimal point where needed,
a filled, crossed or ticked circle for a letter, a few lines of handwritten code in a code area, and the student id
in a form's id comb. `scan` then skews, scales, shifts, tints, blurs and adds noise and JPEG artefacts to every page,
and can turn one upside down, drop one, scan one twice and add a blank duplex back. `to_pdf` and `to_files` write
what a scanner would hand over: one multi-page PDF, or PNG, JPEG or TIFF files.
"""

from __future__ import annotations

import io
import json
import math
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pypdfium2 as pdfium
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from grader.scan.digit_data import font_faces, held_out_digits

POINT = 72.0  # PDF points per inch
PENS = ((25, 25, 35), (30, 45, 150), (20, 30, 90), (60, 90, 200))  # black, blue, dark blue, light blue: RGB
POOL_BATCH = 600  # held-out digits drawn at a time; a digit's supply is topped up when it runs out
POOL_SEEDS = 1_000_000  # the pools' held-out draws start here, far from the draws the trainer calibrates its
# threshold on and reports (grader/scan/train_digits.py: seeds 1 and 2), so no simulated page reuses them
PRINTED_INSET_MM = 7  # the registration marks' outer edges: a page's print lies this far inside its edges
NOISE_FLOOR = 0.07  # ink below this share of the paper's brightness in a held-out crop is its paper's grain
CODE_LINES = ("def conv2d(x, w, b, stride, pad):", "    n, c, h, wd = x.shape", "    f, _, k, _ = w.shape",
              "    x = np.pad(x, pad)", "    out = np.zeros((n, f, ho, wo))", "    for i in range(ho):",
              "        for j in range(wo):", "            out[:, :, i, j] = ...", "    return out + b")


@dataclass
class Pen:
    """One student's pen: its ink colour and stroke width in pixels."""

    colour: tuple[int, int, int]
    width: int


class DigitPool:
    """Held-out digit crops by label, handed out in order so that no crop is written twice."""

    def __init__(self, seed: int) -> None:
        """An empty pool; `seed` fixes the held-out draws it makes."""
        self.seed, self.batches = seed, 0
        self.crops: dict[int, list[np.ndarray]] = {digit: [] for digit in range(10)}

    def take(self, digit: int) -> np.ndarray:
        """A fresh crop (uint8 40x40, white paper) of a written digit."""
        while not self.crops[digit]:
            crops, labels = held_out_digits(POOL_BATCH, seed=POOL_SEEDS + self.seed * 1000 + self.batches)
            self.batches += 1
            for crop, label in zip(crops, labels):
                self.crops[int(label)].append(crop)
        return self.crops[digit].pop()


def render_pdf(pdf: Path | bytes, dpi: int) -> list[Image.Image]:
    """Every page of a PDF as an RGB image at `dpi`."""
    document = pdfium.PdfDocument(pdf)
    try:
        return [document[index].render(scale=dpi / POINT).to_pil().convert("RGB") for index in range(len(document))]
    finally:
        document.close()


def ink_of(crop: np.ndarray) -> np.ndarray:
    """A held-out crop's ink as alpha in [0, 1]: darkness under its own paper relative to its darkest strokes (the
    student's pen sets the shade), the paper's grain and any printed cell border (a full line at an edge) removed."""
    pixels = crop.astype(np.float32)
    paper = float(np.percentile(pixels, 90))
    ink = np.clip((paper - pixels) / max(paper, 1.0), 0.0, 1.0)
    ink = np.clip((ink - NOISE_FLOOR) / max(float(np.percentile(ink, 99)) - NOISE_FLOOR, 0.2), 0.0, 1.0)
    for edge in (slice(0, 3), slice(-3, None)):
        ink[edge, :][(ink[edge, :] > 0.25).mean(axis=1) > 0.8] = 0.0
        ink[:, edge][:, (ink[:, edge] > 0.25).mean(axis=0) > 0.8] = 0.0
    return ink


def _blend(page: Image.Image, alpha: np.ndarray, left: int, top: int, pen: Pen) -> None:
    """Lay ink of the given alpha onto the page at (left, top), as a pen's ink darkens paper."""
    height, width = alpha.shape
    left, top = max(left, 0), max(top, 0)
    box = (left, top, min(left + width, page.width), min(top + height, page.height))
    alpha = alpha[:box[3] - top, :box[2] - left]
    under = np.asarray(page.crop(box), dtype=np.float32)
    colour = np.asarray(pen.colour, dtype=np.float32)
    mixed = under * (1 - alpha[..., None]) + colour * alpha[..., None]
    page.paste(Image.fromarray(np.rint(mixed).astype(np.uint8), "RGB"), box[:2])


def _write_digit(page: Image.Image, crop: np.ndarray, area: tuple[float, float, float, float], pen: Pen,
                 rng: random.Random) -> None:
    """A held-out digit written inside an area (pixels: x, y, w, h): its strokes scaled to most of the area's height
    (a narrow area narrows it), placed anywhere the area leaves room, as a hand writes."""
    x, y, w, h = area
    alpha = ink_of(crop)
    rows, columns = np.flatnonzero(alpha.max(axis=1) > 0.2), np.flatnonzero(alpha.max(axis=0) > 0.2)
    if len(rows):
        alpha = alpha[rows[0]:rows[-1] + 1, columns[0]:columns[-1] + 1]
    scale = min(h * rng.uniform(0.65, 1.0) / alpha.shape[0], w / alpha.shape[1])
    width, height = max(3, round(alpha.shape[1] * scale)), max(3, round(alpha.shape[0] * scale))
    resized = np.asarray(Image.fromarray(alpha, "F").resize((width, height), Image.Resampling.BILINEAR))
    left = x + (w - width) * rng.uniform(0.2, 0.8)
    top = y + (h - height) * rng.uniform(0.2, 0.8)
    _blend(page, np.clip(resized, 0.0, 1.0), round(left), round(top), pen)


def _stroke(page: Image.Image, points: Sequence[tuple[float, float]], pen: Pen, width: int | None = None) -> None:
    """A pen stroke through points (pixels), with rounded joints."""
    draw = ImageDraw.Draw(page)
    draw.line([tuple(map(round, point)) for point in points], fill=pen.colour, width=width or pen.width,
              joint="curve")
    for point in (points[0], points[-1]):
        radius = (width or pen.width) / 2
        draw.ellipse((point[0] - radius, point[1] - radius, point[0] + radius, point[1] + radius), fill=pen.colour)


def _minus(page: Image.Image, area: tuple[float, float, float, float], pen: Pen, rng: random.Random) -> None:
    """A handwritten minus sign across the middle of an area."""
    x, y, w, h = area
    middle = y + h * rng.uniform(0.45, 0.58)
    slope = rng.uniform(-0.08, 0.08) * w
    _stroke(page, [(x + w * rng.uniform(0.15, 0.3), middle + slope), (x + w * rng.uniform(0.7, 0.85), middle - slope)],
            pen)


def _dot(page: Image.Image, centre: tuple[float, float], pen: Pen) -> None:
    """A decimal point: a pen's dot."""
    radius = pen.width * 0.8
    ImageDraw.Draw(page).ellipse((centre[0] - radius, centre[1] - radius, centre[0] + radius, centre[1] + radius),
                                 fill=pen.colour)


def comb_cells(text: str, chars: Sequence[str], left_aligned: bool) -> dict[int, str]:
    """Which cell of a comb each character of a written number goes into: the sign in the sign cell, the whole part
    up against the printed point (or right-aligned, or left-aligned when there is no point), decimals after it."""
    sign = text.startswith("-")
    whole, _, fraction = text.lstrip("-").partition(".")
    point = chars.index("point") if "point" in chars else len(chars)
    wholes = [index for index in range(point) if chars[index] == "digit"]
    decimals = [index for index in range(point + 1, len(chars)) if chars[index] == "digit"]
    if (len(whole) > len(wholes) or len(fraction) > len(decimals) or (sign and "sign" not in chars)
            or not whole.isdigit() or not (fraction.isdigit() or not fraction)):
        raise ValueError(f"{text!r} does not fit a comb of cells {'/'.join(chars)}")
    at_left = left_aligned and point == len(chars)  # a point fixes where the whole part ends
    placed = dict(zip(wholes[:len(whole)] if at_left else wholes[len(wholes) - len(whole):], whole))
    placed.update(zip(decimals, fraction))
    if sign:
        placed[chars.index("sign")] = "-"
    return placed


def _write_comb(page: Image.Image, box: Mapping[str, Any], text: str, scale: float, pen: Pen, pool: DigitPool,
                rng: random.Random) -> None:
    """A number written one character per comb cell."""
    for index, char in comb_cells(text, box["chars"], rng.random() < 0.3).items():
        x, y, w, h = (value * scale for value in box["cells"][index])
        inner = (x + 0.12 * w, y + 0.08 * h, 0.76 * w, 0.84 * h)
        if char == "-":
            _minus(page, inner, pen, rng)
        else:
            _write_digit(page, pool.take(int(char)), inner, pen, rng)


def _write_row(page: Image.Image, box: Mapping[str, Any], text: str, scale: float, pen: Pen, pool: DigitPool,
               rng: random.Random) -> None:
    """A number written in a row inside a plain box (no comb): digits, a leading minus, a decimal point."""
    x, y, w, h = (box[key] * scale for key in ("x", "y", "w", "h"))
    height = h * 0.72
    widths = [height * (0.3 if char == "." else 0.65) for char in text]
    shrink = min(1.0, w * 0.88 / sum(widths))
    widths = [width * shrink for width in widths]
    left = x + (w - sum(widths)) / 2
    top = y + (h - height * max(shrink, 0.7)) / 2
    for char, width in zip(text, widths):
        cell = (left, top, width, height * max(shrink, 0.7))
        if char == "-":
            _minus(page, cell, pen, rng)
        elif char == ".":
            _dot(page, (left + width / 2, top + cell[3] * 0.9), pen)
        else:
            _write_digit(page, pool.take(int(char)), cell, pen, rng)
        left += width


def _mark_circle(page: Image.Image, circle: Sequence[float], scale: float, pen: Pen, rng: random.Random) -> None:
    """A letter chosen as students mark one: a filled circle (most), a cross through it, or a tick over it."""
    cx, cy, radius = (value * scale for value in circle)
    style = rng.choices(("filled", "cross", "tick"), weights=(6, 2, 2))[0]
    if style == "filled":
        corners = 24
        blob = [(cx + math.cos(2 * math.pi * i / corners) * radius * rng.uniform(0.85, 1.08) + rng.uniform(-1, 1),
                 cy + math.sin(2 * math.pi * i / corners) * radius * rng.uniform(0.85, 1.08)) for i in range(corners)]
        ImageDraw.Draw(page).polygon(blob, fill=pen.colour)
    elif style == "cross":
        for angle in (45 + rng.uniform(-12, 12), 135 + rng.uniform(-12, 12)):
            dx, dy = math.cos(math.radians(angle)) * radius * 1.2, math.sin(math.radians(angle)) * radius * 1.2
            _stroke(page, [(cx - dx, cy - dy), (cx + dx, cy + dy)], pen)
    else:
        size = rng.uniform(1.0, 1.3)
        _stroke(page, [(cx - 0.9 * radius * size, cy - 0.1 * radius * size), (cx - 0.2 * radius * size,
                        cy + 0.8 * radius * size), (cx + 1.3 * radius * size, cy - 1.4 * radius * size)], pen)


@lru_cache(maxsize=1)
def _code_font(size: int) -> ImageFont.FreeTypeFont:
    """A handwriting face for code written in a code area."""
    return ImageFont.truetype(str(font_faces()[0]), size)


def _write_code(page: Image.Image, box: Mapping[str, Any], scale: float, pen: Pen, rng: random.Random) -> None:
    """A few lines of handwritten code at the top of a code area (never read: its crop goes to the marker)."""
    x, y, w, h = (box[key] * scale for key in ("x", "y", "w", "h"))
    size = max(10, round(14 * scale))
    draw = ImageDraw.Draw(page)
    lines = CODE_LINES[:rng.randint(4, len(CODE_LINES))]
    for number, line in enumerate(lines):
        top = y + size * 0.6 + number * size * 1.6
        if top + size > y + h:
            break
        draw.text((x + size * 0.5 + rng.uniform(0, size * 0.3), top), line, font=_code_font(size), fill=pen.colour)


def fill_exam(exam_pdf: Path | bytes, layout_json: Path | Mapping[str, Any], answers: Mapping[str, str],
              student_id: str, seed: int, *, dpi: int = 200, pool: DigitPool | None = None) -> list[Image.Image]:
    """Each page of an exam at `dpi`, with the answers (marks-sheet column -> text as written: '120', '-0.25', 'B';
    '' or absent: left empty) written at their boxes, code written in code areas whose column has an answer, and
    the student id's digits in a form's id comb. `pool` shares held-out digits across a class (none written twice)."""
    layout = json.loads(Path(layout_json).read_text("utf-8")) if isinstance(layout_json, Path) else layout_json
    rng = random.Random(seed)
    pool = pool or DigitPool(seed)
    pen = Pen(rng.choice(PENS), max(2, round(dpi / 200 * rng.uniform(2.5, 4.0))))
    pages = render_pdf(exam_pdf, dpi)
    scale = dpi / POINT
    for recorded in layout["pages"]:
        page = pages[recorded["page"] - 1]
        for box in recorded["boxes"]:
            text = student_id_digits(box, student_id) if box["holds"] == "id" else answers.get(box["column"], "")
            if not text:
                continue
            if box["holds"] == "letter":
                _mark_circle(page, box["circles"][box["options"].index(text)], scale, pen, rng)
            elif box["holds"] == "code":
                _write_code(page, box, scale, pen, rng)
            elif "cells" in box:
                _write_comb(page, box, text, scale, pen, pool, rng)
            else:
                _write_row(page, box, text, scale, pen, pool, rng)
    return pages


def student_id_digits(box: Mapping[str, Any], student_id: str) -> str:
    """The digits a student writes in the id comb: their id without the printed letters before the cells."""
    prefix = box.get("prefix", "")
    if not student_id.startswith(prefix):
        raise ValueError(f"student id {student_id!r} does not start with the comb's printed letters {prefix!r}")
    return student_id[len(prefix):]


@dataclass(frozen=True)
class Defects:
    """What goes wrong while a pile is scanned, by page index in the pile (None: nothing of that kind)."""

    upside_down: int | None = None  # fed the wrong way round: the page comes out turned by 180 degrees
    drop: int | None = None  # never scanned (stuck to the page before it)
    duplicate: int | None = None  # scanned twice (a re-feed): a second, slightly different image of it
    blank_after: int | None = None  # a duplex scan's blank back page, after this page


def scan(pages: Sequence[Image.Image], seed: int, defects: Defects = Defects(), *, dpi: int = 200,
         colour: bool | None = None) -> list[Image.Image]:
    """The pile as a department scanner returns it: every page a little rotated (up to 3 degrees), scaled (2%) and
    shifted (a few mm), greyscale or colour (`colour`; None: chosen by the seed), tinted, blurred, noisy and
    JPEG-compressed, with the defects applied. The pages keep their pixel size (`dpi`: the pages' resolution)."""
    rng = random.Random(seed)
    colour = rng.random() < 0.5 if colour is None else colour
    scanned: list[Image.Image] = []
    for index, page in enumerate(pages):
        if index == defects.drop:
            continue
        for _ in range(2 if index == defects.duplicate else 1):
            image = scanned_page(page, rng, colour, dpi)
            scanned.append(image.rotate(180) if index == defects.upside_down else image)
        if index == defects.blank_after:
            scanned.append(scanned_page(Image.new("RGB", page.size, "white"), rng, colour, dpi))
    return scanned


def _placement(size: tuple[int, int], dpi: int, rng: random.Random) -> tuple[float, ...]:
    """How the sheet lay on the scanner glass: rotated up to 3 degrees, scaled 2%, shifted up to 4 mm, redrawn
    until its printed area (PRINTED_INSET_MM in from each edge) lies within the scan, as a feeder's guides keep
    it. Returned as Pillow's inverse affine map: scan pixel -> page pixel."""
    width, height = size
    cx, cy = width / 2, height / 2
    inset, margin = PRINTED_INSET_MM / 25.4 * dpi, dpi / 25.4
    while True:
        angle, zoom = math.radians(rng.uniform(-3, 3)), rng.uniform(0.98, 1.02)
        dx, dy = (rng.uniform(-4, 4) / 25.4 * dpi for _ in range(2))
        cos, sin = math.cos(angle), math.sin(angle)
        corners = [(x - cx, y - cy) for x in (inset, width - inset) for y in (inset, height - inset)]
        placed = [(zoom * (cos * x - sin * y) + cx + dx, zoom * (sin * x + cos * y) + cy + dy) for x, y in corners]
        if all(margin <= x <= width - margin and margin <= y <= height - margin for x, y in placed):
            break
    cos, sin = cos / zoom, sin / zoom
    ox, oy = -cx - dx, -cy - dy
    return (cos, sin, cos * ox + sin * oy + cx, -sin, cos, -sin * ox + cos * oy + cy)


def scanned_page(page: Image.Image, rng: random.Random, colour: bool, dpi: int) -> Image.Image:
    """One page through the scanner: skew, scale and shift, then paper tint, blur, noise and JPEG artefacts."""
    image = page.transform(page.size, Image.Transform.AFFINE, _placement(page.size, dpi, rng),
                           resample=Image.Resampling.BILINEAR, fillcolor=(255, 255, 255))
    image = image.filter(ImageFilter.GaussianBlur(rng.uniform(0.3, 0.8)))
    if not colour:
        image = image.convert("L")
    pixels = np.asarray(image, dtype=np.float32)
    paper, black = rng.uniform(228, 250), rng.uniform(10, 40)
    tint = np.asarray([1.0, rng.uniform(0.97, 1.0), rng.uniform(0.92, 1.0)]) if colour else 1.0
    pixels = black + pixels * np.float32((paper - black) / 255) * np.asarray(tint, dtype=np.float32)
    noise = np.random.default_rng(rng.getrandbits(32)).standard_normal(pixels.shape[:2], dtype=np.float32)
    noise *= rng.uniform(2, 6)
    pixels += noise[..., None] if colour else noise
    image = Image.fromarray(np.clip(np.rint(pixels), 0, 255).astype(np.uint8), "RGB" if colour else "L")
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=rng.randint(55, 90))
    return Image.open(io.BytesIO(buffer.getvalue())).copy()


def to_pdf(images: Sequence[Image.Image], path: Path, dpi: int = 200) -> Path:
    """The scanned pile as one multi-page PDF at the scan's resolution (so its pages are A4), as a scanner sends."""
    path.parent.mkdir(parents=True, exist_ok=True)
    first, *rest = images
    first.save(path, "PDF", save_all=True, append_images=rest, resolution=float(dpi))
    return path


def to_files(images: Sequence[Image.Image], folder: Path, fmt: str = "png", stem: str = "scan", dpi: int = 200
             ) -> list[Path]:
    """The scanned pile as one image file per page (png, jpeg or tiff), numbered in scan order."""
    suffix = {"png": "png", "jpeg": "jpg", "jpg": "jpg", "tiff": "tif", "tif": "tif"}.get(fmt.lower())
    if suffix is None:
        raise ValueError(f"to_files writes png, jpeg or tiff, not {fmt!r}")
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for number, image in enumerate(images, start=1):
        path = folder / f"{stem}-{number:03d}.{suffix}"
        image.save(path, dpi=(dpi, dpi), **({"quality": 90} if suffix == "jpg" else {}))
        written.append(path)
    return written
