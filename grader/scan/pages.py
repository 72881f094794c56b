"""The pages of the scans, one greyscale image each, in the order the scanner produced them.

A department scanner gives PDFs (one image per page, any resolution) or image files: PNG, JPEG, TIFF (a multi-page
TIFF is one file of many pages). A PDF page that is one upright image covering the page (what a scanner writes)
gives that image's own pixels, when they are at least MIN_NATIVE_DPI; any other page is rasterised with pypdfium2
at DPI dots per inch; images are read with Pillow. Every page becomes an 8-bit greyscale image, one at a time, so
a 300-page batch never sits in memory at once.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PIL import Image, ImageOps, ImageSequence, UnidentifiedImageError

DPI = 200  # a PDF's pages are rasterised at this resolution: a comb cell (5.5 mm) is 43 pixels, as the digits' 40
MIN_NATIVE_DPI = 150  # a scanner's own image below this is rendered up to DPI instead (combs need the pixels)
COVERS = 0.98  # an image spanning this share of the page's width and height is the page
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".tif", ".tiff")
SCAN_HINT = "give PDFs or PNG, JPEG or TIFF images of the filled exams"


@dataclass(frozen=True)
class ScanPage:
    """One scanned page: the file it came from, its number there (from 1), and its greyscale image."""

    file: Path
    number: int
    image: Image.Image


def _pdf_pages(path: Path, dpi: int) -> Iterator[Image.Image]:
    """A PDF's pages rasterised in greyscale."""
    import pypdfium2

    try:
        document = pypdfium2.PdfDocument(path)
    except pypdfium2.PdfiumError as error:
        raise ValueError(f"{path}: not a readable PDF ({error}); {SCAN_HINT}") from None
    try:
        for index in range(len(document)):
            page = document[index]
            yield _scanned_image(page) or page.render(scale=dpi / 72, grayscale=True).to_pil().convert("L")
            page.close()
    finally:
        document.close()


def _scanned_image(page: Any) -> Image.Image | None:
    """The page's one upright image at its own resolution (decoding it takes half the time of rendering the page,
    and nothing is resampled); None when the page is anything else, or the image is below MIN_NATIVE_DPI."""
    import pypdfium2

    if page.get_rotation() != 0:
        return None
    images = list(page.get_objects(filter=[pypdfium2.raw.FPDF_PAGEOBJ_IMAGE], max_depth=1))
    if len(images) != 1:
        return None
    image = images[0]
    left, bottom, right, top = image.get_bounds()
    width, height = page.get_size()
    a, b, c, d, _, _ = image.get_matrix().get()
    pixels_wide, _ = image.get_px_size()
    if b or c or a <= 0 or d <= 0 or right - left < COVERS * width or top - bottom < COVERS * height or \
            pixels_wide < MIN_NATIVE_DPI / 72 * width:
        return None
    try:
        return image.get_bitmap(render=False).to_pil().convert("L")
    except pypdfium2.PdfiumError:
        return None


def _image_pages(path: Path) -> Iterator[Image.Image]:
    """An image file's frames (several in a multi-page TIFF), upright by their EXIF orientation, in greyscale."""
    try:
        image = Image.open(path)
    except (UnidentifiedImageError, OSError) as error:
        raise ValueError(f"{path}: not a readable image ({error}); {SCAN_HINT}") from None
    with image:
        for number, frame in enumerate(ImageSequence.Iterator(image), start=1):
            try:
                page = ImageOps.exif_transpose(frame).convert("L")
            except OSError as error:  # a truncated or damaged file shows only when its pixels are read
                raise ValueError(f"{path} page {number}: not a readable image ({error}); {SCAN_HINT}") from None
            yield page


def scan_pages(paths: Sequence[Path], dpi: int = DPI) -> Iterator[ScanPage]:
    """Every page of every scan, file by file in the order given, page by page in each file."""
    for path in paths:  # every name checked before the first page is read
        if not path.is_file():
            raise ValueError(f"{path}: no such scan file; {SCAN_HINT}")
        if path.suffix.lower() not in (".pdf", *IMAGE_SUFFIXES):
            raise ValueError(f"{path}: a {path.suffix or 'suffix-less'} file; {SCAN_HINT}")
    for path in paths:
        frames = _pdf_pages(path, dpi) if path.suffix.lower() == ".pdf" else _image_pages(path)
        for number, image in enumerate(frames, start=1):
            yield ScanPage(path, number, image)
