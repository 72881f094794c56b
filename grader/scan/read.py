"""What a box holds, read from its crop: the circle filled among a letter's options, or the number written in it.

Letters: the ink in the inner disc of each option's circle, against the paper around the box; a circle that is
neither clearly empty nor clearly marked lowers the box's confidence, two marked circles are "two answers".
Numbers are written left to right as tokens, then spelled out once the digit network has read every digit of the
page in one batch (`spell`): on a comb each cell is one token (blank, a digit, the sign cell's minus, the printed
point); without a comb the box's ink is cut into connected strokes, each a digit, a minus or a decimal point.
A box's confidence is its least confident digit's (as the digits' threshold is calibrated, grader/scan/digit_quality);
a doubt says why a reading must be checked by a person whatever its confidence.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import ndimage

from grader.scan.align import CROP_SCALE
from grader.scan.digits import SIDE, is_blank, to_cell_image, written_cell

MARGIN_PT = 3.0  # every box is cut with this much paper around it: the crop a person sees, and the paper level
CELL_INSET_PT = 1.0  # a comb cell is read this far inside its edges: its printed border (0.6 pt, centred on the edge)
# left out with room for a scan's blur and the fit's residual, so a border is never taken for a minus or a stroke
INNER_DISC = 0.7  # a circle's ink is measured inside this share of its radius, clear of its printed outline
LETTER_INK = 0.12  # mean ink (share of full black) at which a circle counts as filled or crossed
LETTER_MARGIN = 0.06  # a circle this far from LETTER_INK either way is certain; nearer, the box is less sure
PAPER_PERCENTILE = 90  # the paper's grey level: most of a box's surroundings are blank paper
MINUS_MAX_HEIGHT = 0.4  # a minus is a stroke at most this share of its length high (in the 28x28 cell image) ...
MINUS_BAND = 0.2  # ... whose ink lies, on average, at least this share of the cell's height from its top and bottom
BOX_INSET_PT = 1.5  # a box without comb is read inside its printed border (0.6 pt) with this much to spare
STROKE_INK = 0.25  # ink darker than the paper by this share of full scale is a pen stroke, in a box without comb
SPECK_PIXELS = 6  # a connected blot smaller than this is dust, not writing
DOT_SIZE = 0.22  # a blot no larger than this share of the box's height, low in the box, is a decimal point
MINUS_HEIGHT = 0.2  # a blot no higher than this share of the box's height and twice as wide is a minus
SAME_DIGIT = 0.5  # strokes overlapping by this share of the narrower's width belong to one digit (a 5's flag)
TOUCHING = 1.25  # a blot wider than this many times its height holds more than one digit: read by a person
CANVAS = 1.6  # a segmented digit is set on blank paper this many times its larger side, as a comb cell holds it

Token = str | np.ndarray  # " " a blank cell, "-" a minus, "?" a mark that is no minus, "." the point, or a digit


@dataclass(frozen=True)
class Reading:
    """What was read: the value as the marks sheet takes it ('' when blank), how sure, and any doubt ('' if none)."""

    value: str
    confidence: float
    doubt: str = ""


@dataclass(frozen=True)
class Written:
    """A number box as written, before its digits are read: its tokens and a doubt found on the way."""

    tokens: tuple[Token, ...]
    doubt: str = ""

    def images(self) -> list[np.ndarray]:
        """The 28x28 images of its digits, left to right."""
        return [token for token in self.tokens if isinstance(token, np.ndarray)]


def paper_level(crop: np.ndarray) -> float:
    """The grey level of the blank paper in a crop of a box and its surroundings."""
    return float(np.percentile(crop, PAPER_PERCENTILE))


def read_letter(crop: np.ndarray, box: dict[str, Any]) -> Reading:
    """The option whose circle is filled or crossed, from the crop of the box cut with MARGIN_PT around it."""
    paper = paper_level(crop)
    ink = np.clip(paper - crop.astype(np.float32), 0, None) / 255
    rows, columns = np.indices(crop.shape)
    marked, sureness = [], []
    for option, (x, y, r) in zip(box["options"], box["circles"]):
        centre_x, centre_y = (x - box["x"] + MARGIN_PT) * CROP_SCALE, (y - box["y"] + MARGIN_PT) * CROP_SCALE
        inside = (columns + 0.5 - centre_x) ** 2 + (rows + 0.5 - centre_y) ** 2 <= (INNER_DISC * r * CROP_SCALE) ** 2
        level = float(ink[inside].mean()) if inside.any() else 0.0
        if level >= LETTER_INK:
            marked.append(option)
        sureness.append(min(1.0, abs(level - LETTER_INK) / LETTER_MARGIN))
    confidence = round(min(sureness, default=1.0), 4)
    if len(marked) > 1:
        return Reading("", confidence, f"two answers: {' and '.join(marked)}")
    return Reading(marked[0] if marked else "", confidence)


def _cell(crop: np.ndarray, box: dict[str, Any], cell: list[float]) -> np.ndarray:
    """One comb cell's pixels from the crop of its box, inside its printed border."""
    x, y, w, h = cell[0] + CELL_INSET_PT, cell[1] + CELL_INSET_PT, cell[2] - 2 * CELL_INSET_PT, \
        cell[3] - 2 * CELL_INSET_PT
    left, top = round((x - box["x"] + MARGIN_PT) * CROP_SCALE), round((y - box["y"] + MARGIN_PT) * CROP_SCALE)
    return crop[top:top + round(h * CROP_SCALE), left:left + round(w * CROP_SCALE)]


