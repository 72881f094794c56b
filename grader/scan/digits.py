"""One handwritten digit per comb cell: the cell's crop made MNIST-like, then read by the project's own LeNet-5.

`to_cell_image` is the one preprocessing that training (grader/scan/train_digits.py) and reading share, so the
network sees written cells exactly as it saw its training digits: ink relative to the paper, printed cell borders
dropped, the digit scaled into a 20x20 box and placed by its centre of mass in a 28x28 field (as MNIST was made).
"""

from __future__ import annotations

import json
import pickle
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from solutions.torch_ref import LeNet5

WEIGHTS = Path(__file__).with_name("digits_lenet5.pt")  # in the wheel (package-data), its report .json beside it
TRAIN_HINT = "train them with `cnnlab scan train` (python -m grader.scan.train_digits)"

SIDE = 28  # the network's input, as MNIST's
BOX = 20  # MNIST fits each digit's larger side into 20 pixels, leaving a margin for the centring shift
PAPER_PERCENTILE = 90  # a cell is mostly paper: its 90th-percentile brightness is the paper's, whatever the scan
INK_LEVEL = 0.2  # darker than the paper by a fifth of full scale is printed ink (the comb's lines are black)
FAINTEST_INK = 0.1  # handwriting is at least this much darker than the paper: four times a scanner's noise
STROKE_SHARE = 0.4  # ... and at least this share of the cell's darkest ink (a fine blue pen is faint throughout)
MIN_NEIGHBOURS = 3  # an ink pixel with fewer inked pixels in its 3x3 block (itself included) is dust, not a stroke
BORDER_BAND = 0.08  # printed comb lines can reach this far into a crop when the page is slightly misaligned
BORDER_FILL = 0.85  # a row or column inked along this share of its length is a printed line, not handwriting
MIN_INK_SHARE = 0.008  # a cell with less ink than this share of its area is blank
MIN_EXTENT = 0.25  # ... and so is one whose ink spans less than this share of the cell's smaller side


def _checked(crop: np.ndarray) -> np.ndarray:
    """The crop as a 2-D float array, or a one-line error saying what came instead."""
    crop = np.asarray(crop)
    if crop.ndim != 2 or min(crop.shape) < 8:
        raise ValueError(f"a cell crop must be a greyscale image (H, W) of at least 8x8 pixels, got shape {crop.shape}")
    return crop.astype(np.float32)


def _inside_lines(fill: np.ndarray) -> tuple[int, int]:
    """The span (start, stop) of rows (or columns) inside any printed line found near either end, one more in."""
    band = max(1, round(BORDER_BAND * len(fill)))
    first, last = np.flatnonzero(fill[:band] > BORDER_FILL), np.flatnonzero(fill[-band:] > BORDER_FILL)
    start = int(first[-1]) + 2 if len(first) else 0  # the pixel next to a line holds its blur and JPEG ringing
    stop = len(fill) - band + int(last[0]) - 1 if len(last) else len(fill)
    return start, max(start, stop)


def _ink(crop: np.ndarray) -> np.ndarray:
    """Ink per pixel in [0, 1]: how much darker than the paper, with printed border lines at the edges removed."""
    pixels = _checked(crop)
    ink = np.clip((np.percentile(pixels, PAPER_PERCENTILE) - pixels) / 255.0, 0.0, 1.0)
    inked = ink > INK_LEVEL
    top, bottom = _inside_lines(inked.mean(axis=1))
    left, right = _inside_lines(inked.mean(axis=0))
    inside = np.zeros_like(ink)
    inside[top:bottom, left:right] = ink[top:bottom, left:right]
    return inside


def _stroke_level(ink: np.ndarray) -> float:
    """The ink level that counts as a stroke in this cell: relative to its darkest strokes, above the noise."""
    return max(FAINTEST_INK, STROKE_SHARE * float(np.percentile(ink, 99)))


def _strokes(ink: np.ndarray, level: float) -> np.ndarray:
    """The inked pixels that belong to strokes (above the cell's stroke level): specks (dust, JPEG ringing) dropped."""
    inked = ink > level
    padded = np.pad(inked, 1).astype(np.uint8)
    height, width = inked.shape
    neighbours = sum(padded[dy:dy + height, dx:dx + width] for dy in range(3) for dx in range(3))
    return inked & (neighbours >= MIN_NEIGHBOURS)


def _extent(mask: np.ndarray) -> tuple[int, int, int, int] | None:
    """(top, bottom, left, right), bottom and right exclusive, of the mask's pixels; None when it has none."""
    rows, columns = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    if len(rows) == 0:
        return None
    return int(rows[0]), int(rows[-1]) + 1, int(columns[0]), int(columns[-1]) + 1


def _measured(crop: np.ndarray) -> tuple[np.ndarray, float, np.ndarray]:
    """A cell's ink, its stroke level and its stroke pixels: measured once for both the blank test and the image."""
    ink = _ink(crop)
    level = _stroke_level(ink)
    return ink, level, _strokes(ink, level)


def _blank(strokes: np.ndarray) -> bool:
    """Too little ink, or ink too small in extent to be a digit (dust, a dot)."""
    extent = _extent(strokes)
    if extent is None or strokes.mean() < MIN_INK_SHARE:
        return True
    top, bottom, left, right = extent
    return max(bottom - top, right - left) < MIN_EXTENT * min(strokes.shape)


