"""`cnnlab validate PATH`: check templates and specs (syntax, keys, kinds, ranges, constraints, self-tests), then
grade each template's worked solution through the real grading path, the sandbox included."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from generator.authoring_warnings import warnings_at
from generator.errors import TemplateError
from generator.kinds import KINDS
from generator.templates import STUDENTS
from generator.validate import templates_at, validate_path, yaml_files
from generator.variety import measure_path, variety_report

HELP = "check question templates and assignment specs (a file, or a folder of them)"


def configure(parser: argparse.ArgumentParser) -> None:
    """Arguments of `cnnlab validate`."""
    parser.add_argument("path", type=Path, help="a template or spec YAML file, or a folder of them")
    parser.add_argument("--no-sandbox", action="store_true",
                        help="skip grading the worked solutions in the sandbox (the in-process self-tests still run)")
    parser.add_argument("--variety", action="store_true",
                        help=f"also print, per template, the distinct answers over {STUDENTS} students and how often "
                             "each drawn parameter value comes up, with a warning where rejected draws skew one")


def run(args: argparse.Namespace) -> int:
    """One OK line per file and a warning line (stderr) per authoring warning, the variety report when asked, then
    the sandbox check; the first problem is raised as a one-line error."""
    path: Path = args.path
    for line in validate_path(path):
        print(line)
    for warning in warnings_at(yaml_files(path)):  # fairness a check cannot prove: printed, never failing
        print(f"cnnlab: {warning}", file=sys.stderr)
    if args.variety:
        report, warnings = variety_report(measure_path(path))
        print("\n".join(["", *report, ""]))
        for warning in warnings:
            print(f"cnnlab: {warning}", file=sys.stderr)
    if args.no_sandbox:
        return 0
    from grader.pipeline.worked_solutions import grade_worked_solutions  # the sandbox and torch: only for this check

    templates = templates_at(path)
    problems = grade_worked_solutions([KINDS[t.kind].generate(t, 0) for t in templates])
    if problems:
        raise TemplateError(str(path), problems[0] + (f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""))
    print(f"{path}: {len(templates)} worked solutions score full marks and {len(templates)} untouched stubs score 0 "
          "through the grader, sandbox included")
    return 0

