"""A small synthetic IDX data set for the GPU run's --smoke mode: 10 classes, learnable in a few steps.

Each 28x28 image is noise with one bright 7x7 blob; the class is which of 10 places (a 4x3 grid, two corners left
out) holds it, jittered by up to 2 pixels. Written in MNIST's layout, so every command reads it as it reads
Fashion-MNIST:  python benchmarks/gpu/toy_data.py DIR [--train 2048] [--test 512]  ->  DIR/toy/*-ubyte.gz
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from solutions.idx import Split, write_folder  # noqa: E402

PLACES = [(row, col) for row in range(3) for col in range(4)][1:-1]  # 10 of the 12 cells


def split(count: int, seed: int) -> Split:
    """count noisy images with their class labels."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, len(PLACES), count)
    images = rng.integers(0, 80, (count, 28, 28))
    for image, label, (dy, dx) in zip(images, labels, rng.integers(-2, 3, (count, 2))):
        row, col = PLACES[label]
        top, left = 2 + 8 * row + dy + 1, 1 + 6 * col + dx + 1
        image[max(top, 0):top + 7, max(left, 0):left + 7] += 160
    return Split(np.clip(images, 0, 255).astype(np.uint8), labels.astype(np.int64))


def main() -> int:
    """Write DIR/toy."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("root", help="data root; the set goes to ROOT/toy")
    parser.add_argument("--train", type=int, default=2048)
    parser.add_argument("--test", type=int, default=512)
    args = parser.parse_args()
    folder = write_folder(Path(args.root) / "toy", split(args.train, 1), split(args.test, 2))
    print(f"wrote {folder} ({args.train} training, {args.test} test images, {len(PLACES)} classes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
