"""From the layout's page (PDF points, y down) to the scan's pixels: a homography fitted to the registration marks.

The QR code's corners give a first, coarse mapping (a rotation, scale and shift: the code is small, so a pixel's error
there is a few points at the far corners of the page); each registration mark is then looked for near where that
mapping puts it, and the homography is fitted (direct linear transform, least squares) to the four marks' centres
and the code's corners. Every box is then cut out of the scan through it at one fixed scale, upright whatever way
the page was fed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from PIL import Image
from scipy import ndimage

from generator.paper.token import QUIET
from grader.scan.pages import DPI
from grader.scan.qr import PageCode

CROP_SCALE = DPI / 72  # pixels per point of every crop cut from a page: 200 dpi whatever the scan's resolution
MARK_SCALE = 3.0  # pixels per point of the window a registration mark is looked for in
MARK_SEARCH = 2.0  # the window reaches this many mark sizes from where the coarse mapping puts the mark
MARK_AREA = (0.5, 1.6)  # a dark blob is the mark when its area is within these shares of the printed square's
MARK_CONTRAST = 80  # grey levels between paper and ink below which a window holds no mark at all
MIN_MARKS = 3  # with fewer marks found, the page's far corners rest on the QR code alone: read, but reviewed
MAX_RESIDUAL_PT = 1.0  # a fit worse than this (a fold, a smudged mark) puts every box of the page to review


@dataclass(frozen=True)
class Alignment:
    """A page's mapping from layout points to scan pixels, how well it fits, and what went wrong ('' if nothing)."""

    homography: np.ndarray  # 3x3, layout (x, y, 1) -> scan pixels
    residual_pt: float  # root mean square distance of the fitted points from where they were found, in points
    marks: int  # registration marks found (of 4)
    problem: str = ""
    angle: float = 0.0  # the page's rotation on the scan, degrees clockwise: 0 upright, 180 upside down

    @property
    def turn(self) -> int:
        """The page's quarter turn (0, 90, 180 or 270 degrees clockwise), undone by reading through the homography."""
        return round(self.angle / 90) % 4 * 90

    @property
    def skew(self) -> float:
        """The rotation left after the quarter turn, in degrees (a scanner's skew)."""
        return round((self.angle - self.turn + 180) % 360 - 180, 2)


def _normaliser(points: np.ndarray) -> np.ndarray:
    """Hartley's normalisation: centred on the points, their mean distance sqrt(2); keeps the fit well conditioned."""
    centre = points.mean(axis=0)
    spread = float(np.sqrt(((points - centre) ** 2).sum(axis=1)).mean()) or 1.0
    scale = np.sqrt(2) / spread
    return np.array([[scale, 0, -scale * centre[0]], [0, scale, -scale * centre[1]], [0, 0, 1]])


def fit_homography(source: np.ndarray, target: np.ndarray) -> np.ndarray:
    """The homography taking source points (n >= 4, (n, 2)) to target points, least squares over all of them."""
    source, target = np.asarray(source, dtype=np.float64), np.asarray(target, dtype=np.float64)
    if len(source) < 4 or source.shape != target.shape:
        raise ValueError(f"a homography needs at least 4 point pairs, got {len(source)} and {len(target)}")
    from_norm, to_norm = _normaliser(source), _normaliser(target)
    s = (np.c_[source, np.ones(len(source))] @ from_norm.T)[:, :2]
    t = (np.c_[target, np.ones(len(target))] @ to_norm.T)[:, :2]
    rows = []
    for (x, y), (u, v) in zip(s, t):
        rows.append([-x, -y, -1, 0, 0, 0, u * x, u * y, u])
        rows.append([0, 0, 0, -x, -y, -1, v * x, v * y, v])
    _, _, vt = np.linalg.svd(np.array(rows))
    normalised = vt[-1].reshape(3, 3)
    homography = np.linalg.inv(to_norm) @ normalised @ from_norm
    return homography / homography[2, 2]


def fit_similarity(source: np.ndarray, target: np.ndarray) -> np.ndarray:
    """The rotation, scale and shift (as a 3x3 matrix) taking source points closest to target points: from a few
    close points (the QR code's corners) it extrapolates to the page's corners far better than a homography."""
    source, target = np.asarray(source, dtype=np.float64), np.asarray(target, dtype=np.float64)
    rows = np.concatenate([np.c_[source[:, 0], -source[:, 1], np.ones(len(source)), np.zeros(len(source))],
                           np.c_[source[:, 1], source[:, 0], np.zeros(len(source)), np.ones(len(source))]])
    (a, b, shift_x, shift_y), *_ = np.linalg.lstsq(rows, np.concatenate([target[:, 0], target[:, 1]]), rcond=None)
    return np.array([[a, -b, shift_x], [b, a, shift_y], [0, 0, 1]])


