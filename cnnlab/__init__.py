"""The `cnnlab` command: a thin argparse layer over each subcommand's keyword-only `main`.

Each subcommand lives in its own module, which exposes HELP, configure(parser) and main(**options) -> int.
Modules are imported lazily by name so `cnnlab --help` stays fast and one broken command cannot hide the rest.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

COMMANDS: dict[str, tuple[str, str]] = {  # name -> (module, one line for the top-level --help)
    "table": ("cnnlab.commands.table", "print the layer table of a reference architecture"),
    "generate": ("cnnlab.commands.generate", "generate student notebooks, instructor notebooks and answer keys"),
    "preview": ("cnnlab.commands.preview", "print one variant of a template or spec as Markdown"),
    "validate": ("cnnlab.commands.validate", "check templates and specs, and grade their worked solutions"),
    "bench": ("cnnlab.commands.bench", "train the reference LeNet-5 and record a benchmark or a grading bar"),
    "grade": ("cnnlab.commands.grade", "grade notebooks, folders or LMS zips against the answer keys, in a sandbox"),
    "merge": ("cnnlab.commands.merge", "join the output folders of `cnnlab grade --shard I/N` runs into one"),
    "report": ("cnnlab.commands.report", "write the HTML class report of a grade output folder"),
    "exam": ("cnnlab.commands.exam", "typeset printable PDF exams in forms, their answer keys and a marks sheet"),
    "export": ("cnnlab.commands.export", "export quizzes to Moodle or Canvas (QTI), or an autograder to Gradescope"),
    "check": ("cnnlab.commands.check", "run a notebook in the sandbox and check its answers' form, without a key"),
}


def _version() -> str:
    """The installed distribution's version."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("cnnlab")
    except PackageNotFoundError:  # run from a checkout that was never installed
        return "unknown (not installed)"


def build_parser(chosen: str | None = None) -> argparse.ArgumentParser:
    """The parser; only the chosen command's module is imported (and configures its options)."""
    parser = argparse.ArgumentParser(
        prog="cnnlab", description="Generate personalised CNN assignments and exams, and grade them."
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, (module_name, summary) in COMMANDS.items():
        if name != chosen:
            sub.add_parser(name, help=summary, description=summary)
            continue
        module = importlib.import_module(module_name)
        command = sub.add_parser(name, help=summary, description=module.HELP)
        module.configure(command)
        command.set_defaults(_module=module)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: parse, dispatch, and turn expected failures into one-line errors (exit 2)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    chosen = next((a for a in argv if not a.startswith("-")), None)
    args = vars(build_parser(chosen if chosen in COMMANDS else None).parse_args(argv))
    module = args.pop("_module")
    args.pop("command")
    try:
        return int(module.main(**args) or 0)
    except (ValueError, OSError) as error:
        print(f"cnnlab: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("cnnlab: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
