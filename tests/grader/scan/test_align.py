"""Aligning a scanned page to its layout: the homography fit itself, the page turned any way and skewed, and the
registration marks a covered corner leaves."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw

from grader.scan.align import align, fit_homography, fit_similarity, project, warp
from grader.scan.qr import find_codes
from tests.grader.scan.paper_fill import SCALE, layout, pages_of, print_exam


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> tuple[Image.Image, dict]:
    """Page 2 of a printed exam (boxes on it), rendered at the reader's resolution, and its layout."""
    exam = print_exam(tmp_path_factory.mktemp("align") / "printed", scan=True, forms=1, students=1)
    assert layout(exam, "form-A")["pages"][1]["boxes"]
    return list(pages_of(exam, "form-A"))[1]


def test_the_fit_recovers_a_homography_and_least_squares_spreads_noise() -> None:
    truth = np.array([[2.7, 0.1, 40.0], [-0.08, 2.8, 25.0], [1e-5, -2e-5, 1.0]])
    source = np.array([[0, 0], [595, 0], [595, 842], [0, 842], [300, 420], [500, 770], [28, 28], [100, 600]], float)
    fitted = fit_homography(source, project(truth, source))
    assert np.allclose(fitted, truth, rtol=1e-6, atol=1e-9)
    noisy = project(truth, source) + np.random.default_rng(0).normal(0, 0.5, (len(source), 2))
    assert np.abs(project(fit_homography(source, noisy), source) - project(truth, source)).max() < 1.0
    with pytest.raises(ValueError, match="at least 4 point pairs"):
        fit_homography(source[:3], source[:3])


def test_a_similarity_from_a_small_square_extrapolates() -> None:
    angle, scale = np.radians(3), 2.5
    turn = np.array([[scale * np.cos(angle), -scale * np.sin(angle), 10], [scale * np.sin(angle),
                     scale * np.cos(angle), -4], [0, 0, 1]])
    square = np.array([[500, 775], [540, 775], [540, 815], [500, 815]], float)
    assert np.allclose(project(fit_similarity(square, project(turn, square)), [[28, 28]]), project(turn, [[28, 28]]))


@pytest.mark.parametrize(("angle", "turn"), [(0.0, 0), (2.5, 0), (-2.0, 0), (181.5, 180), (90.0, 270)])
def test_a_page_turned_and_skewed_is_cut_upright(page: tuple[Image.Image, dict], angle: float, turn: int) -> None:
    image, page_layout = page
    turned = image.rotate(angle, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=255)
    alignment = align(turned, find_codes(turned)[0], page_layout)
    assert (alignment.turn, alignment.marks, alignment.problem) == (turn, 4, "")
    assert alignment.skew == pytest.approx(-((angle + 45) % 90 - 45), abs=0.2)  # Pillow turns anticlockwise
    assert alignment.residual_pt < 0.5
    box = page_layout["boxes"][0]
    area = (box["x"] - 3, box["y"] - 3, box["w"] + 6, box["h"] + 6)
    upright = warp(image, fit_homography(np.array([[0, 0], [1, 0], [1, 1], [0, 1]], float),
                                         np.array([[0, 0], [SCALE, 0], [SCALE, SCALE], [0, SCALE]])), area)
    cut = warp(turned, alignment.homography, area)
    assert cut.shape == upright.shape
    assert np.corrcoef(cut.ravel(), upright.ravel())[0, 1] > 0.9


def test_covered_registration_marks_put_the_page_to_review(page: tuple[Image.Image, dict]) -> None:
    image, page_layout = page
    code = find_codes(image)[0]

    def covered(count: int) -> Image.Image:
        """The page with `count` of its marks covered by white paper."""
        copy = image.copy()
        for x, y, size in page_layout["marks"][:count]:
            ImageDraw.Draw(copy).rectangle([(x - size) * SCALE, (y - size) * SCALE, (x + size) * SCALE,
                                            (y + size) * SCALE], fill=255)
        return copy

    one = align(covered(1), code, page_layout)
    assert (one.marks, one.problem) == (3, "") and one.residual_pt < 0.5
    two = align(covered(2), code, page_layout)
    assert two.marks == 2 and two.problem.startswith("only 2 of the 4 registration marks found")


def test_the_codes_corners_say_which_way_up_the_page_lies(page: tuple[Image.Image, dict]) -> None:
    image, _ = page
    codes = find_codes(image.rotate(180))
    assert codes and codes[0].text.startswith("cnnlab1:")
    top_left, bottom_right = codes[0].corners[0], codes[0].corners[2]
    assert top_left[0] > bottom_right[0] and top_left[1] > bottom_right[1]  # the code's own top-left, upside down
