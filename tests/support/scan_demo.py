"""The scanning half of `make demo`: the printed midterm filled in by four students, scanned, read, corrected, graded.

Usage: python -m tests.support.scan_demo EXAMDIR WORK_DIR SECRET_FILE. EXAMDIR is what `cnnlab exam` wrote for the
bundled midterm (`exam: {scan: true}`). Four students write known answers on their papers (tests/support/scans.py);
the papers go through a simulated department scanner (one page upside down, a page dropped, a page scanned twice, a
blank duplex back, one feed as PNG files); `cnnlab scan` reads them; the reviewed boxes are answered from the
papers as a TA would (review.csv) and applied with --corrections; `cnnlab grade --answers` grades the scan's
marks.csv and the same answers typed by hand. It checks that every reading is right or in the review, and that the
two gradings agree, and prints a short summary.
"""

from __future__ import annotations

import sys
from pathlib import Path

from tests.support.scan_check import check_scan, corrected_grades, run_scan
from tests.support.scan_class import simulate_class
from tests.support.scans import Defects

STUDENTS = 4
SEED = 25


def main(argv: list[str]) -> int:
    """Fill, scan, read, correct, grade both sheets; 0 when the checks hold, 1 when one fails or a command does."""
    if len(argv) != 3:
        print(__doc__.splitlines()[2], file=sys.stderr)
        return 2
    exam, work, secret = Path(argv[0]), Path(argv[1]), argv[2]
    students = _first_students(exam)
    truth = simulate_class(exam, work / "filled", SEED, students=students, image_feeds={students[1]: "png"},
                           defects={students[0]: Defects(drop=2), students[1]: Defects(upside_down=3),
                                    students[2]: Defects(blank_after=0), students[3]: Defects(duplicate=4)})
    print(f"scan demo: {len(students)} students' papers filled and scanned into {len(truth.scans)} files "
          f"({len(truth.scanned)} pages)")
    scan_dir = work / "scan"
    try:
        run_scan(truth, scan_dir, Path(secret))
        found = check_scan(truth, scan_dir)
        from_scan, typed, fixes = corrected_grades(truth, scan_dir, work)
    except OSError as error:
        print(f"scan demo: {error}", file=sys.stderr)
        return 1
    read = [box for box in found.boxes if box.holds in ("number", "letter", "id")]
    review = sum(box.review for box in read)
    silent = [box for box in found.boxes if box.silent_error]
    pages_ok = found.pages_handled()
    equal = from_scan == typed
    handled = "as they should be" if pages_ok else "NOT as they should be"
    print(f"scan demo: {found.identified} of {found.pages} pages identified; the dropped and the twice-scanned page "
          f"reported, the upside-down one turned, the blank back skipped: {handled}; {len(read)} boxes read, "
          f"{review} to review ({review / max(len(read), 1):.1%}), {len(silent)} read wrong without review; "
          f"{fixes} corrections applied; grades equal to the typed sheet's: {'yes' if equal else 'NO'}")
    for box in silent:
        print(f"  read wrong without review: {box.student_id} {box.column}: wrote {box.known!r}, read {box.read!r}")
    return 0 if pages_ok and not silent and equal else 1


def _first_students(exam: Path) -> list[str]:
    """The first students of the exam's roster (seating.csv, else the marks sheets' order)."""
    seating = exam / "seating.csv"
    if seating.is_file():
        lines = seating.read_text("utf-8").splitlines()[1:]
        return [line.split(",")[0] for line in lines[:STUDENTS]]
    return sorted(path.stem for path in (exam / "key").glob("*.json"))[:STUDENTS]


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
