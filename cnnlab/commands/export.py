"""`cnnlab export TARGET ...`: one sub-command per place a course runs cnnlab (an LMS quiz, Gradescope).

Each target is its own module exposing HELP, configure(parser) and main(**options) -> int, as the top-level
commands do.
"""

from __future__ import annotations

import argparse
import importlib
from typing import Any

HELP = "export quizzes to Moodle (XML) or Canvas (QTI 1.2), or an autograder zip to Gradescope"
TARGETS: dict[str, tuple[str, str]] = {  # name -> (module, one line for --help)
    "moodle": ("generator.lms.moodle", "a Moodle XML quiz: a category of N variants per question"),
    "qti": ("generator.lms.qti", "a QTI 1.2 zip that Canvas imports: a question bank of N variants per question"),
    "gradescope": ("grader.gradescope.package", "a Gradescope autograder.zip that grades with the answer keys"),
}


def configure(parser: argparse.ArgumentParser) -> None:
    """One sub-parser per target, each configuring its own options."""
    sub = parser.add_subparsers(dest="target", metavar="TARGET", required=True)
    for name, (module_name, summary) in TARGETS.items():
        module = importlib.import_module(module_name)
        target = sub.add_parser(name, help=summary, description=module.HELP)
        module.configure(target)
        target.set_defaults(_target=module)


def main(*, target: str, _target: Any = None, **options: Any) -> int:
    """Run the chosen target's main with its own options."""
    module = _target or importlib.import_module(TARGETS[target][0])
    return int(module.main(**options) or 0)
