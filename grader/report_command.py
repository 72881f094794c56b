"""`cnnlab report DIR`: an HTML class report from a grading output folder."""

from __future__ import annotations

import argparse
from pathlib import Path

from grader.report import write_report
from grader.store import Store

HELP = "Write an HTML class report (score histogram, item analysis) for a `cnnlab grade` output folder."


def configure(parser: argparse.ArgumentParser) -> None:
    """The command's options."""
    parser.add_argument("dir", metavar="DIR", help="the --out folder of `cnnlab grade`")
    parser.add_argument("--out", metavar="FOLDER", help="where report.html and its plots go (default DIR/report)")


def main(*, dir: str, out: str | None = None) -> int:  # noqa: A002 - the argument is named DIR on the command line
    """Read every stored record and write the report; prints the report's path."""
    root = Path(dir)
    if not (root / "submissions").is_dir():
        raise OSError(f"{root}: not a cnnlab grade output folder (no submissions/ inside)")
    path = write_report(Store(root).records(), Path(out) if out else root / "report")
    print(f"report: {path}")
    return 0
