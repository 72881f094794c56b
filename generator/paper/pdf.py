"""Typst source to PDF, for one sheet or a class on several cores; imports only typst and the QR code maker.

Each exam is typeset with QR codes for the pages it is guessed to have; one that turns out longer is typeset
again with a code for every page. Workers are spawned, not forked, and this module keeps them light.
Right after an exam's PDF, the same compiler is asked where its answer boxes, registration marks and QR codes lie
(`<cnnlab-layout>` metadata, generator/paper/layout.py): Typst reuses the layout it just made, so this costs a few
percent of the PDF's time, not a second typesetting. (typst-py queries only a document read from a file, so each
document is written to the compiler's own file first.)
"""

from __future__ import annotations

import multiprocessing
import re
import tempfile
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

import typst

from generator.paper.token import qr_svg, sign

PAGE_COUNT = re.compile(rb"/Type\s*/Pages\b[^>]*?/Count\s+(\d+)")
RECORDED = "<cnnlab-layout>"  # the label of where an exam's boxes lie (generator/paper/layout.py)
_FOLDERS: list[tempfile.TemporaryDirectory[str]] = []  # each process's compiler file, removed when it exits


@dataclass(frozen=True)
class TypesetJob:
    """One sheet to typeset: its exam and key documents, and what its page tokens name."""

    spec_id: str
    who: str
    exam: str
    key: str
    pages_guess: int


def compile_pdf(document: str, qr_codes: dict[int, str]) -> bytes:
    """The PDF of a document; byte-identical for the same input (no system fonts, a fixed date)."""
    compiler, source = _compiler()
    source.write_text(document, encoding="utf-8")
    inputs = {f"qr{page}": svg for page, svg in qr_codes.items()}
    return compiler.compile(sys_inputs=inputs, timestamp=0)


def recorded() -> str:
    """Where the boxes of the exam compile_pdf made last lie (JSON of its one `<cnnlab-layout>` metadata)."""
    return _compiler()[0].query(RECORDED, field="value", one=True)


@lru_cache(maxsize=1)
def _compiler() -> tuple[typst.Compiler, Path]:
    """One Typst compiler per process, reading its own file: its fonts are read once and what it laid out for one
    exam (the preamble, the cover, the same questions' text) it reuses for the next, about 10% of each PDF's time."""
    folder = tempfile.TemporaryDirectory(prefix="cnnlab-typst-")
    source = Path(folder.name) / "document.typ"
    source.write_text("", encoding="utf-8")
    _FOLDERS.append(folder)
    return typst.Compiler(input=str(source), root=folder.name, ignore_system_fonts=True), source


def page_count(pdf: bytes) -> int:
    """How many pages a PDF Typst made has (its page tree's /Count)."""
    match = PAGE_COUNT.search(pdf)
    return int(match.group(1)) if match else 0


Typeset = tuple[str, bytes, bytes, str]  # who, exam PDF, key PDF, what the exam records (recorded())


def typeset(job: TypesetJob, secret: bytes) -> Typeset:
    """The sheet's exam PDF, a signed QR code on every page, its key PDF, and where the exam's boxes lie."""
    pages = job.pages_guess
    while True:
        codes = {page: qr_svg(sign(secret, job.spec_id, job.who, page)) for page in range(1, pages + 1)}
        exam = compile_pdf(job.exam, codes)
        if page_count(exam) <= pages:
            layout = recorded()
            return job.who, exam, compile_pdf(job.key, {}), layout
        pages = page_count(exam)


def _typeset_with(args: tuple[TypesetJob, bytes]) -> Typeset:
    """typeset() for a pool, which passes one argument."""
    return typeset(*args)


def typeset_all(jobs: Iterable[TypesetJob], secret: bytes, workers: int) -> Iterator[Typeset]:
    """Every sheet's PDFs, in order; on `workers` processes when more than one."""
    queue = iter(jobs)
    first = next(queue, None)
    if first is None:
        return
    done = typeset(first, secret)  # the first sheet's length is the guess for the others (same spec, same length)
    yield done
    rest = (replace(job, pages_guess=page_count(done[1])) for job in queue)
    if workers <= 1:
        for job in rest:
            yield typeset(job, secret)
        return
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        yield from pool.map(_typeset_with, ((job, secret) for job in rest), chunksize=4)
