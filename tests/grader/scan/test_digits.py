"""The digit reader: shipped weights loaded safely and accurate on held-out digits, the one preprocessing, the data.

Only a tiny training run (a few hundred digits, one epoch) happens here; the shipped weights come from
`python -m grader.scan.train_digits` and their figures are in grader/scan/digits_lenet5.json.
"""

from __future__ import annotations

import io
import json
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image, ImageDraw, ImageFont

from grader.scan import digit_data
from grader.scan.digit_data import held_out_digits, training_digits
from grader.scan.digit_quality import TARGET_ACCURACY, calibrate, figures
from grader.scan.digits import WEIGHTS, DigitClassifier, cell_images, is_blank, to_cell_image
from grader.scan.train_digits import train_digits
from solutions.idx import Split, write_folder
from solutions.torch_ref import count_parameters

FONT = ImageFont.truetype(str(digit_data.font_faces()[0]), 48)


@pytest.fixture(scope="module")
def classifier() -> DigitClassifier:
    """The shipped reader."""
    return DigitClassifier.load()


def written(digit: str, at: tuple[int, int], size: int = 80, shade: int = 20, font: ImageFont.FreeTypeFont = FONT
            ) -> np.ndarray:
    """A white cell of side `size` with one digit drawn centred at `at` (x, y), as a uint8 crop."""
    image = Image.new("L", (size, size), 245)
    ImageDraw.Draw(image).text(at, digit, font=font, fill=shade, anchor="mm")
    return np.asarray(image)


def scanner_noise(crop: np.ndarray, seed: int = 0) -> np.ndarray:
    """Gaussian scanner noise on a crop."""
    noisy = crop + np.random.default_rng(seed).normal(0, 6, crop.shape)
    return np.clip(np.rint(noisy), 0, 255).astype(np.uint8)


def test_the_shipped_weights_are_tensors_only_and_load_with_weights_only(classifier: DigitClassifier) -> None:
    state = torch.load(WEIGHTS, map_location="cpu", weights_only=True)
    assert all(isinstance(value, torch.Tensor) for value in state.values())
    assert count_parameters(classifier.network) == 61_706
    assert WEIGHTS.stat().st_size < 300_000
    report = json.loads(WEIGHTS.with_suffix(".json").read_text())
    assert 0 < classifier.threshold == report["threshold"] < 1
    assert report["held_out"]["accuracy"] >= TARGET_ACCURACY


def test_a_held_out_sample_is_read_to_the_target(classifier: DigitClassifier) -> None:
    crops, labels = held_out_digits(500, seed=3, scanned=True)
    digits, confidence = classifier.classify(cell_images(crops))
    assert digits.shape == confidence.shape == (500,) and digits.dtype == np.int64
    assert ((0 <= confidence) & (confidence <= 1)).all()
    assert (digits == labels).mean() >= TARGET_ACCURACY
    wrong = digits != labels
    assert classifier.reject(confidence)[wrong].mean() > 0.5, "most misreadings must go to review"


def test_weights_that_are_not_lenet5_or_hold_code_are_refused_naming_the_file(tmp_path: Path) -> None:
    (tmp_path / "w.json").write_text('{"threshold": 0.9}')
    with pytest.raises(FileNotFoundError, match=r"none\.pt: no trained digit classifier here; train them with"):
        DigitClassifier.load(tmp_path / "none.pt")
    torch.save({"features.0.weight": torch.zeros(3)}, tmp_path / "w.pt")
    with pytest.raises(ValueError, match=r"w\.pt: not LeNet-5 digit weights \("):
        DigitClassifier.load(tmp_path / "w.pt")
    torch.save({"code": zipfile.ZipInfo("x")}, tmp_path / "w.pt")  # any object that is not a tensor needs pickle
    with pytest.raises(ValueError, match=r"w\.pt: not LeNet-5 digit weights"):
        DigitClassifier.load(tmp_path / "w.pt")


def test_classify_says_what_it_takes(classifier: DigitClassifier) -> None:
    with pytest.raises(ValueError, match=r"classify takes cell images \(N, 28, 28\) from to_cell_image, got \(2, 40"):
        classifier.classify(np.zeros((2, 40, 40)))
    with pytest.raises(ValueError, match=r"a cell crop must be a greyscale image \(H, W\).*got shape \(40, 40, 3\)"):
        to_cell_image(np.zeros((40, 40, 3), dtype=np.uint8))


def test_to_cell_image_centres_and_scales_like_mnist() -> None:
    centred, corner = to_cell_image(written("7", (40, 40))), to_cell_image(written("7", (22, 56)))
    assert centred.shape == (28, 28) and centred.dtype == np.float32
    assert np.abs(centred - corner).max() < 0.02
    rows, columns = np.indices(centred.shape)
    assert abs((rows * centred).sum() / centred.sum() - 13.5) <= 0.5
    assert abs((columns * centred).sum() / centred.sum() - 13.5) <= 0.5
    inked = np.flatnonzero(centred.max(axis=1) > 0.1)
    assert 18 <= inked[-1] - inked[0] + 1 <= 20, "the larger side is scaled to 20 pixels"
    larger = to_cell_image(written("7", (80, 80), size=160, font=FONT.font_variant(size=96)))  # twice as large
    assert np.abs(larger - centred).mean() < 0.05


def test_a_blue_pen_reads_as_the_same_ink_as_a_black_one() -> None:
    black, blue = to_cell_image(written("4", (40, 40))), to_cell_image(written("4", (40, 40), shade=120))
    assert np.abs(black - blue).max() < 0.05


