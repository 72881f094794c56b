"""`cnnlab init COURSE`: a course folder to start from (generator/new_course.py), then the next commands."""

from __future__ import annotations

import argparse
from pathlib import Path

HELP = ("make a course folder from the bundled problem set and midterm: templates, specs, an example roster, a new "
        "secret (0600) and a README of the next commands")


def configure(parser: argparse.ArgumentParser) -> None:
    """The command's options."""
    parser.add_argument("course", type=Path, metavar="COURSE", help="the folder to make (must not exist, or be empty)")


def run(args: argparse.Namespace) -> int:
    """Make the folder and say what to do next."""
    from generator.new_course import SECRET, SPECS, init_course

    written = init_course(args.course)
    print(f"{args.course}: {len(written)} files: {', '.join(SPECS)}, templates/, roster.csv, {SECRET} (0600, keep it "
          f"private), README.md")
    print(f"  next: cd {args.course} && cnnlab generate {SPECS[0]} --roster roster.csv --secret-file {SECRET} "
          "--out out/ps1")
    return 0
