"""Scanned pages gathered into papers, and each paper's student found: never guessed.

A student's own exam names its student in every page's code, so its pages may come in any order. The copies of a
form all carry the same codes, so a form's paper is the run of pages from its cover (page 1, with the student-id
comb) up to the next cover, in the order scanned: give the scans in that order (files in the order given, pages in
each file as scanned; a paper may run on into the next file). A page seen twice, a page before any cover of its
form, a page missing from its paper: each is a problem in a line, and the boxes it leaves uncertain go to review.

A form's student id is taken only when read surely, on the roster, of a student who sits that form (seating.csv)
and read on no other paper; otherwise the id goes to review, with the roster's ids within one digit of the reading.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image

from grader.scan.exam_folder import ExamFolder
from grader.scan.page_read import BoxRead, PageRead, png

ID_COLUMN = "student_id"  # the id comb's column on a form's cover, as the marks sheet names the id


@dataclass
class Paper:
    """One student's paper: its layout, its pages as scanned, every box of it, and who wrote it once known."""

    key: str  # stable across runs: a student's own exam's id, or '<form>-<file>-p<page of its cover>'
    who: str  # its layout: 'form-A' or a student id
    form: str
    pages: dict[int, PageRead] = field(default_factory=dict)
    boxes: list[BoxRead] = field(default_factory=list)
    student: str = ""  # '' until the id is sure (or corrected)
    id_doubt: str = ""  # why the id is not taken, when it is not

    @property
    def name(self) -> str:
        """How outputs name the paper: its student, else its key."""
        return self.student or self.key

    def box(self, column: str) -> BoxRead | None:
        """The paper's box of a column."""
        return next((box for box in self.boxes if box.column == column), None)


def _stacked(crops: Sequence[bytes]) -> bytes:
    """Several crops (PNG) one below the other: a code area that runs over pages, as one image."""
    images = [np.asarray(Image.open(io.BytesIO(crop))) for crop in crops]
    width = max(image.shape[1] for image in images)
    return png(np.concatenate([np.pad(image, ((0, 0), (0, width - image.shape[1])), constant_values=255)
                               for image in images]))


def _differ(first: PageRead, second: PageRead) -> None:
    """A page scanned twice: every box whose two readings differ is doubted."""
    again = {box.column: box for box in second.boxes}
    for box in first.boxes:
        other = again.get(box.column)
        if other is not None and (other.value, bool(other.doubt)) != (box.value, bool(box.doubt)) and not box.doubt:
            box.doubt = f"the page was scanned twice ({first.where}, {second.where}) and read differently " \
                        f"({box.value!r}, {other.value!r})"
            box.confidence = min(box.confidence, other.confidence)


def _add(paper: Paper, read: PageRead, problems: list[str]) -> None:
    """A page into its paper, or a duplicate's problem."""
    first = paper.pages.get(read.page)
    if first is None:
        paper.pages[read.page] = read
        return
    problems.append(f"{read.where}: page {read.page} of {paper.key} again (first seen as {first.where}); "
                    "the first is used, boxes read differently go to review")
    _differ(first, read)


def _paper_key(exam: ExamFolder, read: PageRead, taken: set[str]) -> str:
    """A new paper's stable name."""
    if not exam.forms:
        return read.who
    key = base = f"{read.who}-{Path(read.file).stem}-p{read.number}"
    count = 1
    while key in taken:
        count += 1
        key = f"{base}-{count}"
    return key