def project(homography: np.ndarray, points: np.ndarray) -> np.ndarray:
    """Points (n, 2) through a homography."""
    points = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    mapped = np.c_[points, np.ones(len(points))] @ homography.T
    return mapped[:, :2] / mapped[:, 2:]


def qr_corners(qr: list[float], modules: int) -> np.ndarray:
    """The layout's QR symbol corners (top-left, top-right, bottom-right, bottom-left), its quiet zone left out."""
    x, y, size = qr
    module = size / (modules + 2 * QUIET)
    left, top, right, bottom = x + QUIET * module, y + QUIET * module, x + size - QUIET * module, \
        y + size - QUIET * module
    return np.array([[left, top], [right, top], [right, bottom], [left, bottom]])


def warp(image: Image.Image, homography: np.ndarray, area: tuple[float, float, float, float],
         scale: float = CROP_SCALE) -> np.ndarray:
    """The layout area (x, y, w, h in points) cut from the scan, upright, at `scale` pixels a point (uint8)."""
    x, y, w, h = area
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    to_layout = np.array([[1 / scale, 0, x], [0, 1 / scale, y], [0, 0, 1]])
    inverse = homography @ to_layout  # Pillow asks, for each crop pixel, where in the scan it comes from
    inverse = inverse / inverse[2, 2]
    cut = image.transform(size, Image.Transform.PERSPECTIVE, tuple(inverse.flatten()[:8]),
                          resample=Image.Resampling.BILINEAR, fillcolor=255)
    return np.asarray(cut)


def find_mark(image: Image.Image, coarse: np.ndarray, mark: list[float]) -> np.ndarray | None:
    """Where a registration mark's centre lies on the scan (pixels), looked for around where the coarse mapping puts
    it; None when no square of about its size is there."""
    x, y, size = mark
    reach = MARK_SEARCH * size
    window = warp(image, coarse, (x - reach, y - reach, 2 * reach, 2 * reach), MARK_SCALE).astype(np.int16)
    paper, ink = np.percentile(window, 90), np.percentile(window, 1)
    if paper - ink < MARK_CONTRAST:
        return None
    labels, count = ndimage.label(window < (paper + ink) / 2)
    if count == 0:
        return None
    areas = np.bincount(labels.ravel())[1:] / MARK_SCALE ** 2
    centres = np.array(ndimage.center_of_mass(np.ones_like(window), labels, range(1, count + 1)))  # (row, column)
    expected = size * size
    fits = [i for i in range(count) if MARK_AREA[0] * expected <= areas[i] <= MARK_AREA[1] * expected]
    if not fits:
        return None
    middle = np.array([reach, reach]) * MARK_SCALE
    best = min(fits, key=lambda i: float(np.hypot(*(centres[i][::-1] + 0.5 - middle))))
    row, column = centres[best]
    found = np.array([x - reach + (column + 0.5) / MARK_SCALE, y - reach + (row + 0.5) / MARK_SCALE])
    return project(coarse, found)[0]


def align(image: Image.Image, code: PageCode, page: dict[str, Any]) -> Alignment:
    """The page's homography: coarse from the QR code's corners, then fitted to the marks found and the corners."""
    corners = qr_corners(page["qr"], code.modules)
    coarse = fit_similarity(corners, code.corners)
    layout_points, scan_points = [corners], [code.corners]
    found = 0
    for mark in page["marks"]:
        where = find_mark(image, coarse, mark)
        if where is not None:
            layout_points.append(np.array([mark[:2]]))
            scan_points.append(where[None, :])
            found += 1
    source, target = np.concatenate(layout_points), np.concatenate(scan_points)
    homography = fit_homography(source, target)
    pixels_per_point = float(np.linalg.norm(code.corners[1] - code.corners[0]) / np.linalg.norm(corners[1] -
                                                                                                corners[0]))
    error = np.linalg.norm(project(homography, source) - target, axis=1)
    residual = round(float(np.sqrt((error ** 2).mean())) / pixels_per_point, 3)
    problem = ""
    if found < min(MIN_MARKS, len(page["marks"])):
        problem = f"only {found} of the {len(page['marks'])} registration marks found (covered or torn?)"
    elif residual > MAX_RESIDUAL_PT:
        problem = f"the registration marks and QR code fit together only to {residual:.1f} pt (a fold or a smudge?)"
    middle = np.array([[page["width"] / 2, page["height"] / 2], [page["width"] / 2 + 1, page["height"] / 2]])
    (start_x, start_y), (end_x, end_y) = project(homography, middle)
    angle = float(np.degrees(np.arctan2(end_y - start_y, end_x - start_x))) % 360
    return Alignment(homography, residual, found, problem, angle)
