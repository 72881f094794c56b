"""`cnnlab validate PATH`: check templates and specs (syntax, keys, kinds, ranges, constraints, self-tests)."""

from __future__ import annotations

import argparse
from pathlib import Path

from generator.validate import validate_path

HELP = "check question templates and assignment specs (a file, or a folder of them)"


def configure(parser: argparse.ArgumentParser) -> None:
    """Arguments of `cnnlab validate`."""
    parser.add_argument("path", type=Path, help="a template or spec YAML file, or a folder of them")


def main(*, path: Path) -> int:
    """Print one OK line per file; the first problem is raised as a one-line `FILE:LINE: ...` error."""
    for line in validate_path(path):
        print(line)
    return 0
