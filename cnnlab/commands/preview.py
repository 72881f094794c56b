"""`cnnlab preview SPEC_OR_TEMPLATE --seed N`: print one variant as Markdown, with its answer (generator/preview.py)."""

from __future__ import annotations

import argparse
from pathlib import Path

from generator.preview import preview_path

HELP = "print one variant of a template (or of a whole spec) as Markdown"


def configure(parser: argparse.ArgumentParser) -> None:
    """Arguments of `cnnlab preview`."""
    parser.add_argument("path", type=Path, help="a template or spec YAML file")
    parser.add_argument("--seed", type=int, default=0, help="which variant (default 0)")
    parser.add_argument("--no-answers", dest="answers", action="store_false", help="leave out the worked solutions")
    parser.add_argument("--params", action="store_true",
                        help="also print the drawn parameters, each beside how the template draws it")


def run(args: argparse.Namespace) -> int:
    """Print the Markdown."""
    print(preview_path(args.path, args.seed, args.answers, args.params))
    return 0
