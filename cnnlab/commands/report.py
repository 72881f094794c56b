"""`cnnlab report DIR`: an HTML class report from a grading output folder, or the grades as an LMS imports them."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from grader.pipeline.answer_key import KeyDir
from grader.reports.lms_gradebook import EXPORTS, write_lms_csv
from grader.reports.wrong_answers import CSV_NAME
from grader.pipeline.roster import read_roster
from grader.pipeline.store import Store

HELP = ("Write an HTML class report (what to reteach, score histogram, item analysis, common wrong answers) and "
        "misconceptions.csv for a `cnnlab grade` output folder, or with --export the CSV that Canvas or Moodle "
        "imports as it is.")


def configure(parser: argparse.ArgumentParser) -> None:
    """The command's options."""
    parser.add_argument("dir", metavar="DIR", help="the --out folder of `cnnlab grade`")
    parser.add_argument("--out", metavar="PATH",
                        help="where report.html, its plots and misconceptions.csv go (default DIR/report); with "
                             "--export, the CSV's path (default DIR/<lms>-grades.csv)")
    parser.add_argument("--export", choices=sorted(EXPORTS), help="write the LMS's grade-import CSV instead")
    parser.add_argument("--roster", metavar="CSV", help="roster with the students' names and the LMS's ids (a Canvas "
                                                         "gradebook export, a Moodle participants export, or cnnlab's "
                                                         "own); default for the report's names: the roster the last "
                                                         "`cnnlab grade` had")
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
    if export is not None:
        records = Store(root).records()
        path = Path(out) if out else root / f"{export}-grades.csv"
        warning = write_lms_csv(path, export, records, read_roster(Path(roster)) if roster else None,
                                 args.assignment)
        if warning:
            print(f"cnnlab: warning: {warning}", file=sys.stderr)
        print(f"{export} grades: {path}")
        return 0
    from grader.reports.class_report import report_on  # matplotlib only when the report is drawn

    copying, path = report_on(root, Path(out) if out else root / "report",
                              KeyDir.open(Path(key)) if key is not None else None,
                              read_roster(Path(roster)) if roster else None)
    if copying is not None:
        print(copying)
    print(f"report: {path}")
    print(f"misconceptions: {path.with_name(CSV_NAME)}")
    return 0
