"""`cnnlab generate SPEC --roster CSV --out DIR`: every student's notebook, the instructor notebooks, the keys."""

from __future__ import annotations

import argparse
from pathlib import Path

from generator.build import FOLDERS, generate_class
from generator.roster import read_roster
from generator.seeds import read_secret
from generator.spec import load_spec

HELP = "generate personalised student notebooks, instructor notebooks and answer keys for a roster"


def class_arguments(parser: argparse.ArgumentParser, spec_help: str) -> None:
    """What every per-class command takes: the spec, the roster, the output folder and the course secret."""
    parser.add_argument("spec", type=Path, help=spec_help)
    parser.add_argument("--roster", type=Path, required=True,
                        help="CSV with a student_id column (and name), or a Canvas or Moodle export")
    parser.add_argument("--out", type=Path, required=True, help="output folder")
    parser.add_argument("--secret-file", type=Path, default=None,
                        help="file holding the course secret (default: $CNNLAB_SECRET)")


def configure(parser: argparse.ArgumentParser) -> None:
    """Arguments of `cnnlab generate`."""
    class_arguments(parser, "the assignment or exam spec (YAML)")


def main(*, spec: Path, roster: Path, out: Path, secret_file: Path | None) -> int:
    """Generate everything and print where it went."""
    secret = read_secret(secret_file)
    loaded, students = load_spec(spec), read_roster(roster)
    result = generate_class(loaded, students, secret, out)
    print(f"{loaded.title}: {len(students)} students, questions per student: "
          f"{len(result['students'][0]['questions'])}")
    for role, folder in FOLDERS.items():
        print(f"  {role:<10} {out / folder}/")
    print(f"  manifest   {out / 'manifest.json'}")
    print(f"  hand out only {out / FOLDERS['student']}/; keep {out / FOLDERS['key']}/ private")
    return 0