def _is_minus(pixels: np.ndarray) -> bool:
    """Whether a sign cell holds a horizontal stroke and nothing else, across its middle (a stroke along its top or
    bottom edge may be a printed border: a person looks)."""
    image = to_cell_image(pixels)
    rows, columns = np.flatnonzero(image.max(axis=1) > 0.3), np.flatnonzero(image.max(axis=0) > 0.3)
    if len(rows) == 0 or (rows[-1] - rows[0] + 1) > MINUS_MAX_HEIGHT * (columns[-1] - columns[0] + 1):
        return False
    ink = np.clip(paper_level(pixels) - pixels.astype(np.float32), 0, None)
    middle = float((ink.sum(axis=1) * np.arange(len(ink))).sum() / max(float(ink.sum()), 1e-6)) / len(ink)
    return MINUS_BAND <= middle <= 1 - MINUS_BAND


def comb_tokens(crop: np.ndarray, box: dict[str, Any]) -> Written:
    """A comb's cells as tokens: blank, a digit's image, the sign cell's minus (or '?'), the printed point (the
    student-id comb too: digit cells only, the roster's letters printed before them)."""
    tokens: list[Token] = []
    for char, cell in zip(box["chars"], box["cells"]):
        if char == "point":
            tokens.append(".")
            continue
        pixels = _cell(crop, box, cell)
        if char == "sign":
            tokens.append(" " if is_blank(pixels) else "-" if _is_minus(pixels) else "?")
            continue
        image = written_cell(pixels)
        tokens.append(" " if image is None else image)
    return Written(tuple(tokens))


def _groups(labels: np.ndarray, count: int) -> list[list[int]]:
    """Connected blots (labels 1..count) joined into characters: blots that overlap left to right are one."""
    spans = ndimage.find_objects(labels)
    order = sorted((i for i in range(count) if (labels[spans[i]] == i + 1).sum() >= SPECK_PIXELS),
                   key=lambda i: spans[i][1].start)
    groups: list[list[int]] = []
    for i in order:
        start, stop = spans[i][1].start, spans[i][1].stop
        if groups:
            last_start = min(spans[j][1].start for j in groups[-1])
            last_stop = max(spans[j][1].stop for j in groups[-1])
            overlap = min(stop, last_stop) - max(start, last_start)
            if overlap >= SAME_DIGIT * min(stop - start, last_stop - last_start):
                groups[-1].append(i)
                continue
        groups.append([i])
    return groups


def _on_canvas(pixels: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """A character's own pixels set on blank paper, square and with room around it, as a comb cell would hold it."""
    rows, columns = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    top, bottom, left, right = rows[0], rows[-1] + 1, columns[0], columns[-1] + 1
    kept = ndimage.binary_dilation(mask, iterations=1)[top:bottom, left:right]  # its grey edges too
    side = max(SIDE, round(CANVAS * max(bottom - top, right - left)))
    canvas = np.full((side, side), 255, dtype=np.uint8)
    y, x = (side - (bottom - top)) // 2, (side - (right - left)) // 2
    canvas[y:y + bottom - top, x:x + right - left] = np.where(kept, pixels[top:bottom, left:right], 255)
    return canvas


def segment_tokens(crop: np.ndarray, box: dict[str, Any]) -> Written:
    """A box without comb: its ink cut into characters left to right (a minus, a decimal point, digits)."""
    inset = round((MARGIN_PT + BOX_INSET_PT) * CROP_SCALE)
    inner = crop[inset:crop.shape[0] - inset, inset:crop.shape[1] - inset]
    paper = paper_level(crop)
    labels, count = ndimage.label((paper - inner.astype(np.float32)) / 255 > STROKE_INK, structure=np.ones((3, 3)))
    height = inner.shape[0]
    tokens: list[Token] = []
    doubt = ""
    for group in _groups(labels, count):
        mask = np.isin(labels, [i + 1 for i in group])
        rows, columns = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
        tall, wide = rows[-1] - rows[0] + 1, columns[-1] - columns[0] + 1
        if max(tall, wide) <= DOT_SIZE * height and rows[0] >= height / 2:
            tokens.append(".")
        elif tall <= MINUS_HEIGHT * height and wide >= 2 * tall:
            tokens.append("-")
        else:
            if wide > TOUCHING * tall:
                doubt = "digits written touching each other: read them here"
            tokens.append(to_cell_image(_on_canvas(inner, mask)))
    return Written(tuple(tokens), doubt)


def spell(written: Written, digits: list[tuple[int, float]]) -> Reading:
    """A number box's reading from its tokens, its digits as the network read them (in order, with confidences)."""
    text, found = [], iter(digits)
    confidence = 1.0
    for token in written.tokens:
        if isinstance(token, np.ndarray):
            digit, sureness = next(found)
            text.append(str(digit))
            confidence = min(confidence, sureness)
        else:
            text.append(token)
    value, doubt = _number("".join(text))
    return Reading(value, round(float(confidence), 4), written.doubt or doubt)


def _number(text: str) -> tuple[str, str]:
    """The number a row of characters spells (' ' a blank cell), and a doubt when it does not spell one."""
    if "?" in text:
        return "", "the sign cell holds a mark that is not a minus"
    body = text.strip(" ")
    negative = body.startswith("-")
    body = body[1:] if negative else body
    if "-" in body:
        return "", "a minus sign after the first digit"
    if body.count(".") > 1:
        return "", "two decimal points"
    whole, _, decimals = body.partition(".")
    whole, decimals = whole.strip(" "), decimals.rstrip(" ")
    if " " in whole or " " in decimals:
        return "", "a blank cell between written digits"
    if not whole and not decimals:
        return "", "a minus sign and no digits" if negative else ""
    return f"{'-' if negative else ''}{whole or '0'}{'.' + decimals if decimals else ''}", ""

