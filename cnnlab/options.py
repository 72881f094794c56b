"""Options that several commands share, defined once so every command spells and explains them alike."""

from __future__ import annotations

import argparse
from pathlib import Path


def class_arguments(parser: argparse.ArgumentParser, spec_help: str) -> None:
    """What every per-class command takes: the spec, the roster, the output folder and the course secret."""
    parser.add_argument("spec", type=Path, help=spec_help)
    parser.add_argument("--roster", type=Path, required=True,
                        help="CSV with a student_id column (and name), or a Canvas or Moodle export")
    parser.add_argument("--out", type=Path, required=True, help="output folder")
    parser.add_argument("--secret-file", type=Path, default=None,
                        help="file holding the course secret (default: $CNNLAB_SECRET)")
