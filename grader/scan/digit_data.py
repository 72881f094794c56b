"""Handwriting-like digits for training and testing the digit reader, made here and deterministic from a seed.

Two sources, each split once into training and held-out parts that never mix: the handwriting fonts of Debian's
font packages (whole faces held out) and scikit-learn's 1,797 real handwritten 8x8 digits (`load_digits`, 30% held
out). Every sample is a glyph written into a 40x40 cell as a pen would: random stroke width, size, slant, rotation,
position and elastic wobble, then blur, pen and paper shades, scanner noise and now and then a printed cell border.
MNIST joins the training set when the user gives its IDX folder.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image, ImageDraw, ImageFont

from solutions.idx import load_folder

CELL = 40  # side of a written cell crop, in pixels (the held-out set's crops, drawn into simulated scans)
CANVAS = 64  # side of the square a glyph is prepared on before it is written into a cell
GLYPH_HEIGHT = 44  # every glyph scaled to this height on its canvas, so fonts of any design size compare
STROKES = (0, 1, 2, 3)  # extra stroke widths Pillow draws around a glyph, in canvas pixels (fine pen to marker)
FONT_ROOT = Path("/usr/share/fonts")
FONT_PACKAGES = {  # folder under /usr/share/fonts/{truetype,opentype} -> the Debian package that installs it
    "fifthhorseman": "fonts-dkg-handwriting", "breip": "fonts-breip", "bwht": "fonts-bwht",
    "humor-sans": "fonts-humor-sans", "comic-neue": "fonts-comic-neue", "dancingscript": "fonts-dancingscript",
    "kristi": "fonts-kristi",
}  # fonts-femkeklaver is left out: its digits are hollow outlines, which no pen writes
HELD_OUT_FACES = {"ComicNeue-Italic", "dkgBd", "BecauseWeConnect-Regular", "DancingScript-Bold"}  # never trained on
REAL_SPLIT_SEED = 25  # fixes which of load_digits' images are held out, whatever seed a run uses
REAL_HELD_OUT = 0.3  # share of load_digits never trained on
REAL_SHARE = 0.35  # share of real (load_digits) samples in the training and held-out sets; fonts make the rest
TRAINING_STREAM, HELD_OUT_STREAM = 0, 1  # the two sets draw from separate random streams, even with the same seed
CHUNK = 2048  # samples distorted at once: bounds memory (a chunk of canvases is 32 MiB)
SCAN_TRAIN_HINT = "pip install 'cnnlab[scan-train]'"


def font_faces() -> list[Path]:
    """Every usable handwriting face, in a fixed order; a one-line error naming the packages that are missing."""
    folders = {name: sorted(FONT_ROOT.glob(f"*/{name}")) for name in FONT_PACKAGES}
    missing = [FONT_PACKAGES[name] for name, found in folders.items() if not found]
    if missing:
        raise FileNotFoundError(f"{FONT_ROOT}: handwriting fonts missing; apt-get install -y {' '.join(missing)}")
    faces = [face for found in folders.values() for folder in found
             for face in sorted(folder.iterdir()) if face.suffix.lower() in (".ttf", ".otf")]
    return [face for face in faces if _has_digits(face)]


def _has_digits(face: Path) -> bool:
    """Whether the face draws all ten digits (a missing glyph renders as nothing or as the .notdef box)."""
    font = ImageFont.truetype(str(face), 40)
    missing = font.getmask("\ue000")  # a private-use character: no handwriting font has it
    for digit in "0123456789":
        mask = font.getmask(digit)
        if mask.getbbox() is None or (mask.size == missing.size and bytes(mask) == bytes(missing)):
            return False
    return True


def _face_split() -> tuple[list[Path], list[Path]]:
    """The faces trained on and those held out."""
    faces = font_faces()
    held = [face for face in faces if face.stem in HELD_OUT_FACES]
    if len(held) != len(HELD_OUT_FACES):
        absent = sorted(HELD_OUT_FACES - {face.stem for face in held})
        raise FileNotFoundError(f"{FONT_ROOT}: held-out faces {', '.join(absent)} not found; reinstall their packages")
    return [face for face in faces if face.stem not in HELD_OUT_FACES], held


def _on_canvas(ink: np.ndarray) -> np.ndarray:
    """A glyph's ink (any size) scaled to GLYPH_HEIGHT, width capped by the canvas, centred on the canvas."""
    height, width = ink.shape
    scale = min(GLYPH_HEIGHT / height, (CANVAS - 4) / width)
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    small = np.asarray(Image.fromarray(ink.astype(np.float32)).resize(size, Image.Resampling.BILINEAR))
    canvas = np.zeros((CANVAS, CANVAS), dtype=np.float32)
    top, left = (CANVAS - size[1]) // 2, (CANVAS - size[0]) // 2
    canvas[top:top + size[1], left:left + size[0]] = np.clip(small, 0.0, 1.0)
    return canvas


