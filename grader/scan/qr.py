"""A scanned page's QR code: its signed token (which exam, form or student, and page) and where its corners lie.

zxing-cpp decodes the code and gives the symbol's four corners in the code's own order (its top-left first, wherever
the page was turned), so the corners, matched to the layout's QR position, tell how the page lies (upright, upside
down, a quarter turn, skewed): the coarse alignment that finds the registration marks (grader/scan/align.py).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image

from generator.paper.token import PREFIX

SYMBOL_BASE, MODULES_PER_VERSION = 17, 4  # a QR code of version v is 17 + 4v modules a side


@dataclass(frozen=True)
class PageCode:
    """A decoded QR code: its text, its side in modules, and its corners in image pixels.

    corners: (4, 2) float, x and y of the symbol's top-left, top-right, bottom-right and bottom-left corners as the
    code itself is oriented (quiet zone excluded)."""

    text: str
    modules: int
    corners: np.ndarray


def _decoded(image: Image.Image) -> list[PageCode]:
    """Every QR code zxing-cpp finds on an image."""
    import zxingcpp

    found = []
    for result in zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode):
        if not result.valid:
            continue
        where = result.position
        corners = np.array([[p.x, p.y] for p in (where.top_left, where.top_right, where.bottom_right,
                                                 where.bottom_left)], dtype=np.float64)
        version = int(str(result.extra.get("Version", "0")) or 0) if isinstance(result.extra, dict) else 0
        found.append(PageCode(result.text, SYMBOL_BASE + MODULES_PER_VERSION * version if version else 0, corners))
    return found


def _turned_back(codes: list[PageCode], size: tuple[int, int]) -> list[PageCode]:
    """Codes found on the image turned by 180 degrees, with their corners on the image as scanned."""
    width, height = size
    return [PageCode(code.text, code.modules, np.array([[width - x, height - y] for x, y in code.corners]))
            for code in codes]


def _halved_back(codes: list[PageCode]) -> list[PageCode]:
    """Codes found on the image at half size, with their corners on the full image."""
    return [PageCode(code.text, code.modules, code.corners * 2) for code in codes]


def find_codes(image: Image.Image) -> list[PageCode]:
    """The QR codes of a page: read as it is; failing that, turned by 180 degrees; failing that, at half size
    (which a noisy or blurred scan sometimes needs). Ours (the token's prefix) first."""
    codes = _decoded(image)
    if not codes:
        codes = _turned_back(_decoded(image.rotate(180)), image.size)
    if not codes:
        codes = _halved_back(_decoded(image.resize((image.width // 2, image.height // 2), Image.Resampling.BOX)))
    return sorted(codes, key=lambda code: not code.text.startswith(f"{PREFIX}:"))
