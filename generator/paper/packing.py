"""Question orders that fill the pages: each sheet keeps its own (seeded) order, except that a page a question does
not fit on takes the next questions that do, so a page is left part blank only when nothing left would fit there.

Typst measures each question once (`typst query` of the probes generator/paper/typeset.py places): every question
of a form; for students' own exams, each question id on the first sheet that has it, standing in for the others'
variants of that question (the same template, other numbers). Packing is first fit in the sheet's order.
A question taller than a page starts a page and runs on to the next; what it takes of its last page (its tail) is
measured where it starts at the top of a page, so the questions after it fill the rest of that page.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import replace

import typst

from generator.notebook import Question
from generator.paper.cover import ExamFront
from generator.paper.typeset import BODY_TOP_PT, PAGE_BODY_PT, PaperSheet, source

BLANK_QR = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 1 1"/>'  # measuring needs no real page codes
GAP_PT = 9.5  # between two questions on one page (the heading's space above it), when none is measured
Heights = dict[str, float]  # question id -> height in points (inf: taller than a page)
Tails = dict[str, float]  # a taller-than-a-page question's id -> the height it takes of its last page


def packed_sheets(sheets: Sequence[PaperSheet], texts: Mapping[str, str], front: ExamFront) -> tuple[PaperSheet, ...]:
    """Every sheet with its questions renumbered in an order that fills its pages (forms measured one by one;
    students' own exams from each question id's first measurement)."""
    heights: Heights = {}
    tails: Tails = {}
    gap = GAP_PT
    out = []
    for paper in sheets:
        unmeasured = [q for q in paper.sheet.questions if q.variant.qid not in heights]
        if paper.form or unmeasured:
            measured, gap, _ = measure(paper, texts, front)
            heights.update(measured if paper.form else {qid: measured[qid] for qid in
                                                        (q.variant.qid for q in unmeasured)})
            sizes = measured if paper.form else heights
            tall = [q.variant.qid for q in (paper.sheet.questions if paper.form else unmeasured)
                    if sizes[q.variant.qid] == float("inf")]
            if tall:  # measured again as packed, where each tall question starts at the top of a page
                packed = reorder(paper, fill_pages(paper.sheet.questions, sizes, gap, tails))
                found = measure(packed, texts, front)[2]
                tails.update({qid: found[qid] for qid in tall if qid in found})
        sizes = measured if paper.form else heights
        out.append(reorder(paper, fill_pages(paper.sheet.questions, sizes, gap, tails)))
    return tuple(out)


def measure(paper: PaperSheet, texts: Mapping[str, str], front: ExamFront) -> tuple[Heights, float, Tails]:
    """Each question's height as Typst lays out this sheet's exam, the gap between two questions on a page, and the
    tail of each question that runs on to another page and starts at the top of its first one."""
    found = json.loads(typst.query(source(paper, texts, front, key=False).encode(), "<cnnlab-probe>", field="value",
                                   ignore_system_fonts=True, sys_inputs={"qr1": BLANK_QR, "probe": "on"}))
    heads = {item["q"]: item for item in found if item["kind"] == "head"}
    ends = {item["q"]: item for item in found if item["kind"] == "end"}
    heights: Heights = {}
    tails: Tails = {}
    for q in paper.sheet.questions:
        head, end = heads[q.number], ends[q.number]
        heights[q.variant.qid] = end["y"] - head["y"] if head["page"] == end["page"] else float("inf")
        if head["page"] != end["page"] and head["y"] - BODY_TOP_PT < 1:
            tails[q.variant.qid] = end["y"] - BODY_TOP_PT
    gaps = [heads[n + 1]["y"] - end["y"] for n, end in ends.items() if n + 1 in heads and
            heads[n + 1]["page"] == end["page"]]
    return heights, min(gaps, default=GAP_PT), tails


def fill_pages(questions: Sequence[Question], heights: Heights, gap: float,
               tails: Tails | None = None) -> list[Question]:
    """First fit: each page takes, in the given order, every question still left that fits in what remains of it;
    a question taller than a page (or not measured) starts a page of its own, and the page it ends on starts with
    its tail (when measured; else the next page starts empty)."""
    left = list(questions)
    order: list[Question] = []
    carried: float | None = None  # the tail a tall question left at the top of this page
    while left:
        room, empty = (PAGE_BODY_PT, True) if carried is None else (PAGE_BODY_PT - carried, False)
        carried = None
        for question in list(left):
            height = heights.get(question.variant.qid, float("inf"))
            needed = height if empty else height + gap
            if needed <= room or empty and height == float("inf"):
                order.append(question)
                left.remove(question)
                room, empty = room - needed, False
                if height == float("inf"):
                    carried = (tails or {}).get(question.variant.qid)
                    break  # it fills the rest of its pages
        if empty:  # taller than a page yet measured on one: never expected, but never loop
            order.append(left.pop(0))
    return order


def reorder(paper: PaperSheet, questions: Sequence[Question]) -> PaperSheet:
    """The sheet with its questions in this order, numbered 1, 2, ... as printed."""
    numbered = tuple(Question(number, q.variant, q.kind) for number, q in enumerate(questions, start=1))
    return replace(paper, sheet=replace(paper.sheet, questions=numbered))