@lru_cache(maxsize=None)
def _font_glyph(face: Path, digit: int, stroke: int) -> np.ndarray:
    """One digit of a face, drawn by Pillow with an extra stroke width, on the canvas (ink in [0, 1])."""
    font = ImageFont.truetype(str(face), 56)
    image = Image.new("L", (160, 160), 0)
    ImageDraw.Draw(image).text((40, 20), str(digit), font=font, fill=255, stroke_width=stroke, stroke_fill=255)
    box = image.getbbox()
    assert box is not None, f"{face}: digit {digit} drew nothing although _has_digits passed"
    return _on_canvas(np.asarray(image.crop(box), dtype=np.float32) / 255)


@lru_cache(maxsize=1)
def _real_digits() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """load_digits on canvases: (canvases (1797, 64, 64), labels, training indices, held-out indices)."""
    try:
        from sklearn.datasets import load_digits  # training and test data only: the reading install lacks it
    except ModuleNotFoundError:
        raise ModuleNotFoundError(f"scikit-learn ships the real handwritten digits used here: "
                                  f"{SCAN_TRAIN_HINT}") from None
    digits = load_digits()
    small = torch.from_numpy(np.asarray(digits.images, dtype=np.float32) / 16).unsqueeze(1)
    large = F.interpolate(small, size=(GLYPH_HEIGHT, GLYPH_HEIGHT), mode="bicubic", align_corners=False)
    canvases = np.stack([_on_canvas(image) for image in large.squeeze(1).clamp(0, 1).numpy()])
    order = np.random.default_rng(REAL_SPLIT_SEED).permutation(len(canvases))
    held = round(REAL_HELD_OUT * len(canvases))
    return canvases, np.asarray(digits.target, dtype=np.int64), np.sort(order[held:]), np.sort(order[:held])


def _affine_grid(rng: np.random.Generator, count: int) -> torch.Tensor:
    """Where each pixel of a cell samples its glyph's canvas: size, stretch, slant, rotation, shift, elastic wobble."""
    height = rng.uniform(0.45, 0.8, count)  # the digit's share of the cell's height
    stretch = rng.uniform(0.8, 1.2, count)
    shear = rng.uniform(-0.3, 0.3, count)
    angle = np.radians(rng.uniform(-12, 12, count))
    shift = rng.uniform(-1, 1, (count, 2)) * 0.6 * np.stack([1 - 0.7 * height, 1 - height], axis=1)
    wobble = rng.normal(0, 1, (count, 2, 4, 4)) * rng.uniform(0, 0.07, (count, 1, 1, 1))
    scale = height / (GLYPH_HEIGHT / CANVAS)  # cell units per canvas unit (both in grid_sample's [-1, 1])
    cos, sin = np.cos(angle), np.sin(angle)
    forward = np.empty((count, 2, 2))  # (x, y) on the canvas -> (x, y) in the cell: rotation . shear . scale
    forward[:, 0, 0], forward[:, 0, 1] = cos * scale * stretch, (-cos * shear - sin) * scale
    forward[:, 1, 0], forward[:, 1, 1] = sin * scale * stretch, (-sin * shear + cos) * scale
    inverse = torch.from_numpy(np.linalg.inv(forward)).float()
    axis = (torch.arange(CELL, dtype=torch.float32) * 2 + 1) / CELL - 1
    ys, xs = torch.meshgrid(axis, axis, indexing="ij")
    cell = torch.stack([xs, ys], dim=-1).expand(count, CELL, CELL, 2)
    smooth = F.interpolate(torch.from_numpy(wobble).float(), size=(CELL, CELL), mode="bicubic", align_corners=True)
    moved = cell + smooth.permute(0, 2, 3, 1) - torch.from_numpy(shift).float()[:, None, None, :]
    return torch.einsum("nij,nhwj->nhwi", inverse, moved)


def _blurred(ink: torch.Tensor, sigma: np.ndarray) -> torch.Tensor:
    """Each cell (N, 1, H, W) blurred by its own Gaussian (a scanner's softness)."""
    offsets = torch.arange(-2, 3, dtype=torch.float32)
    weights = torch.exp(-offsets[None, :] ** 2 / (2 * torch.from_numpy(np.maximum(sigma, 0.05)).float()[:, None] ** 2))
    weights = weights / weights.sum(dim=1, keepdim=True)
    kernels = (weights[:, :, None] * weights[:, None, :]).unsqueeze(1)  # (N, 1, 5, 5)
    count = ink.shape[0]
    return F.conv2d(F.pad(ink.reshape(1, count, CELL, CELL), (2, 2, 2, 2), mode="replicate"), kernels,
                    groups=count).reshape(count, 1, CELL, CELL)


