"""`cnnlab report DIR`: an HTML class report from a grading output folder, or the grades as an LMS imports them."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from grader.pipeline.answer_key import KeyDir
from grader.reports.lms_gradebook import EXPORTS, write_lms_csv
from grader.pipeline.roster import read_roster
from grader.pipeline.store import Store

HELP = ("Write an HTML class report (score histogram, item analysis) for a `cnnlab grade` output folder, or with "
        "--export the CSV that Canvas or Moodle imports as it is.")


def configure(parser: argparse.ArgumentParser) -> None:
    """The command's options."""
    parser.add_argument("dir", metavar="DIR", help="the --out folder of `cnnlab grade`")
    parser.add_argument("--out", metavar="PATH",
                        help="where report.html and its plots go (default DIR/report); with --export, the CSV's path "
                             "(default DIR/<lms>-grades.csv)")
    parser.add_argument("--export", choices=sorted(EXPORTS), help="write the LMS's grade-import CSV instead")
    parser.add_argument("--roster", metavar="CSV", help="roster with the LMS's ids (a Canvas gradebook export, a "
                                                         "Moodle participants export, or cnnlab's own)")
    parser.add_argument("--key", metavar="KEYDIR", help="the answer keys: compare the class again for the "
                                                         "possible-copying section (wrong answers that are another "
                                                         "student's right ones, similar code) and DIR/report/possible-"
                                                         "copying.csv, for the instructor only; `cnnlab grade` already "
                                                         "does this after every batch")
    parser.add_argument("--assignment", metavar="NAME", help="the LMS's column for the grades (Canvas: 'Name (id)' "
                                                             "updates that assignment; default: the assignment id)")


def run(args: argparse.Namespace) -> int:
    """Read every stored record; write the report (or the LMS's CSV) and print its path."""
    root, out, export, roster, key = Path(args.dir), args.out, args.export, args.roster, args.key
    if not (root / "submissions").is_dir():
        raise OSError(f"{root}: not a cnnlab grade output folder (no submissions/ inside)")
    records = Store(root).records()
    if export is not None:
        path = Path(out) if out else root / f"{export}-grades.csv"
        warning = write_lms_csv(path, export, records, read_roster(Path(roster)) if roster else None,
                                 args.assignment)
        if warning:
            print(f"cnnlab: warning: {warning}", file=sys.stderr)
        print(f"{export} grades: {path}")
        return 0
    from grader.copying.class_check import check_class, read_findings
    from grader.reports.class_report import write_report  # matplotlib only when the report is drawn

    folder = Path(out) if out else root / "report"
    if key is not None:
        print(check_class(Store(root), records, KeyDir.open(Path(key))))
    path = write_report(records, folder, read_findings(root / "report"))  # `cnnlab grade` wrote it, or just above
    print(f"report: {path}")
    return 0
