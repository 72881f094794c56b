"""`cnnlab scan` on a simulated class against the issue's targets: pages identified, letters and digits read right,
wrong readings accepted without review, the review share of number boxes, and pages a second on one core.

The bundled midterm (assignments/cnn-exam.yaml, `exam: {scan: true}`) is printed for a class, each student writes
known answers on their paper (held-out digits, marked circles: tests/support/scans.py) and the papers are scanned
with a department scanner's defects (skew, scale, shift, noise, JPEG; now and then a page upside down, a blank duplex
back, a page scanned twice); `cnnlab scan` then reads them on one core, timed from the first QR code to marks.csv.

    .venv/bin/python benchmarks/scan_speed.py [--students 20] [--forms 2] [--dpi 200] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.support.scan_check import BoxCheck, Findings, check_scan, run_scan  # noqa: E402
from tests.support.scan_class import SimulatedClass, print_exam, simulate_class  # noqa: E402
from tests.support.scan_answers import layout_boxes  # noqa: E402
from tests.support.scans import Defects  # noqa: E402

SECRET = REPO / "assignments" / "demo.secret"
TARGETS = {"letters": 0.995, "digits": 0.98, "accepted_wrong": 0.005, "review": 0.15, "pages_per_s": 10.0}


def defects_for(students: list[str], pages: int, seed: int) -> dict[str, Defects]:
    """A scanner's usual mishaps spread over the class: every 5th feed one page upside down, every 7th a blank
    duplex back, every 10th a page scanned twice (covers stay first, as a form's paper needs)."""
    rng = random.Random(seed)
    defects = {}
    for number, student in enumerate(students, start=1):
        pick = lambda: rng.randrange(1, pages)  # noqa: E731
        defects[student] = Defects(upside_down=pick() if number % 5 == 0 else None,
                                   blank_after=pick() if number % 7 == 0 else None,
                                   duplicate=pick() if number % 10 == 0 else None)
    return defects


def read_on_one_core(truth: SimulatedClass, scan_dir: Path) -> tuple[float, float]:
    """`cnnlab scan` on the class's scans, pinned to one CPU: (wall seconds, CPU seconds). On a shared machine the
    CPU seconds are what one core of its own would take; the wall seconds include waiting for other programs."""
    cpus = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {min(cpus)})
    try:
        start, cpu_start = time.perf_counter(), time.process_time()
        run_scan(truth, scan_dir, SECRET)
        return time.perf_counter() - start, time.process_time() - cpu_start
    finally:
        os.sched_setaffinity(0, cpus)


def digits_right(boxes: list[BoxCheck]) -> tuple[int, int]:
    """(digits read right, digits written) over number boxes: a box read as long as written is compared digit by
    digit; any other misreading counts all its digits wrong."""
    right = total = 0
    for box in boxes:
        written = [char for char in box.known if char.isdigit()]
        read = [char for char in box.read if char.isdigit()]
        total += len(written)
        right += sum(a == b for a, b in zip(written, read)) if len(read) == len(written) else 0
    return right, total


def circles_right(truth: SimulatedClass, letters: list[BoxCheck]) -> tuple[int, int]:
    """(circles read right, circles) over letter boxes: a circle is right when it is read as marked exactly when it
    was marked."""
    options: dict[str, dict[str, list[str]]] = {}
    for student, who in {page.student_id: page.who for page in truth.scanned}.items():
        layout = json.loads((truth.exam_dir / "layout" / f"{who}.json").read_text("utf-8"))
        options[student] = {column: box.get("options", []) for column, box in layout_boxes(layout).items()}
    right = total = 0
    for box in letters:
        for option in options[box.student_id][box.column]:
            total += 1
            right += (option == box.known.strip()) == (option == box.read.strip())
    return right, total


def share(part: int, whole: int) -> str:
    """A share as a percentage with its counts."""
    return f"{part / whole:.2%} ({part}/{whole})" if whole else "n/a (0 boxes)"


def met(ok: bool) -> str:
    """A target's verdict."""
    return "met" if ok else "NOT MET"


