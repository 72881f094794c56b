"""`cnnlab exam SPEC --roster CSV --out DIR [--forms N]`: printable PDF exams, their keys, a marks sheet."""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

from cnnlab.options import class_arguments
from generator.roster import read_students
from generator.seeds import read_secret
from generator.spec import load_spec

HELP = ("typeset printable PDF exams (one per student, or N forms with a seating list), answer-key PDFs with "
        "worked solutions, the grader's keys and the marks sheet TAs fill in")
CODE_CHOICES = ("handwritten", "omit")


def configure(parser: argparse.ArgumentParser) -> None:
    """Arguments of `cnnlab exam`."""
    class_arguments(parser, "the exam spec (YAML)")
    parser.add_argument("--forms", type=int, default=None,
                        help="print N forms (A, B, ...) assigned round robin, instead of one exam per student; "
                             "every form asks the same questions with its own numbers and order (a spec's pick "
                             "draws per form only with `per: form`)")
    parser.add_argument("--workers", type=int, default=len(os.sched_getaffinity(0)),
                        help="processes that typeset in parallel (default: %(default)s, this machine's cores)")
    parser.add_argument("--code", choices=CODE_CHOICES, default=None,
                        help="code questions: space for handwritten code marked by a rubric, or left out "
                             "(default: the spec's exam: {code: ...}, else handwritten)")


def run(args: argparse.Namespace) -> int:
    """Typeset everything and say where it went, and what paper could not ask."""
    spec, roster, out, forms = args.spec, args.roster, args.out, args.forms
    from generator.paper.extra import require_exam_extra

    require_exam_extra()  # a grading-only install has no typst: one line naming the extra
    from generator.paper.build import make_exams  # typst and the kinds load only when an exam is made

    started = time.perf_counter()
    secret = read_secret(args.secret_file)
    loaded, students = load_spec(spec), read_students(roster)
    made = make_exams(loaded, students, secret, out, forms, args.code or loaded.exam_code, max(1, args.workers))
    seconds = time.perf_counter() - started
    what = f"{len(made.sheets)} form{'s' if forms != 1 else ''} for {len(students)} students" if forms \
        else f"{len(students)} students"
    print(f"{loaded.title}: {what}, {made.pdfs} PDFs in {seconds:.1f} s")
    for left_out in sorted({t for paper in made.sheets for t in paper.left_out}):
        print(f"  left out on paper: {left_out}")
    print(f"  exams      {out / 'exams'}/ (print these)")
    print(f"  keys       {out / 'keys'}/ (answer-key PDFs with worked solutions; keep private)")
    print(f"  key        {out / 'key'}/ (the grader's keys; keep private)")
    print(f"  layout     {out / 'layout'}/ (where each page's boxes lie, to read the filled exams from their scans)")
    if forms:
        print(f"  seating    {out / 'seating.csv'}")
    sheets = sorted(set(made.marks.values()))
    print(f"  marks      {out / 'marks'}/ ({', '.join(Path(s).name for s in sheets)}: TAs type each paper's boxes "
          f"here, in printed order; grade with cnnlab grade --answers {out / 'marks'} --key {out / 'key'} "
          "--out GRADED)")
    return 0