def is_blank(crop: np.ndarray) -> bool:
    """Whether a cell holds no writing: too little ink, or ink too small in extent to be a digit (dust, a dot)."""
    return _blank(_measured(crop)[2])


def written_cell(crop: np.ndarray) -> np.ndarray | None:
    """to_cell_image of a cell with writing, None for a blank one (is_blank): the reader's one pass over a cell."""
    ink, level, strokes = _measured(crop)
    return None if _blank(strokes) else _image(ink, level, strokes)


def _centre_of_mass(image: np.ndarray) -> tuple[float, float]:
    """(row, column) of an image's ink-weighted centre."""
    total = float(image.sum())
    rows, columns = np.indices(image.shape)
    return float((rows * image).sum()) / total, float((columns * image).sum()) / total


def to_cell_image(crop: np.ndarray) -> np.ndarray:
    """A cell's crop (uint8, white paper) as the network's 28x28 float32 input in [0, 1], ink 1, centred as MNIST."""
    return _image(*_measured(crop))


def _image(ink: np.ndarray, level: float, strokes: np.ndarray) -> np.ndarray:
    """to_cell_image from a cell's measured ink, stroke level and strokes."""
    extent = _extent(strokes)
    if extent is None:
        return np.zeros((SIDE, SIDE), dtype=np.float32)
    top, bottom, left, right = extent
    digit = ink[top:bottom, left:right]
    full = float(np.percentile(digit[digit > level], 90))  # the pen's own darkness: blue and pencil read as black
    floor = level / 2  # fainter differences are paper texture and noise, dropped before scaling
    digit = np.clip((digit - floor) / max(full - floor, 1e-3), 0.0, 1.0)
    height, width = digit.shape
    scale = BOX / max(height, width)
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    small = np.clip(np.asarray(Image.fromarray(digit).resize(size, Image.Resampling.BILINEAR)), 0.0, 1.0)
    image = np.zeros((SIDE, SIDE), dtype=np.float32)
    if small.sum() <= 0:
        return image
    row, column = _centre_of_mass(small)
    centre = (SIDE - 1) / 2
    y = int(np.clip(round(centre - row), 0, SIDE - small.shape[0]))
    x = int(np.clip(round(centre - column), 0, SIDE - small.shape[1]))
    image[y:y + small.shape[0], x:x + small.shape[1]] = small
    return image


def cell_images(crops: np.ndarray) -> np.ndarray:
    """to_cell_image of each crop of a stack (N, H, W): (N, 28, 28) float32."""
    return np.stack([to_cell_image(crop) for crop in crops]) if len(crops) else np.zeros((0, SIDE, SIDE), np.float32)


def digit_network() -> LeNet5:
    """The reading network: the course's LeNet-5 (ReLU, max pooling) on 28x28 inputs, ten digits."""
    return LeNet5(variant="modern", input_size=SIDE, num_classes=10)


@dataclass
class DigitClassifier:
    """The trained network and the confidence under which a digit goes to review instead of being taken."""

    network: LeNet5
    threshold: float  # calibrated by the trainer on held-out digits (grader/scan/digit_quality.py)

    @classmethod
    def load(cls, weights: Path = WEIGHTS) -> DigitClassifier:
        """The shipped weights (read with weights_only=True: tensors only, never code) and their threshold."""
        report = weights.with_suffix(".json")
        for needed in (weights, report):
            if not needed.is_file():
                raise FileNotFoundError(f"{needed}: no trained digit classifier here; {TRAIN_HINT}")
        try:
            state = torch.load(weights, map_location="cpu", weights_only=True)
            network = digit_network()
            network.load_state_dict(state)
        except (RuntimeError, ValueError, KeyError, TypeError, EOFError, pickle.UnpicklingError) as error:
            first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
            raise ValueError(f"{weights}: not LeNet-5 digit weights ({first}); {TRAIN_HINT}") from None
        try:
            threshold = float(json.loads(report.read_text())["threshold"])
        except (ValueError, KeyError, TypeError) as error:
            raise ValueError(f"{report}: no readable 'threshold' ({error}); {TRAIN_HINT}") from None
        network.eval()
        return cls(network, threshold)

    def classify(self, images: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Digits (N,) int64 and confidences (N,) in [0, 1] (the softmax's top probability) of (N, 28, 28) images."""
        images = np.asarray(images, dtype=np.float32)
        if images.ndim != 3 or images.shape[1:] != (SIDE, SIDE):
            raise ValueError(f"classify takes cell images (N, {SIDE}, {SIDE}) from to_cell_image, got {images.shape}")
        if len(images) == 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        with torch.no_grad():
            probabilities = torch.softmax(self.network(torch.from_numpy(images).unsqueeze(1)), dim=1)
            confidence, digits = probabilities.max(dim=1)
        return digits.numpy().astype(np.int64), confidence.numpy().astype(np.float32)

    def reject(self, confidence: np.ndarray) -> np.ndarray:
        """Which readings go to review: those the network is less sure of than the calibrated threshold."""
        return np.asarray(confidence) < self.threshold