def report(truth: SimulatedClass, findings: Findings, seconds: tuple[float, float]) -> list[str]:
    """The figures, each with its target."""
    pages = len(truth.scanned)
    letters = findings.of(("letter",))
    letters_wrong = [box for box in letters if not box.right]
    circles_ok, circles = circles_right(truth, letters)
    misses_reviewed = all(box.review for box in letters_wrong)
    numbers = findings.of(("number",))
    written = [box for box in numbers if box.known]
    digits_ok, digits = digits_right(written)
    accepted = [box for box in written if not box.review]
    accepted_wrong = [box for box in accepted if not box.right]
    accepted_all = [box for box in numbers if not box.review]
    ids = findings.of(("id",))
    wall, cpu = seconds
    lines = [
        f"pages identified: {share(findings.identified, findings.pages)}, misidentified "
        f"{len(findings.misidentified)}, unreported {len(findings.unreported)}; upside-down, blank, twice-scanned "
        f"pages handled: {findings.pages_handled()} (target 100%, 0 misidentified: "
        f"{met(findings.identified == findings.pages and not findings.misidentified)})",
        f"letters read right: circles {share(circles_ok, circles)}, boxes "
        f"{share(len(letters) - len(letters_wrong), len(letters))}, misses all in review: {misses_reviewed} "
        f"(target >= {TARGETS['letters']:.1%} of circles, every miss in review: "
        f"{met(circles_ok >= TARGETS['letters'] * circles and misses_reviewed)})",
        f"digits read right: {share(digits_ok, digits)} (target >= {TARGETS['digits']:.0%}: "
        f"{met(digits_ok >= TARGETS['digits'] * digits)})",
        f"written number boxes accepted wrong: {share(len(accepted_wrong), len(accepted))} (target <= "
        f"{TARGETS['accepted_wrong']:.1%}: {met(len(accepted_wrong) <= TARGETS['accepted_wrong'] * len(accepted))})",
        f"written number boxes to review: {share(len(written) - len(accepted), len(written))} (target <= "
        f"{TARGETS['review']:.0%}: {met(len(written) - len(accepted) <= TARGETS['review'] * len(written))})",
        f"all number boxes (spare ones left empty too): to review "
        f"{share(len(numbers) - len(accepted_all), len(numbers))}, accepted wrong "
        f"{share(sum(not box.right for box in accepted_all), len(accepted_all))}",
        f"student ids: read right {share(sum(box.right for box in ids), len(ids))}, to review "
        f"{share(sum(box.review for box in ids), len(ids))}",
        f"silent wrong readings (wrong and not in review): {sum(box.silent_error for box in findings.boxes)}",
        *(f"  {box.student_id} {box.column}: wrote {box.known!r}, read {box.read!r}"
          for box in findings.boxes if box.silent_error),
        f"speed: {pages} pages in {wall:.1f} s on one core = {pages / wall:.1f} pages/s, QR to marks.csv; "
        f"{cpu:.1f} CPU s = {pages / cpu:.1f} pages per CPU second (target >= {TARGETS['pages_per_s']:.0f} pages/s: "
        f"wall {met(pages / wall >= TARGETS['pages_per_s'])}, CPU {met(pages / cpu >= TARGETS['pages_per_s'])}; "
        f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs)",
    ]
    return lines


def main() -> None:
    """Print, fill, scan, read and compare; print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=20)
    parser.add_argument("--forms", type=int, default=2, help="forms printed (0: each student's own exam)")
    parser.add_argument("--dpi", type=int, default=200, help="the scans' resolution")
    parser.add_argument("--seed", type=int, default=25)
    parser.add_argument("--keep", type=Path, help="write everything here instead of a temporary folder")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="cnnlab-scan-bench-") as temporary:
        work = args.keep or Path(temporary)
        work.mkdir(parents=True, exist_ok=True)
        students = [f"s{2025001 + i}" for i in range(args.students)]
        (work / "roster.csv").write_text("student_id,name\n" + "".join(f"{s},Student {s[-3:]}\n" for s in students),
                                         encoding="utf-8")
        exam = print_exam(REPO / "assignments" / "cnn-exam.yaml", work / "roster.csv", SECRET, work / "exam",
                          args.forms or None)
        start = time.perf_counter()
        pages = min(sheet["pages"] for sheet in json.loads((exam / "exam.json").read_text("utf-8"))["sheets"])
        truth = simulate_class(exam, work / "filled", args.seed, dpi=args.dpi,
                               defects=defects_for(students, pages, args.seed))
        print(f"simulated {len(students)} students' papers: {len(truth.scanned)} scanned pages at {args.dpi} dpi "
              f"in {time.perf_counter() - start:.1f} s")
        seconds = read_on_one_core(truth, work / "scan")
        findings = check_scan(truth, work / "scan")
        print("\n".join(report(truth, findings, seconds)))


if __name__ == "__main__":
    main()
