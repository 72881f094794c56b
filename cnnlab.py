"""The `cnnlab` command: a thin argparse layer over each subcommand's keyword-only `main`.

Each subcommand lives in its own module, which exposes HELP, configure(parser) and main(**options) -> int.
Modules are imported lazily by name so `cnnlab --help` stays fast and one broken command cannot hide the rest.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

COMMANDS: dict[str, str] = {
    "table": "solutions.table_command",
    "generate": "generator.cli_generate",
    "preview": "generator.cli_preview",
    "validate": "generator.cli_validate",
    "bench": "solutions.bench_command",
    "grade": "grader.grade_command",
    "report": "grader.report_command",
}


def build_parser() -> argparse.ArgumentParser:
    """The full parser, one subparser per registered command."""
    parser = argparse.ArgumentParser(
        prog="cnnlab", description="Generate personalised CNN assignments and exams, and grade them."
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, module_name in COMMANDS.items():
        module = importlib.import_module(module_name)
        command = sub.add_parser(name, help=module.HELP, description=module.HELP)
        module.configure(command)
        command.set_defaults(_module=module)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: parse, dispatch, and turn expected failures into one-line errors (exit 2)."""
    args = vars(build_parser().parse_args(argv))
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
