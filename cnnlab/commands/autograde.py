"""`cnnlab autograde`: what the Gradescope autograder.zip's run_autograder runs (grader/gradescope/autograder.py)."""

from __future__ import annotations

import argparse
from pathlib import Path

from grader.gradescope.autograder import autograder_root, write_results

HELP = ("Grade the submission in a Gradescope autograder's tree (/autograder) and write results/results.json; "
        "run_autograder calls it")


def configure(parser: argparse.ArgumentParser) -> None:
    """The command's options."""
    parser.add_argument("--root", type=Path, default=None, help="default: $CNNLAB_AUTOGRADER_ROOT or /autograder")


def run(args: argparse.Namespace) -> int:
    """0 whenever a results.json was written; the instructor-only log goes to stdout (hidden from students)."""
    print("\n".join(write_results(args.root or autograder_root())))
    return 0
