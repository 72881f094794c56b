"""How fast does `cnnlab exam` typeset a class? Target: >= 20 PDFs per second on one core.

Makes the bundled midterm (assignments/cnn-exam.yaml) for a class of 300, one exam and one answer key per student
(600 PDFs), on one worker process, and prints PDFs per second for the whole job: sheets drawn, Markdown and LaTeX
converted, QR codes made, Typst, files written. It also prints the same for `--forms 2`.

Where Typst spends the time: the same 20 students' exams and keys typeset one document per student (what `cnnlab
exam` does) and as one document per class split into a PDF per student afterwards (pypdf), in CPU seconds (all of
Typst's threads) and wall seconds.

Peer: R/exams typesets through LaTeX. Where `pdflatex` is installed (Debian's texlive-latex-base), the same first
two pages (the cover, and the questions on the first page of form A, from the same Markdown, turned into LaTeX by
pandoc) are typeset by pdflatex and by Typst in this run, and the ratio printed.
"""

from __future__ import annotations

import argparse
import io
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from generator.paper.build import make_exams, sheets_for  # noqa: E402
from generator.paper.cover import exam_front  # noqa: E402
from generator.paper.markup import to_typst  # noqa: E402
from generator.paper.packing import packed_sheets  # noqa: E402
from generator.paper.pdf import compile_pdf, page_count  # noqa: E402
from generator.paper.typeset import PaperSheet, question_texts, source  # noqa: E402
from generator.roster import Student  # noqa: E402
from generator.seeds import read_secret  # noqa: E402
from generator.spec import load_spec  # noqa: E402

SPEC = ROOT / "assignments" / "cnn-exam.yaml"
SECRET = read_secret(ROOT / "assignments" / "demo.secret")  # so form A's first page is the README's picture
CLASS = 300
RUNS = 5
LATEX = r"""\documentclass[10pt,a4paper]{article}
\usepackage[margin=1.8cm]{geometry}
\usepackage{amsmath,amssymb}
\providecommand{\tightlist}{\setlength{\itemsep}{0pt}\setlength{\parskip}{0pt}}
\newcommand{\answerbox}{\fbox{\rule{0pt}{0.5cm}\rule{1.4cm}{0pt}}}
\begin{document}
\begin{center}\Large\textbf{%s}\end{center}
%s
\newpage
%s
\end{document}
"""


def class_rate(students: list[Student], forms: int | None, workers: int = 1) -> tuple[int, float]:
    """PDFs written and seconds taken for the class."""
    spec = load_spec(SPEC)
    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        run = make_exams(spec, students, SECRET, Path(folder), forms, spec.exam_code, workers)
        return run.pdfs, time.perf_counter() - started


def papers(students: list[Student], forms: int | None) -> list[tuple[PaperSheet, str, str]]:
    """Each paper with its exam and key documents, as make_exams typesets them."""
    spec = load_spec(SPEC)
    sheets, _ = sheets_for(spec, students, SECRET, forms, spec.exam_code)
    front = exam_front(spec)
    markdown = [text for paper in sheets for text in question_texts(paper, front)] + front.markdown()
    texts = dict(zip(markdown, to_typst(markdown)))
    return [(paper, source(paper, texts, front, key=False), source(paper, texts, front, key=True))
            for paper in packed_sheets(sheets, texts, front)]


def first_page() -> tuple[str, str, int]:
    """Form A's cover and first page of questions as a Typst document and as a LaTeX document (same text), and
    how many questions that page holds."""
    spec = load_spec(SPEC)
    paper, _, _ = papers([Student("s1", "One")], 1)[0]
    front = exam_front(spec)
    markdown = question_texts(paper, front) + front.markdown()
    texts = dict(zip(markdown, to_typst(markdown)))
    document, count = "", 0
    for more in range(1, len(paper.sheet.questions) + 1):  # as many questions as the page after the cover holds
        part = replace(paper, sheet=replace(paper.sheet, questions=paper.sheet.questions[:more]))
        candidate = source(part, texts, front, key=False)
        if page_count(compile_pdf(candidate, {1: _blank_qr()})) > 2:
            break
        document, count = candidate, more
    questions = paper.sheet.questions[:count]
    import pypandoc

    from generator.media import prompt_for

    cover = "\n\n".join([spec.instructions, "| Question | Topic | Points | Score |\n|---|---|---|---|",
                           *(f"| {q.number} | {q.variant.title} | {q.variant.points:g} | |" for q in questions)])
    body = "\n\n".join(f"## Question {q.number}: {q.variant.title}\n\n{prompt_for(q.variant, 'paper')}\n\n"
                         "\\answerbox" for q in questions)
    latex = LATEX % (spec.title, pypandoc.convert_text(cover, "latex", format="markdown"),
                     pypandoc.convert_text(body, "latex", format="markdown"))
    return document, latex, count