def test_is_blank_ignores_noise_dust_and_borders_but_not_a_thin_one() -> None:
    empty = np.full((40, 40), 240.0)
    empty[0, :] = 30  # a printed comb line caught at the crop's edge
    empty[12:14, 20:22] = 60  # a speck of dust
    empty[30, 8] = 40
    assert is_blank(scanner_noise(empty))
    assert not to_cell_image(scanner_noise(empty)).any() or is_blank(scanner_noise(empty))
    one = np.full((40, 40), 240.0)
    one[8:32, 19:21] = 130  # a thin blue "1": two pixels wide
    assert not is_blank(scanner_noise(one))
    image = to_cell_image(scanner_noise(one))
    assert image.max() > 0.9 and (image.max(axis=0) > 0.5).sum() <= 4, "a thin stroke stays thin"


def jpeg(crop: np.ndarray, quality: int = 60) -> np.ndarray:
    """A crop through JPEG compression, as a scanner's or a phone's files are."""
    buffer = io.BytesIO()
    Image.fromarray(crop).save(buffer, format="JPEG", quality=quality)
    return np.asarray(Image.open(buffer))


def test_printed_cell_borders_and_jpeg_ringing_are_not_ink() -> None:
    framed = np.full((48, 48), 242.0)
    framed[1:3, :], framed[-3:-1, :], framed[:, 0:2], framed[:, -2:] = 25, 25, 25, 25  # the comb's cell, off by a pixel
    assert is_blank(jpeg(scanner_noise(framed)))
    digit = written("5", (24, 24), size=48, font=FONT.font_variant(size=32))  # clear of the lines, as asked
    inside = np.where(framed < 128, framed, digit).astype(np.uint8)
    assert not is_blank(jpeg(inside))
    assert np.abs(to_cell_image(jpeg(inside)) - to_cell_image(digit)).mean() < 0.03


def test_the_data_is_the_same_from_the_same_seed_and_the_held_out_set_is_apart() -> None:
    crops, labels = training_digits(48, seed=5)
    again, again_labels = training_digits(48, seed=5)
    assert crops.shape == (48, 40, 40) and crops.dtype == np.uint8 and labels.dtype == np.int64
    assert np.array_equal(crops, again) and np.array_equal(labels, again_labels)
    assert not np.array_equal(crops, training_digits(48, seed=6)[0])
    assert not np.array_equal(crops, held_out_digits(48, seed=5)[0])
    faces, held_faces = digit_data._face_split()
    assert held_faces and not {face.stem for face in faces} & {face.stem for face in held_faces}
    _, _, real, held_real = digit_data._real_digits()
    assert len(held_real) == 539 and not set(real) & set(held_real)


def test_calibrate_takes_the_lowest_threshold_that_keeps_accepted_boxes_right() -> None:
    confidence = np.array([0.99, 0.98, 0.97, 0.6, 0.5])
    correct = np.array([True, True, True, False, True])
    assert calibrate(correct, confidence, box_digits=1, target=0.0) == pytest.approx(0.97)
    assert calibrate(correct, confidence, box_digits=1, target=0.25) == pytest.approx(0.5)
    assert calibrate(~correct, confidence, box_digits=1, target=0.0) > 1, "nothing right: everything to review"
    boxes = figures(np.array([1, 2, 3, 4, 5, 0]), np.array([0.99, 0.5, 0.99, 0.99, 0.99, 0.99]),
                    np.array([1, 2, 3, 4, 5, 6]), threshold=0.9, box_digits=3)
    assert (boxes.boxes, boxes.box_review_share, boxes.box_accepted_wrong) == (2, 0.5, 1.0)
    assert boxes.review_share == pytest.approx(1 / 6) and boxes.accepted_wrong == pytest.approx(0.2)


def test_a_tiny_training_run_writes_weights_the_reader_loads(tmp_path: Path) -> None:
    report = train_digits(tmp_path / "w.pt", seed=0, images=256, epochs=1, held_out=60)
    loaded = DigitClassifier.load(tmp_path / "w.pt")
    assert loaded.threshold == pytest.approx(report.threshold, abs=1e-6)
    written_report = json.loads((tmp_path / "w.json").read_text())
    assert written_report["training_images"] == 256 and len(written_report["held_out"]["per_digit"]) == 10
    assert any("held-out accuracy" in line for line in report.lines())


def test_missing_fonts_or_scikit_learn_say_what_to_install(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(digit_data, "FONT_ROOT", tmp_path)
    with pytest.raises(FileNotFoundError, match=r"handwriting fonts missing; apt-get install -y fonts-dkg-handwriting "
                                                 r"fonts-breip .*fonts-kristi$"):
        digit_data.font_faces()
    monkeypatch.setitem(sys.modules, "sklearn.datasets", None)  # as if scikit-learn were not installed
    digit_data._real_digits.cache_clear()
    try:
        with pytest.raises(ModuleNotFoundError, match=r"^scikit-learn ships the real handwritten digits used here: "
                                                   r"pip install 'cnnlab\[scan-train\]'$"):
            digit_data._real_digits()
    finally:
        digit_data._real_digits.cache_clear()


def test_mnist_idx_folders_become_cells_on_white_paper(tmp_path: Path) -> None:
    digits = np.zeros((4, 28, 28), dtype=np.uint8)
    digits[:, 4:24, 13:15] = 255  # MNIST's ink is white on black: four "1"s
    split = Split(digits, np.ones(4, dtype=np.int64))
    (train, train_labels), (test, _) = digit_data.mnist_digits(write_folder(tmp_path / "mnist", split, split))
    assert train.shape == test.shape == (4, 40, 40) and train[0, 0, 0] == 255 and train[0, 20, 20] == 0
    assert list(train_labels) == [1, 1, 1, 1]
    with pytest.raises(ValueError, match=r"not MNIST digits \(images 8x8"):
        small = Split(digits[:, :8, :8], split.labels)
        digit_data.mnist_digits(write_folder(tmp_path / "small", small, small))
