"""Does copy detection find copiers without accusing honest students, and is it fast for 10,000 students?

A class of the bundled problem set's real variants (generator.build.sheet_for): honest students with plausible
mistakes (tests/support/copying_sim.py), plus pairs in which one copied 3 to 8 answers from the other. Prints the
detection rate and the false pairs among honest students at the threshold, over several classes, then times the
detection (index, matches, pairs) on one core for a large class. No sandbox: keys and submitted values only.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from grader.copying.detect import MIN_QUESTIONS, detect, threshold_for  # noqa: E402
from tests.support.copying_sim import class_variants, simulate_class  # noqa: E402


def evaluate(students: int, copiers: int, classes: int, threshold: float | None, workers: int
             ) -> tuple[int, int, int]:
    """Over `classes` simulated classes: copied pairs found, copied pairs planted, honest pairs flagged."""
    found = planted = false = 0
    for number in range(classes):
        keys = class_variants([f"c{number}s{i:05d}" for i in range(students)], f"class-{number}".encode(),
                              workers=workers)
        simulated = simulate_class(keys, copiers, seed=number)
        flagged = {(p.first, p.second) for p in detect(simulated.keys, simulated.submitted, threshold)}
        planted_pairs = {tuple(sorted(pair)) for pair in simulated.copied}
        found += len(flagged & planted_pairs)
        planted += len(planted_pairs)
        false += len(flagged - planted_pairs)
    return found, planted, false


def main() -> int:
    """Detection and false-alarm rates, then the time for a large class."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=300, help="honest students per class (copiers included)")
    parser.add_argument("--copiers", type=int, default=10, help="copying pairs planted per class")
    parser.add_argument("--classes", type=int, default=3, help="simulated classes to average over")
    parser.add_argument("--large", type=int, default=10_000, help="students in the timed class")
    parser.add_argument("--threshold", type=float, help="nats (default: grader.copying.detect.threshold_for the class size)")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="processes drawing variants")
    parser.add_argument("--small", default="16,40", help="also these class sizes (comma-separated; '' for none), "
                                                          "one copying pair and 20 classes each")
    args = parser.parse_args()
    found, planted, false = evaluate(args.students, args.copiers, args.classes, args.threshold, args.workers)
    honest = args.students - 2 * args.copiers
    chosen = threshold_for(args.students) if args.threshold is None else args.threshold
    print(f"threshold {chosen:g} nats over >= {MIN_QUESTIONS} questions; {args.classes} class(es) of {args.students} "
          f"students, {args.copiers} copying pairs each")
    print(f"detection: {found} of {planted} copied pairs found ({100 * found / max(planted, 1):.0f}%; "
          f"target >= 90%)")
    per_300 = false / args.classes * 300 / max(args.students, 1)
    print(f"false alarms: {false} honest pair(s) flagged in {args.classes} class(es), {per_300:.2f} per 300 students "
          f"(target <= 1)")
    for size in filter(None, (int(item) for item in args.small.split(",") if item.strip())):
        found, planted, false = evaluate(size, 1, 20, args.threshold, args.workers)
        print(f"small class of {size}: threshold {threshold_for(size):.1f} nats; {found} of {planted} copied pairs "
              f"found, {false} honest pair(s) flagged in 20 classes ({false / 20 * 300 / size:.2f} per 300 students)")
    started = time.perf_counter()
    keys = class_variants([f"L{i:06d}" for i in range(args.large)], b"large-class", workers=args.workers)
    simulated = simulate_class(keys, args.large // 30, seed=7)
    drawn = time.perf_counter() - started
    started = time.perf_counter()
    flagged = detect(simulated.keys, simulated.submitted, args.threshold)
    seconds = time.perf_counter() - started
    planted_pairs = {tuple(sorted(pair)) for pair in simulated.copied}
    hits = sum((p.first, p.second) in planted_pairs for p in flagged)
    large = threshold_for(args.large) if args.threshold is None else args.threshold
    print(f"large class: {args.large} students (variants drawn in {drawn:.1f} s), threshold {large:.1f} nats; "
          f"detection took {seconds:.2f} s on "
          f"one core (target < 10 s); {hits} of {len(planted_pairs)} copied pairs found, "
          f"{len(flagged) - hits} other pair(s) flagged")
    return 0


if __name__ == "__main__":
    sys.exit(main())
