"""`cnnlab autograde`: what the Gradescope autograder.zip's run_autograder runs (grader/gradescope/autograder.py)."""

from __future__ import annotations

import argparse
from pathlib import Path

from grader.gradescope.autograder import autograder_root, check, write_results

HELP = ("Grade the submission in a Gradescope autograder's tree (/autograder) and write results/results.json; "
        "run_autograder calls it")


def configure(parser: argparse.ArgumentParser) -> None:
    """The command's options."""
    parser.add_argument("--root", type=Path, default=None, help="default: $CNNLAB_AUTOGRADER_ROOT or /autograder")
    parser.add_argument("--check", action="store_true",
                        help="grade the zip's own correct and blank notebooks (setup.sh runs it): exit 1 unless the "
                             "correct one scores full marks and the blank one 0")
    parser.add_argument("--memory", type=int, default=None, metavar="MB",
                        help="the sandbox's memory per submission (default: the zip's settings.json)")


def run(args: argparse.Namespace) -> int:
    """0 whenever a results.json was written; the instructor-only log goes to stdout (hidden from students)."""
    if args.memory is not None and args.memory < 64:
        raise ValueError("--memory must be at least 64 (MB)")
    root = args.root or autograder_root()
    if args.check:
        ok, lines = check(root, args.memory)
        print("\n".join(lines))
        return 0 if ok else 1
    print("\n".join(write_results(root, args.memory)))
    return 0
