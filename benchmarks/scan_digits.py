"""The shipped digit reader on held-out digits: accuracy per digit and overall, review share and accepted-wrong rate.

Reads the evaluation draw the trainer reports on (held_out_digits(N, seed=2, scanned=True): font faces and real
load_digits images never trained on) with the shipped weights and threshold, exactly as `cnnlab scan` reads a comb
cell, and times the two steps per cell (preprocessing, network). Needs scikit-learn and the handwriting fonts.

    .venv/bin/python benchmarks/scan_digits.py [--digits 10000] [--box-digits 3]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from grader.scan.digit_data import held_out_digits  # noqa: E402
from grader.scan.digit_quality import BOX_DIGITS, box_size_line, box_sizes, figures  # noqa: E402
from grader.scan.digits import DigitClassifier, cell_images  # noqa: E402
from grader.scan.train_digits import EVALUATION_SEED, HELD_OUT_IMAGES  # noqa: E402


def main() -> None:
    """Read the held-out draw and print the figures the issue's targets are about."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--digits", type=int, default=HELD_OUT_IMAGES, help="held-out digits to read")
    parser.add_argument("--box-digits", type=int, default=BOX_DIGITS, help="digits per number box")
    args = parser.parse_args()
    classifier = DigitClassifier.load()
    crops, labels = held_out_digits(args.digits, EVALUATION_SEED, scanned=True)
    start = time.perf_counter()
    images = cell_images(crops)
    prepared = time.perf_counter()
    predicted, confidence = classifier.classify(images)
    done = time.perf_counter()
    result = figures(predicted, confidence, labels, classifier.threshold, args.box_digits)
    print(f"shipped weights on held_out_digits({args.digits}, seed={EVALUATION_SEED}, scanned=True)")
    print("\n".join(result.lines()))
    print(box_size_line(box_sizes(predicted, confidence, labels, classifier.threshold)))
    print(f"targets met: {result.meets_targets()}")
    print(f"per cell: preprocessing {(prepared - start) / len(labels) * 1e6:.0f} us, "
          f"network {(done - prepared) / len(labels) * 1e6:.0f} us (batch of {len(labels)}, one process)")


if __name__ == "__main__":
    main()