def one_document_per_class(documents: list[str]) -> tuple[float, float]:
    """CPU and wall seconds to typeset the documents as one (each after the first restarting the page count) and
    split its PDF into one per document with pypdf; the per-page QR codes are stand-ins."""
    from pypdf import PdfReader, PdfWriter

    codes = {page: _blank_qr() for page in range(1, 20 * len(documents))}
    cpu, wall = _clocks()
    whole = "\n".join(d if i == 0 else "#counter(page).update(1)\n" + d for i, d in enumerate(documents))
    reader = PdfReader(io.BytesIO(compile_pdf(whole, codes)))
    share = len(reader.pages) // len(documents)
    for index in range(len(documents)):
        writer = PdfWriter()
        for page in reader.pages[index * share:(index + 1) * share]:
            writer.add_page(page)
        writer.write(io.BytesIO())
    return _since(cpu, wall)


def one_document_per_student(documents: list[str]) -> tuple[float, float]:
    """CPU and wall seconds to typeset each document on its own, as `cnnlab exam` does."""
    codes = {page: _blank_qr() for page in range(1, 20)}
    cpu, wall = _clocks()
    for document in documents:
        compile_pdf(document, codes)
    return _since(cpu, wall)


def _clocks() -> tuple[float, float]:
    """This process's CPU seconds (every thread) and the wall clock, now."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime, time.perf_counter()


def _since(cpu: float, wall: float) -> tuple[float, float]:
    """CPU and wall seconds since _clocks() gave these."""
    now_cpu, now_wall = _clocks()
    return now_cpu - cpu, now_wall - wall


def _blank_qr() -> str:
    """A stand-in QR code image (the real ones cost ~1 ms each, counted in the class figures)."""
    return '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><rect width="10" height="10"/></svg>'


def median_seconds(action: object) -> float:
    """Median wall seconds of a no-argument callable over RUNS runs (one warm-up first)."""
    action()  # type: ignore[operator]
    times = []
    for _ in range(RUNS):
        started = time.perf_counter()
        action()  # type: ignore[operator]
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    """Print the class figures and, where pdflatex is installed, the first-page ratio."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=CLASS, help="class size (default: %(default)s)")
    size = parser.parse_args().students
    students = [Student(f"s{i:04d}", f"Student {i}") for i in range(size)]
    pdfs, seconds = class_rate(students, None)
    print(f"exam for {size} students, one core: {pdfs} PDFs (exam + key each) in {seconds:.1f} s = "
          f"{pdfs / seconds:.1f} PDFs/s (target >= 20)")
    cores = len(os.sched_getaffinity(0))
    pdfs, seconds = class_rate(students, None, cores)
    print(f"the same on all {cores} cores (--workers {cores}, the default): {pdfs / seconds:.1f} PDFs/s")
    pdfs, seconds = class_rate(students, 2)
    print(f"exam --forms 2 for {size} students: {pdfs} PDFs + {size} keys (JSON) in {seconds:.2f} s")
    sample = papers(students[:20], None)
    for kind, documents in (("exams", [exam for _, exam, _ in sample]), ("keys", [key for _, _, key in sample])):
        one_document_per_student(documents[:2])  # warm-up: fonts, the compiler's caches
        own, whole = one_document_per_student(documents), one_document_per_class(documents)
        print(f"Typst, {len(documents)} {kind}: one document per student {own[0] / len(documents) * 1000:.0f} ms CPU "
              f"({own[1] / len(documents) * 1000:.0f} ms wall) each; one per class split afterwards "
              f"{whole[0] / len(documents) * 1000:.0f} ms CPU ({whole[1] / len(documents) * 1000:.0f} ms wall)")
    document, latex, questions = first_page()
    typst_seconds = median_seconds(lambda: compile_pdf(document, {1: _blank_qr()}))
    print(f"cover and first page of form A ({questions} questions), Typst: {typst_seconds * 1000:.0f} ms "
          f"(median of {RUNS})")
    pdflatex = shutil.which("pdflatex")
    if pdflatex is None:
        print("pdflatex not installed (Debian: texlive-latex-base): no peer ratio in this run")
        return
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "page.tex").write_text(latex)
        command = [pdflatex, "-interaction=nonstopmode", "-halt-on-error", "page.tex"]
        latex_seconds = median_seconds(lambda: subprocess.run(command, cwd=folder, capture_output=True, check=True))
    print(f"same pages, pdflatex (R/exams' engine): {latex_seconds * 1000:.0f} ms (median of {RUNS}); "
          f"Typst is {latex_seconds / typst_seconds:.1f}x faster")


if __name__ == "__main__":
    main()
