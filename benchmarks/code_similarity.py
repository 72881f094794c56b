"""Does code similarity find disguised copies without accusing students who wrote the same approach?

A simulated class's conv2d code (tests/support/copying_code_sim.py): ten independent styles, each student's own choices,
names and layout, and pairs in which one copied another's code and disguised it (renamed, recommented, relaid out,
two statements swapped, a dead line). Prints, at the threshold, the copied pairs found and the honest pairs flagged
over several classes, the same copies disguised without the swap and dead line, the similarity of copied and
honest pairs, and a sweep of thresholds. No sandbox: grader.copying.code reads the sources as text.
"""

from __future__ import annotations

import argparse
import functools
import os
import random
import statistics
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from grader.copying.code import SIMILARITY, similar_code, similarities  # noqa: E402
from tests.support.copying_code_sim import QID, STARTER, STYLES, disguise, simulate_class  # noqa: E402

SWEEP = tuple(round(0.4 + 0.05 * k, 2) for k in range(11))  # 0.4 to 0.9


@dataclass(frozen=True)
class Measured:
    """One class at the threshold, and the similarities behind it."""

    found: int  # copied pairs flagged
    false: int  # honest pairs flagged
    same_style: int  # of which both wrote the same style
    light: int  # copied pairs flagged once the copies are disguised without the swap and dead line
    copied: tuple[float, ...]  # each copied pair's similarity
    honest_highest: float
    same_style_median: float  # over every honest pair of the same style, 0 for those that share nothing rare
    swept: tuple[tuple[int, int], ...]  # (copied pairs found, honest pairs flagged) at each SWEEP threshold
    seconds: float  # similar_code's time


def measure(seed: int, students: int, copiers: int, threshold: float) -> Measured:
    """similar_code on one simulated class, then its similarities for the distribution and the sweep."""
    simulated = simulate_class(students, copiers, seed)
    planted = {tuple(sorted(pair)) for pair in simulated.copied}
    started = time.perf_counter()
    flagged = {(p.first, p.second) for p in similar_code({QID: simulated.sources}, {QID: STARTER}, threshold)}
    seconds = time.perf_counter() - started
    sims = similarities(simulated.sources, STARTER)
    honest = [value for pair, value in sims.items() if pair not in planted]
    lightly = {**simulated.sources, **{copier: disguise(simulated.sources[original], random.Random(copier), False)
                                       for original, copier in simulated.copied}}
    light_sims = similarities(lightly, STARTER)
    ids = sorted(simulated.sources)
    same = [sims.get((a, b), 0.0) for k, a in enumerate(ids) for b in ids[k + 1:]
            if simulated.styles[a] == simulated.styles[b] and (a, b) not in planted]
    return Measured(len(flagged & planted), len(flagged - planted),
                    sum(simulated.styles[a] == simulated.styles[b] for a, b in flagged - planted),
                    sum(light_sims.get(pair, 0.0) >= threshold for pair in planted),
                    tuple(sims.get(pair, 0.0) for pair in planted), max(honest, default=0.0),
                    statistics.median(same or [0.0]),
                    tuple((sum(sims.get(pair, 0.0) >= t for pair in planted), sum(v >= t for v in honest))
                          for t in SWEEP), seconds)


def main() -> int:
    """Detection and false alarms at the threshold, the similarities behind them, and the sweep."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=300, help="students per class (copiers included)")
    parser.add_argument("--copiers", type=int, default=10, help="copied pairs planted per class")
    parser.add_argument("--classes", type=int, default=8, help="simulated classes (seeds 0, 1, ...)")
    parser.add_argument("--threshold", type=float, default=SIMILARITY, help="Jaccard (default: SIMILARITY)")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="processes, a class each")
    args = parser.parse_args()
    run = functools.partial(measure, students=args.students, copiers=args.copiers, threshold=args.threshold)
    with ProcessPoolExecutor(max(1, args.workers)) as pool:
        classes = list(pool.map(run, range(args.classes)))
    planted, scale = args.classes * args.copiers, 300 / max(args.students, 1) / args.classes
    found, false = sum(c.found for c in classes), sum(c.false for c in classes)
    copied = [value for c in classes for value in c.copied] or [0.0]
    highest = [c.honest_highest for c in classes]
    print(f"threshold {args.threshold:g} (Jaccard of rare k-grams); {args.classes} class(es) of {args.students} "
          f"students writing {len(STYLES)} styles of conv2d, {args.copiers} copied pairs each; similar_code "
          f"{statistics.mean(c.seconds for c in classes):.2f} s a class")
    print(f"detection: {found} of {planted} copied pairs found ({100 * found / max(planted, 1):.0f}%; target >= 90%); "
          f"the same copies without the swap and dead line: {sum(c.light for c in classes)} of {planted} found")
    print(f"false alarms: {false} honest pair(s) flagged ({sum(c.same_style for c in classes)} of the same style), "
          f"{false * scale:.2f} per 300 students (target <= 1)")
    print(f"similarity: copied pairs lowest {min(copied):.2f}, median {statistics.median(copied):.2f}; honest pairs "
          f"highest {max(highest):.2f}, median of each class's highest {statistics.median(highest):.2f}; same-style "
          f"honest pairs median {statistics.median(c.same_style_median for c in classes):.2f}")
    print("sweep (threshold found/planted false-per-300): " + " | ".join(
        f"{t:.2f} {sum(c.swept[k][0] for c in classes)}/{planted} {sum(c.swept[k][1] for c in classes) * scale:.1f}"
        for k, t in enumerate(SWEEP)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
