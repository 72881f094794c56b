"""A scanner's PDF gives its own page images (no resampling); anything else is rendered at the reader's DPI."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from grader.scan.pages import DPI, scan_pages

A4_AT_200 = (1654, 2339)  # A4 at 200 dpi, as a department scanner writes it


def page_image(size: tuple[int, int], seed: int) -> Image.Image:
    """A greyscale page with a recognisable pattern: a dark square at a known place."""
    pixels = np.full(size[::-1], 250, dtype=np.uint8)
    rng = np.random.default_rng(seed)
    top, left = int(rng.integers(100, 400)), int(rng.integers(100, 400))
    pixels[top:top + 50, left:left + 50] = 10
    return Image.fromarray(pixels)


def test_a_scanned_pdf_gives_its_own_pixels(tmp_path: Path) -> None:
    pages = [page_image(A4_AT_200, seed) for seed in range(2)]
    path = tmp_path / "scan.pdf"
    pages[0].save(path, save_all=True, append_images=pages[1:], resolution=200)
    read = list(scan_pages([path]))
    # the scanner's 1654 pixels, not a render of the page at 200 dpi (1655: its width in points rounded up)
    assert [(p.number, p.image.size, p.image.mode) for p in read] == [(1, A4_AT_200, "L"), (2, A4_AT_200, "L")]
    for page, original in zip(read, pages):  # Pillow stores the pages as JPEG: the same pixels within its loss
        assert np.abs(np.asarray(page.image, dtype=int) - np.asarray(original, dtype=int)).mean() < 1


def test_a_low_resolution_scan_is_rendered_at_the_readers_dpi(tmp_path: Path) -> None:
    path = tmp_path / "fax.pdf"
    page_image((827, 1170), 0).save(path, resolution=100)  # 100 dpi: too coarse for the combs as it is
    (page,) = scan_pages([path])
    width_pt = 827 / 100 * 72
    assert page.image.size[0] == pytest.approx(width_pt * DPI / 72, abs=2)
