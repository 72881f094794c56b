"""`cnnlab generate SPEC --roster CSV --out DIR`: every student's notebook, the instructor notebooks, the keys."""

from __future__ import annotations

import argparse

from cnnlab.options import class_arguments
from generator.build import FOLDERS, generate_class
from generator.roster import read_students
from generator.seeds import read_secret
from generator.spec import load_spec

HELP = "generate personalised student notebooks, instructor notebooks and answer keys for a roster"


def configure(parser: argparse.ArgumentParser) -> None:
    """Arguments of `cnnlab generate`."""
    class_arguments(parser, "the assignment or exam spec (YAML)")


def run(args: argparse.Namespace) -> int:
    """Generate everything and print where it went."""
    spec, roster, out = args.spec, args.roster, args.out
    secret = read_secret(args.secret_file)
    loaded, students = load_spec(spec), read_students(roster)
    result = generate_class(loaded, students, secret, out)
    print(f"{loaded.title}: {len(students)} students, questions per student: "
          f"{len(result['students'][0]['questions'])}")
    for role, folder in FOLDERS.items():
        print(f"  {role:<10} {out / folder}/")
    print(f"  manifest   {out / 'manifest.json'}")
    print(f"  hand out only {out / FOLDERS['student']}/; keep {out / FOLDERS['key']}/ private")
    return 0