def _write(canvases: np.ndarray, is_real: np.ndarray, rng: np.random.Generator, scanned: bool) -> np.ndarray:
    """Glyph canvases (N, 64, 64) written into cells as a pen on paper: uint8 crops (N, 40, 40).

    scanned adds what a scanner adds (blur, paper shade, noise, a printed border at the edge); without it the
    paper is white and clean, for drawing into a page that is then scanned. Both draw the same random numbers,
    so a seed gives the same digits either way.
    """
    count = len(canvases)
    glyphs = torch.from_numpy(canvases).unsqueeze(1).clone()  # thickened in place below
    weight = rng.choice(3, count, p=[0.6, 0.25, 0.15])  # stroke as drawn, thicker, thinner
    weight[is_real & (weight == 1)] = 0  # load_digits' strokes, blurred up from 8x8, are thick already
    thicker, thinner = torch.from_numpy(np.flatnonzero(weight == 1)), torch.from_numpy(np.flatnonzero(weight == 2))
    glyphs[thicker] = F.max_pool2d(glyphs[thicker], 3, 1, 1)
    glyphs[thinner] = -F.max_pool2d(-glyphs[thinner], 3, 1, 1)
    ink = F.grid_sample(glyphs, _affine_grid(rng, count), mode="bilinear", padding_mode="zeros", align_corners=False)
    sigma = rng.uniform(0, 1.0, count)
    ink = (_blurred(ink, sigma) if scanned else ink).squeeze(1).numpy()
    paper = rng.uniform(200, 252, (count, 1, 1)) if scanned else np.full((count, 1, 1), 255.0)
    blue = rng.random(count) < 0.4  # a blue pen's ink is lighter in greyscale than a black one's
    contrast = np.where(blue, rng.uniform(90, 160, count), rng.uniform(150, 240, count))[:, None, None]
    pen = np.maximum(paper - contrast, 0)
    crops = paper - ink * (paper - pen)
    for index in np.flatnonzero(rng.random(count) < 0.2):  # a printed cell border left in the crop by misalignment
        side, width, shade = rng.integers(4), rng.integers(1, 3), rng.uniform(0, 90)
        edge = slice(0, width) if side % 2 == 0 else slice(CELL - width, CELL)
        if scanned and side < 2:
            crops[index, edge, :] = shade
        elif scanned:
            crops[index, :, edge] = shade
    noise = rng.normal(0, 1, crops.shape) * rng.uniform(0, 8, (count, 1, 1))
    return np.clip(np.rint(crops + noise if scanned else crops), 0, 255).astype(np.uint8)


def _draw(faces: list[Path], real: np.ndarray, count: int, rng: np.random.Generator,
          scanned: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """count crops and their labels: fonts from faces, real digits from the load_digits indices real."""
    canvases, real_labels, _, _ = _real_digits()
    crops, labels = [], []
    for start in range(0, count, CHUNK):
        size = min(CHUNK, count - start)
        is_real = rng.random(size) < REAL_SHARE
        picked = rng.choice(real, size)
        digit = np.where(is_real, real_labels[picked], rng.integers(0, 10, size))
        face, stroke = rng.integers(0, len(faces), size), rng.choice(STROKES, size)
        chunk = np.stack([canvases[p] if r else _font_glyph(faces[f], int(d), int(s))
                          for r, p, d, f, s in zip(is_real, picked, digit, face, stroke)])
        crops.append(_write(chunk, is_real, rng, scanned))
        labels.append(digit)
    if not crops:
        return np.zeros((0, CELL, CELL), dtype=np.uint8), np.zeros(0, dtype=np.int64)
    return np.concatenate(crops), np.concatenate(labels).astype(np.int64)


def training_digits(count: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """count training crops (uint8 (N, 40, 40), white paper) and labels, from the training fonts and real digits."""
    faces, _ = _face_split()
    _, _, real, _ = _real_digits()
    return _draw(faces, real, count, np.random.default_rng([TRAINING_STREAM, seed]))


def held_out_digits(n: int, seed: int = 0, scanned: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """n held-out crops (uint8 (n, 40, 40)) and labels, from faces and real digits never trained on.

    As a pen writes them on white paper (for simulated scans to draw into comb cells), or, with scanned, as a
    scanner returns them (the trainer calibrates and reports on these); the same seed gives the same digits.
    """
    _, faces = _face_split()
    _, _, _, real = _real_digits()
    return _draw(faces, real, n, np.random.default_rng([HELD_OUT_STREAM, seed]), scanned)


def mnist_digits(folder: Path) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """MNIST's train and test splits from its IDX folder, as cell crops (white paper, 40x40) and labels."""
    data = load_folder(folder)
    if data.image_size != 28 or data.num_classes > 10:
        raise ValueError(f"{folder}: not MNIST digits (images {data.image_size}x{data.image_size}, "
                         f"{data.num_classes} classes; expected 28x28 and the digits 0 to 9)")
    margin = (CELL - 28) // 2
    return tuple((255 - np.pad(split.images, ((0, 0), (margin, margin), (margin, margin))), split.labels)
                 for split in (data.train, data.test))  # type: ignore[return-value]


def sources() -> dict[str, object]:
    """What the data is made of, for the training report."""
    training, held = _face_split()
    _, _, real_training, real_held = _real_digits()
    return {"training_faces": [face.stem for face in training], "held_out_faces": [face.stem for face in held],
            "load_digits_training": len(real_training), "load_digits_held_out": len(real_held),
            "real_share": REAL_SHARE, "cell_pixels": CELL}

