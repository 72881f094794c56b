"""Typesetting an exam spec as the library does, and reading back from Typst where things landed on the page.

`placed(document)` asks Typst itself (`typst query` of `<cnnlab-probe>` with the input `probe` set) where each
question's heading, answer parts and end, and each inline formula, lie: page, x, y, width and height in points.
"""

from __future__ import annotations

import io
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import typst
from pypdf import PdfReader

from generator.paper.build import sheets_for
from generator.paper.cover import exam_front
from generator.paper.markup import to_typst
from generator.paper.packing import packed_sheets
from generator.paper.token import qr_svg
from generator.paper.typeset import PaperSheet, question_texts, source
from generator.roster import Student
from generator.spec import Spec

PAGE_TOP, PAGE_BOTTOM = 2.6 / 2.54 * 72, (29.7 - 2.9) / 2.54 * 72  # the body's top and bottom edges, in points
BODY = PAGE_BOTTOM - PAGE_TOP
MATH_AXIS = 2.6  # points: an inline formula is centred on the math axis, this far above the baseline Typst reports
TALL_INLINE = 14.0  # points: an inline formula taller than this (a matrix, a stacked fraction) runs into its neighbours
QR = {f"qr{page}": qr_svg(f"test page {page}") for page in range(1, 61)}


@dataclass(frozen=True)
class Placed:
    """One probe: what it marks, its question, and its box on the page (top-left corner, size), in points."""

    kind: str  # 'head', 'field' (an answer part), 'end' (a question's end), 'math' (an inline formula)
    question: int | None
    page: int
    x: float
    top: float
    width: float
    height: float

    @property
    def bottom(self) -> float:
        """The lower edge."""
        return self.top + self.height

    def overlaps(self, other: Placed, slack: float = 1.0) -> bool:
        """Whether two boxes on the same page share more than `slack` points both across and down."""
        return (self.page == other.page and min(self.x + self.width, other.x + other.width) - max(self.x, other.x)
                > slack and min(self.bottom, other.bottom) - max(self.top, other.top) > slack)


@dataclass(frozen=True)
class Typeset:
    """One paper's exam and key: their Typst documents and the sheet they print."""

    paper: PaperSheet
    exam: str
    key: str


def typeset(spec: Spec, secret: bytes, forms: int | None, students: Sequence[str] = ("s1",)) -> list[Typeset]:
    """Every paper of the spec as `cnnlab exam` makes it (forms, or each student's own; questions in the order that
    fills their pages), as Typst documents."""
    sheets, _ = sheets_for(spec, [Student(s, f"Student {s}") for s in students], secret, forms, spec.exam_code)
    front = exam_front(spec)
    markdown = [text for paper in sheets for text in question_texts(paper, front)] + front.markdown()
    texts = dict(zip(markdown, to_typst(markdown)))
    return [Typeset(paper, source(paper, texts, front, key=False), source(paper, texts, front, key=True))
            for paper in packed_sheets(sheets, texts, front)]


def placed(document: str) -> list[Placed]:
    """Where Typst laid out each probe of a document."""
    found = json.loads(typst.query(document.encode(), "<cnnlab-probe>", field="value", ignore_system_fonts=True,
                                   sys_inputs={**QR, "probe": "on"}))
    out = []
    for item in found:
        top = item["y"] - item["h"] / 2 - MATH_AXIS if item["kind"] == "math" else item["y"]  # inline: the baseline
        out.append(Placed(item["kind"], item["q"], item["page"], item["x"], top, item["w"], item["h"]))
    return out


def collisions(probes: Sequence[Placed]) -> list[str]:
    """What runs into something else: two formulas or answer boxes sharing space, or an inline formula taller than
    a line can hold (Typst does not widen the line for it, so it reaches into the lines above and below)."""
    shown = [p for p in probes if p.kind in ("math", "field")]
    found = [f"{p} is too tall to set inline" for p in shown if p.kind == "math" and p.height > TALL_INLINE]
    found += [f"{one} overlaps {other}" for index, one in enumerate(shown) for other in shown[index + 1:]
              if one.overlaps(other)]
    return found


def pages_text(document: str) -> list[str]:
    """The text of each page of the document's PDF, as pypdf extracts it."""
    pdf = typst.compile(document.encode(), ignore_system_fonts=True, sys_inputs=QR, timestamp=0)
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def all_templates_spec(write: object, templates: Path, exam: str = "{code: handwritten}") -> Path:
    """A spec asking every bundled template once (write: the write_yaml fixture)."""
    ids = sorted(path.stem for path in templates.glob("*.yaml"))
    return write("all.yaml", f"id: all-templates\ntitle: Every template\ntemplates: {templates}\n"  # type: ignore
                             f"questions: [{', '.join(ids)}]\nexam: {exam}\n")
