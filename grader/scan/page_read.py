"""One scanned page read: identified by its QR code, aligned by its registration marks, every box on it read.

A page that cannot be used says why in one line (no readable code, another course's or exam's code, a page its
paper does not have); a blank page (a duplex back) is skipped without a problem. The digits of all the page's number
boxes go through the network in one batch.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from PIL import Image

from generator.paper.token import PREFIX, verify
from grader.scan.align import Alignment, align, warp
from grader.scan.digits import DigitClassifier
from grader.scan.exam_folder import ExamFolder
from grader.scan.pages import ScanPage
from grader.scan.qr import PageCode, find_codes
from grader.scan.read import MARGIN_PT, Reading, Written, comb_tokens, read_letter, segment_tokens, spell

BLANK_INK = 0.002  # a page with less than this share of inked pixels and no code is blank (a duplex back)
BLANK_CONTRAST = 80  # grey levels below the paper at which a pixel counts as ink for that test
PNG_EFFORT = 1  # zlib's fastest: crops are mostly paper, so 1 gives files within a fifth of 9's at a tenth the time
CODE_DOUBT = "handwritten code: mark it against the rubric and type the points"


@dataclass
class BoxRead:
    """One box of a paper as read: its column, page and kind, the reading, and its crop (PNG)."""

    column: str
    holds: str
    page: int
    value: str = ""
    confidence: float = 0.0
    doubt: str = ""
    crop: bytes = b""
    corrected: bool = False

    def needs_review(self, threshold: float) -> bool:
        """Whether a person must check this box before its value is used."""
        return not self.corrected and (bool(self.doubt) or self.confidence < threshold)


@dataclass
class PageRead:
    """A scanned page: where it came from, what it was identified as, how it lay, and its boxes read."""

    file: str
    number: int
    who: str = ""  # the paper's layout ('form-A' or a student id); '' when not identified
    page: int = 0  # its page number in that paper
    problem: str = ""  # why the page could not be used, or what makes its readings doubtful
    blank: bool = False
    turn: int = 0
    skew: float = 0.0
    residual_pt: float | None = None
    boxes: list[BoxRead] = field(default_factory=list)
    parts: dict[str, list[bytes]] = field(default_factory=dict)  # code areas continued from an earlier page

    @property
    def where(self) -> str:
        """How a message names the scanned page."""
        return f"{self.file} page {self.number}"

    @property
    def used(self) -> bool:
        """Whether the page was identified and its boxes read."""
        return bool(self.who) and not self.blank


def png(pixels: np.ndarray) -> bytes:
    """A greyscale crop as PNG bytes."""
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="PNG", compress_level=PNG_EFFORT)
    return buffer.getvalue()


def _is_blank_page(image: Image.Image) -> bool:
    """Whether a page holds (next to) no ink at all."""
    small = np.asarray(image.reduce(4), dtype=np.int16)
    return float((small < np.percentile(small, 90) - BLANK_CONTRAST).mean()) < BLANK_INK


def identify(page: ScanPage, exam: ExamFolder, secret: bytes) -> tuple[PageRead, PageCode | None]:
    """The page's record with who and page filled in (or its problem), and its decoded code (None if unusable)."""
    record = PageRead(str(page.file), page.number)
    codes = find_codes(page.image)
    if not codes:
        record.blank = _is_blank_page(page.image)
        record.problem = "" if record.blank else "no readable QR code: its boxes were not read (rescan the page, " \
                                                 "or type its boxes into marks.csv by hand)"
        return record, None
    code = codes[0]
    if not code.text.startswith(f"{PREFIX}:"):
        record.problem = f"its QR code is not a cnnlab page ({code.text[:60]!r})"
        return record, None
    try:
        spec, who, number = verify(secret, code.text)
    except ValueError:
        record.problem = "its QR code is not signed by this course's secret (another course's exam, or the wrong " \
                         "--secret-file)"
        return record, None
    if spec != exam.spec:
        record.problem = f"a page of exam {spec!r} ({who} page {number}), not of {exam.spec!r}"
    elif who not in exam.layouts:
        record.problem = f"a page of {spec} for {who!r}, which {exam.path} did not print (another printing?)"
    elif exam.page(who, number) is None:
        record.problem = f"page {number} of {who}, whose paper has {len(exam.layouts[who]['pages'])} pages"
    elif not code.modules:
        record.problem = "its QR code's version is unknown, so its size cannot align the page"
    else:
        record.who, record.page = who, number
        return record, code
    return record, None


def _cut(image: Image.Image, alignment: Alignment, area: list[float]) -> np.ndarray:
    """An area of the layout (x, y, w, h) cut from the page with MARGIN_PT of paper around it."""
    x, y, w, h = area
    return warp(image, alignment.homography, (x - MARGIN_PT, y - MARGIN_PT, w + 2 * MARGIN_PT, h + 2 * MARGIN_PT))


def read_page(page: ScanPage, exam: ExamFolder, secret: bytes, classifier: DigitClassifier) -> PageRead:
    """Identify, align and read one scanned page."""
    record, code = identify(page, exam, secret)
    if code is None:
        return record
    layout = exam.page(record.who, record.page)
    assert layout is not None  # identify checked the page exists
    alignment = align(page.image, code, layout)
    record.turn, record.skew, record.residual_pt = alignment.turn, alignment.skew, alignment.residual_pt
    record.problem = alignment.problem
    written: list[tuple[BoxRead, Written, str]] = []  # a number box, its tokens, the letters printed before them
    for box in layout["boxes"]:
        crop = _cut(page.image, alignment, [box["x"], box["y"], box["w"], box["h"]])
        read = BoxRead(box["column"], box["holds"], record.page, crop=png(crop))
        record.boxes.append(read)
        if box["holds"] == "letter":
            _fill(read, read_letter(crop, box))
        elif box["holds"] == "code":
            read.doubt = CODE_DOUBT
        else:
            written.append((read, comb_tokens(crop, box) if "cells" in box else segment_tokens(crop, box),
                            box.get("prefix", "")))
        if alignment.problem and box["holds"] != "code":
            read.doubt = read.doubt or f"the page is poorly aligned: {alignment.problem}"
    for box in _continued(exam.layouts[record.who], record.page):
        record.parts.setdefault(box[0], []).append(png(_cut(page.image, alignment, box[1])))
    _read_digits(written, classifier)
    return record


def _fill(read: BoxRead, reading: Reading) -> None:
    """A box's reading into its record (an alignment doubt already there is kept)."""
    read.value, read.confidence = reading.value, reading.confidence
    read.doubt = read.doubt or reading.doubt


def _continued(layout: dict[str, Any], number: int) -> list[tuple[str, list[float]]]:
    """The code areas continued on page `number` from an earlier page: (column, area)."""
    return [(box["column"], part[1:]) for page in layout["pages"] for box in page["boxes"]
            for part in box.get("more", ()) if part[0] == number]


def _read_digits(written: list[tuple[BoxRead, Written, str]], classifier: DigitClassifier) -> None:
    """Every digit of the page's number boxes through the network at once, then each box spelt out (an id with the
    roster's letters printed before its cells)."""
    images = [image for _, tokens, _ in written for image in tokens.images()]
    digits, confidences = classifier.classify(np.stack(images)) if images else (np.zeros(0), np.zeros(0))
    start = 0
    for read, tokens, prefix in written:
        count = len(tokens.images())
        found = [(int(d), float(c)) for d, c in zip(digits[start:start + count], confidences[start:start + count])]
        start += count
        reading = spell(tokens, found)
        _fill(read, Reading(prefix + reading.value if reading.value else "", reading.confidence, reading.doubt))