def gather(reads: Sequence[PageRead], exam: ExamFolder) -> tuple[list[Paper], list[str]]:
    """The papers the pages make up, and the problems of pages that fit no paper or came twice."""
    papers: dict[str, Paper] = {}
    problems: list[str] = []
    current: Paper | None = None  # a form's paper the next pages continue
    for read in reads:
        if not read.used:
            if read.problem:
                problems.append(f"{read.where}: {read.problem}")
            continue
        if read.problem:  # read, but with a doubt on every box (poor alignment)
            problems.append(f"{read.where}: {read.problem}; its boxes go to review")
        if not exam.forms:
            paper = papers.setdefault(read.who, Paper(read.who, read.who, ""))
        elif read.page == 1:
            key = _paper_key(exam, read, set(papers))
            paper = current = papers[key] = Paper(key, read.who, exam.form_letter(read.who))
        elif current is None or current.who != read.who:
            problems.append(f"{read.where}: page {read.page} of {read.who} with no cover page of {read.who} before "
                            "it in the scans, so whose paper it is is unknown; not read (scan papers whole, cover "
                            "first)")
            continue
        else:
            paper = current
        _add(paper, read, problems)
    for paper in papers.values():
        _fill_boxes(paper, exam, problems)
    return list(papers.values()), problems


def _fill_boxes(paper: Paper, exam: ExamFolder, problems: list[str]) -> None:
    """Every box of the paper's layout, in order: read from its page, or doubted when its page is missing."""
    layout = exam.layouts[paper.who]
    missing = [page["page"] for page in layout["pages"] if page["page"] not in paper.pages]
    if missing:
        cover = paper.pages[min(paper.pages)]
        problems.append(f"{paper.key} (first page {cover.where}): page{'s' if len(missing) > 1 else ''} "
                        f"{', '.join(map(str, missing))} missing from the scans; its boxes go to review")
    for page in layout["pages"]:
        read = paper.pages.get(page["page"])
        found = {box.column: box for box in read.boxes} if read else {}
        for box in page["boxes"]:
            got = found.get(box["column"]) or BoxRead(box["column"], box["holds"], page["page"],
                                                      doubt=f"page {page['page']} is missing from the scans")
            parts = [crop for number in sorted(paper.pages)
                     for crop in paper.pages[number].parts.get(box["column"], ())]
            if parts and got.crop:
                got.crop = _stacked([got.crop, *parts])
            paper.boxes.append(got)
    if exam.forms and paper.box(ID_COLUMN) is None:
        paper.boxes.insert(0, BoxRead(ID_COLUMN, "id", 1, doubt="this form has no student-id comb (exam: {scan: "
                                                                 "true} prints one): type the id from the cover"))


def near_ids(reading: str, ids: Sequence[str]) -> list[str]:
    """The roster's ids that differ from a reading in exactly one character."""
    return [sid for sid in ids if len(sid) == len(reading) and sum(a != b for a, b in zip(sid, reading)) == 1]


def _id_doubt(paper: Paper, exam: ExamFolder, threshold: float) -> str:
    """Why the paper's id reading cannot be taken as it stands ('' when it can)."""
    box = paper.box(ID_COLUMN)
    if box is None:
        return "the paper has no student-id box"
    if box.needs_review(threshold):
        return box.doubt or f"the id is not read surely ({box.value or 'blank'}, confidence {box.confidence:.2f})"
    reading = box.value
    sitter = exam.students.get(reading)
    if sitter is None:
        near = near_ids(reading, list(exam.students))
        within = f"; within one digit: {', '.join(near)}" if near else ""
        return f"{reading or 'a blank id'} is not on the exam's roster{within}"
    if sitter.form and sitter.form != paper.form:
        return f"{reading} sits form {sitter.form} (seating.csv), but this paper is form {paper.form}"
    return ""


def resolve_students(papers: Sequence[Paper], exam: ExamFolder, threshold: float) -> None:
    """Each paper's student: the code's own for a student's exam; the id read (or corrected) for a form's."""
    for paper in papers:
        if not exam.forms:
            paper.student, paper.id_doubt = paper.who, ""
            continue
        paper.id_doubt = _id_doubt(paper, exam, threshold)
        box = paper.box(ID_COLUMN)
        paper.student = box.value if box is not None and not paper.id_doubt else ""
    claimed: dict[str, list[Paper]] = {}
    for paper in papers:
        if paper.student:
            claimed.setdefault(paper.student, []).append(paper)
    for student, same in claimed.items():
        if len(same) > 1:
            for paper in same:
                others = ", ".join(other.key for other in same if other is not paper)
                paper.student, paper.id_doubt = "", f"{student} is also read on paper {others}"
