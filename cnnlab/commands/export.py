"""`cnnlab export TARGET ...`: one target per place a course runs cnnlab: a Moodle or Canvas quiz, a Gradescope
autograder. The formats live in the library (generator/lms/, grader/gradescope/); this module only reads options
and prints what was written."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

from generator.limits import DEFAULT_LMS_VARIANTS, LIMITS, MAX_LMS_VARIANTS

HELP = "export quizzes to Moodle (XML) or Canvas (QTI 1.2), or an autograder zip to Gradescope"
TARGETS: dict[str, str] = {  # name -> one line for --help
    "moodle": "a Moodle XML quiz: a category of N variants per question, graded by Moodle",
    "qti": "a QTI 1.2 zip that Canvas imports: a question bank of N variants per question, graded by Canvas",
    "gradescope": "a Gradescope autograder.zip that grades each submission with its student's answer key, in the "
                  "sandbox",
}


def _quiz_options(parser: argparse.ArgumentParser, suffix: str) -> None:
    """The options both LMS quizzes take."""
    parser.add_argument("spec", type=Path, help="the assignment or exam spec (YAML)")
    parser.add_argument("--variants", type=int, default=DEFAULT_LMS_VARIANTS, metavar="N",
                        help="variants per question, of which the LMS draws one per student (default %(default)d, "
                             f"at most {MAX_LMS_VARIANTS})")
    parser.add_argument("--secret-file", type=Path, default=None,
                        help="file holding the course secret (default: $CNNLAB_SECRET)")
    parser.add_argument("--out", type=Path, required=True, help=f"the file to write ({suffix})")


def _gradescope_options(parser: argparse.ArgumentParser) -> None:
    """The options of the Gradescope autograder."""
    parser.add_argument("--key", required=True, metavar="KEYDIR", help="folder of answer keys (<student_id>.json)")
    parser.add_argument("--out", required=True, metavar="ZIP", help="the autograder zip to write (holds the keys)")
    parser.add_argument("--spec", metavar="SPEC", help="assignment spec: per-question visibility (default visible)")
    parser.add_argument("--roster", metavar="CSV", help="roster mapping Gradescope account e-mails (or ids, as aliases) to student ids")
    parser.add_argument("--wheel", metavar="WHL", help="ship this cnnlab wheel instead of building one")
    parser.add_argument("--data", metavar="DIR", help="folder holding the data sets that questions train on, as "
                        "sub-folders (default: $CNNLAB_DATA, then /usr/share/datasets); the zip carries what they use")
    parser.add_argument("--memory", type=int, default=LIMITS.memory_mb, metavar="MB",
                        help="the sandbox's memory per submission on Gradescope (default %(default)d)")


def configure(parser: argparse.ArgumentParser) -> None:
    """One sub-parser per target."""
    sub = parser.add_subparsers(dest="target", metavar="TARGET", required=True)
    options: dict[str, Callable[[argparse.ArgumentParser], None]] = {
        "moodle": lambda p: _quiz_options(p, "Moodle XML, e.g. quiz.xml"),
        "qti": lambda p: _quiz_options(p, "a QTI 1.2 zip, e.g. quiz.zip"),
        "gradescope": _gradescope_options,
    }
    for name, summary in TARGETS.items():
        options[name](sub.add_parser(name, help=summary, description=summary))


def _write_quiz(args: argparse.Namespace) -> int:
    """Draw the variants, write the Moodle XML or the QTI zip, print what was written and what was left out."""
    from generator.files import PUBLIC, write_bytes_atomic
    from generator.lms.variants import load_quiz

    quiz = load_quiz(args.spec, args.variants, args.secret_file)
    notes: list[str] = []
    if args.target == "moodle":
        from generator.lms.moodle import mark_note, quiz_xml

        data, unit = quiz_xml(quiz), "categories"
        notes = [f"{bank.qid}: set its quiz slot's maximum mark to {bank.points:g} (Moodle sums a cloze's blanks)"
                 for bank in quiz.banks if mark_note(bank)]
    else:
        from generator.lms.qti import package

        data, unit = package(quiz), "item banks"
    write_bytes_atomic(args.out, data, mode=PUBLIC)
    counts = sorted({len(bank.variants) for bank in quiz.banks})
    spread = f"{counts[0]}" if len(counts) == 1 else f"{counts[0]} to {counts[-1]}"
    print(f"{quiz.spec.title}: {len(quiz.banks)} {unit}, {spread} variants each, written to {args.out}")
    for line in [*quiz.left_out, *notes]:
        print(f"  {line}")
    return 0


def run(args: argparse.Namespace) -> int:
    """Write the chosen target's file."""
    if args.target == "gradescope":
        from grader.gradescope.package import write_autograder  # the grader's side: keys, a wheel

        print(write_autograder(key=args.key, out=args.out, spec=args.spec, roster=args.roster, wheel=args.wheel,
                               data=args.data, memory_mb=args.memory))
        return 0
    return _write_quiz(args)
