"""How fast does `cnnlab exam` typeset a class? Target: >= 20 PDFs per second on one core.

Makes the bundled midterm (assignments/cnn-exam.yaml) for a class of 300, one exam and one answer key per student
(600 PDFs), on one worker process, and prints PDFs per second for the whole job: sheets drawn, Markdown and LaTeX
converted, QR codes made, Typst, files written. It also prints the same for `--forms 2`.

Peer: R/exams typesets through LaTeX. Where `pdflatex` is installed (Debian's texlive-latex-base), the same first
page (title, instructions and the questions on page 1 of form A, from the same Markdown, turned into LaTeX by
pandoc) is typeset by pdflatex and by Typst in this run, and the ratio printed.
"""

from __future__ import annotations

import argparse
import os
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
from generator.paper.markup import to_typst  # noqa: E402
from generator.paper.pdf import compile_pdf, page_count  # noqa: E402
from generator.paper.typeset import question_texts, source  # noqa: E402
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
\end{document}
"""


def class_rate(students: list[Student], forms: int | None, workers: int = 1) -> tuple[int, float]:
    """PDFs written and seconds taken for the class."""
    spec = load_spec(SPEC)
    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        run = make_exams(spec, students, SECRET, Path(folder), forms, spec.exam_code, workers)
        return run.pdfs, time.perf_counter() - started


def first_page() -> tuple[str, str, int]:
    """Form A's first page as a Typst document and as a LaTeX document (same text), and its question count."""
    spec = load_spec(SPEC)
    sheets, _ = sheets_for(spec, [Student("s1", "One")], SECRET, 1, spec.exam_code)
    paper = sheets[0]
    markdown = question_texts(paper) + [spec.instructions]
    texts = dict(zip(markdown, to_typst(markdown)))
    document, count = "", 0
    for more in range(1, len(paper.sheet.questions) + 1):  # as many questions as page 1 holds
        part = replace(paper, sheet=replace(paper.sheet, questions=paper.sheet.questions[:more]))
        candidate = source(part, texts, texts[spec.instructions], key=False)
        if page_count(compile_pdf(candidate, {1: _blank_qr()})) > 1:
            break
        document, count = candidate, more
    part = replace(paper, sheet=replace(paper.sheet, questions=paper.sheet.questions[:count]))
    import pypandoc

    from generator.media import prompt_for

    body = "\n\n".join([spec.instructions] + [f"## Question {q.number}: {q.variant.title}\n\n"
                                              f"{prompt_for(q.variant, 'paper')}\n\n\\answerbox"
                                              for q in part.sheet.questions])
    latex = LATEX % (spec.title, pypandoc.convert_text(body, "latex", format="markdown"))
    return document, latex, count


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
    document, latex, questions = first_page()
    typst_seconds = median_seconds(lambda: compile_pdf(document, {1: _blank_qr()}))
    print(f"first page of form A ({questions} questions), Typst: {typst_seconds * 1000:.0f} ms (median of {RUNS})")
    pdflatex = shutil.which("pdflatex")
    if pdflatex is None:
        print("pdflatex not installed (Debian: texlive-latex-base): no peer ratio in this run")
        return
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "page.tex").write_text(latex)
        command = [pdflatex, "-interaction=nonstopmode", "-halt-on-error", "page.tex"]
        latex_seconds = median_seconds(lambda: subprocess.run(command, cwd=folder, capture_output=True, check=True))
    print(f"same page, pdflatex (R/exams' engine): {latex_seconds * 1000:.0f} ms (median of {RUNS}); "
          f"Typst is {latex_seconds / typst_seconds:.1f}x faster")


if __name__ == "__main__":
    main()
