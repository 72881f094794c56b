"""Where a scanned box's crop lies in the scan folder: crops/<student>/<column>.png (a paper whose student is not yet
known: under its key). `cnnlab scan` writes them; `cnnlab grade --answers` names them in each student's feedback,
so it imports only this small module, not the reader."""

from __future__ import annotations

from pathlib import Path

CROPS = "crops"
UNSAFE = str.maketrans({"/": "_", "\\": "_", "\0": "_"})  # a column or key never makes a path of its own


def crop_name(who: str, column: str) -> str:
    """A box's crop, relative to the scan folder."""
    return f"{CROPS}/{who.translate(UNSAFE)}/{column.translate(UNSAFE)}.png"


def crop_file(scan_folder: Path, who: str, column: str) -> Path:
    """A box's crop in a scan folder (it may not exist: a box on a page not scanned, or a typed sheet)."""
    return scan_folder / crop_name(who, column)
