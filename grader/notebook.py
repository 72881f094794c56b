"""Reading an untrusted .ipynb: decode, parse, check the format, and strip outputs before anything else looks at it."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

MAX_BYTES = 512 * 1024 * 1024
SUPPORTED_NBFORMAT = 4


class NotebookError(ValueError):
    """The file cannot be read as a notebook; the message is one line a student can act on."""


@dataclass(frozen=True)
class Cell:
    """A cell as the grader sees it: type, source text and its cnnlab metadata."""

    index: int  # position in the submitted notebook
    cell_type: str
    source: str
    cnnlab: dict[str, Any]


def _text(data: bytes) -> str:
    """UTF-8 text of the file, with a BOM tolerated; a clear message for empty or non-UTF-8 files."""
    if not data.strip():
        raise NotebookError("the file is empty")
    if len(data) > MAX_BYTES:
        raise NotebookError(f"the file is {len(data) // 2**20} MB, over the {MAX_BYTES // 2**20} MB limit")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise NotebookError(f"not UTF-8 text (byte 0x{data[error.start]:02x} at offset {error.start}); "
                            "save the notebook from Jupyter again") from None


def parse(data: bytes) -> dict[str, Any]:
    """The notebook as a dict, checked to be nbformat 4 with a list of cells."""
    try:
        notebook = json.loads(_text(data))
    except json.JSONDecodeError as error:
        raise NotebookError(f"not JSON (line {error.lineno}, column {error.colno}: {error.msg}); "
                            "is this really a .ipynb file?") from None
    if not isinstance(notebook, dict) or not isinstance(notebook.get("cells"), list):
        raise NotebookError("JSON but not a notebook: no list of cells")
    version = notebook.get("nbformat")
    if version != SUPPORTED_NBFORMAT:
        raise NotebookError(f"unsupported nbformat version {version!r}; cnnlab reads nbformat "
                            f"{SUPPORTED_NBFORMAT} (open and save it in Jupyter 4 or later)")
    return notebook


def strip_outputs(notebook: dict[str, Any]) -> dict[str, Any]:
    """A copy without outputs, execution counts and widget state, so huge outputs never travel further."""
    cells = []
    for cell in notebook["cells"]:
        if not isinstance(cell, dict):
            continue
        cell = {k: v for k, v in cell.items() if k not in ("outputs", "execution_count")}
        if cell.get("cell_type") == "code":
            cell.update(outputs=[], execution_count=None)
        cells.append(cell)
    metadata = notebook.get("metadata") if isinstance(notebook.get("metadata"), dict) else {}
    metadata = {k: v for k, v in metadata.items() if k != "widgets"}
    return {**notebook, "cells": cells, "metadata": metadata}


def source_text(source: Any) -> str:
    """nbformat stores source as a string or a list of lines; anything else reads as empty."""
    if isinstance(source, str):
        return source
    if isinstance(source, list) and all(isinstance(line, str) for line in source):
        return "".join(source)
    return ""


def cells(notebook: dict[str, Any]) -> tuple[Cell, ...]:
    """The cells with their cnnlab metadata ({} where missing or malformed)."""
    found = []
    for index, cell in enumerate(notebook["cells"]):
        metadata = cell.get("metadata") if isinstance(cell.get("metadata"), dict) else {}
        cnnlab = metadata.get("cnnlab") if isinstance(metadata.get("cnnlab"), dict) else {}
        found.append(Cell(index, str(cell.get("cell_type", "")), source_text(cell.get("source")), cnnlab))
    return tuple(found)


def notebook_cnnlab(notebook: dict[str, Any]) -> dict[str, Any]:
    """The notebook-level cnnlab metadata, {} when cleared."""
    metadata = notebook.get("metadata")
    found = metadata.get("cnnlab") if isinstance(metadata, dict) else None
    return found if isinstance(found, dict) else {}
