"""The `cnnlab` command: a thin argparse layer over the subcommands in cnnlab/commands/.

Each subcommand is one module, cnnlab/commands/<name>.py, exposing HELP, configure(parser) and run(args) -> int over
functions that live in the library (solutions/, generator/, grader/). Modules are imported lazily by name, so
`cnnlab --help` stays fast and one broken command cannot hide the rest; nothing imports a command module.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

COMMANDS: dict[str, str] = {  # name -> one line for the top-level --help; the module is cnnlab.commands.<name>
    "init": "make a course folder from the bundled problem set and midterm, with a new secret",
    "table": "print the layer table of a reference architecture",
    "generate": "generate student notebooks, instructor notebooks and answer keys",
    "preview": "print one variant of a template or spec as Markdown",
    "validate": "check templates and specs, and grade their worked solutions",
    "bench": "train the reference LeNet-5 and record a benchmark or a grading bar",
    "grade": "grade notebooks, folders or LMS zips against the answer keys, in a sandbox",
    "merge": "join the output folders of `cnnlab grade --shard I/N` runs into one",
    "report": "write the HTML class report of a grade output folder",
    "exam": "typeset printable PDF exams in forms, their answer keys and a marks sheet",
    "scan": "read filled paper exams from their scans into a marks sheet, with a review page",
    "export": "export quizzes to Moodle or Canvas (QTI), or an autograder to Gradescope",
    "check": "run a notebook in the sandbox and check its answers' form, without a key",
    "autograde": "grade a Gradescope submission and write results.json (run_autograder calls it)",
}


def _version() -> str:
    """The installed distribution's version."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("cnnlab")
    except PackageNotFoundError:  # run from a checkout that was never installed
        return "unknown (not installed)"


def command_module(name: str) -> str:
    """The module that implements subcommand `name`: one folder, one naming scheme."""
    return f"cnnlab.commands.{name.replace('-', '_')}"


def build_parser(chosen: str | None = None) -> argparse.ArgumentParser:
    """The parser; only the chosen command's module is imported (and configures its options)."""
    parser = argparse.ArgumentParser(
        prog="cnnlab", description="Generate personalised CNN assignments and exams, and grade them.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, summary in COMMANDS.items():
        if name != chosen:
            sub.add_parser(name, help=summary, description=summary)
            continue
        module = importlib.import_module(command_module(name))
        command = sub.add_parser(name, help=summary, description=module.HELP)
        module.configure(command)
        command.set_defaults(_run=module.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: parse, dispatch, and turn expected failures into one-line errors (exit 2)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    chosen = next((a for a in argv if not a.startswith("-")), None)
    args = build_parser(chosen if chosen in COMMANDS else None).parse_args(argv)
    run = args._run
    del args._run, args.command
    try:
        return int(run(args) or 0)
    except (ValueError, OSError) as error:
        for line in str(error).splitlines() or [""]:  # several problems of a file: one `FILE:LINE: message` each
            print(f"cnnlab: error: {line}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("cnnlab: interrupted", file=sys.stderr)
        return 130
