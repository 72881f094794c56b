"""Reading an untrusted .ipynb: decode, parse, check the format, and strip outputs before anything else looks at it."""

from __future__ import annotations

import json
import math
import sys
from dataclasses import dataclass
from typing import Any

from generator.limits import MAX_NOTEBOOK_BYTES, MAX_NOTEBOOK_DEPTH

SUPPORTED_NBFORMAT = 4
_AGAIN = "save the notebook from Jupyter again"


class NotebookError(ValueError):
    """The file cannot be read as a notebook; the message is one line a student can act on."""


@dataclass(frozen=True)
class Cell:
    """A cell as the grader sees it: type, source text and its cnnlab metadata."""

    index: int  # position in the submitted notebook
    cell_type: str
    source: str
    cnnlab: dict[str, Any]

    @property
    def number(self) -> int:
        """The cell's number as the student counts it in Jupyter (1-based): the one every message uses."""
        return self.index + 1


def too_large(subject: str, size: int | None, limit: int = MAX_NOTEBOOK_BYTES) -> str:
    """'the file is 2048 MB, over the 512 MB limit', or '... more than the 512 MB limit' when the size is unknown."""
    if size is None:
        return f"{subject} more than the {limit // 2**20} MB limit"
    return f"{subject} {size // 2**20} MB, over the {limit // 2**20} MB limit"


def _text(data: bytes) -> str:
    """UTF-8 text of the file, with a BOM tolerated; a clear message for empty or non-UTF-8 files."""
    if not data.strip():
        raise NotebookError("the file is empty")
    if len(data) > MAX_NOTEBOOK_BYTES:
        raise NotebookError(too_large("the file is", len(data)))
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise NotebookError(f"not UTF-8 text (byte 0x{data[error.start]:02x} at offset {error.start}); "
                            f"{_AGAIN}") from None


def _no_constant(name: str) -> Any:
    """NaN and Infinity: Python's json reads them, JSON and Jupyter do not, and no score may ever come from one."""
    raise NotebookError(f"holds {name}, which is not JSON; {_AGAIN}")


def _decode(text: str) -> Any:
    """json.loads, with every way it can fail on hostile text turned into a one-line NotebookError."""
    try:
        return json.loads(text, parse_constant=_no_constant)
    except NotebookError:
        raise
    except json.JSONDecodeError as error:
        raise NotebookError(f"not JSON (line {error.lineno}, column {error.colno}: {error.msg}); "
                            "is this really a .ipynb file?") from None
    except RecursionError:
        raise NotebookError(f"nested more than {MAX_NOTEBOOK_DEPTH} levels deep; is this really a .ipynb file?") from None
    except ValueError:  # Python (3.11+) reads integers of at most sys.get_int_max_str_digits() digits
        raise NotebookError(f"holds an integer of more than {sys.get_int_max_str_digits()} digits; "
                            "is this really a .ipynb file?") from None


def _is_unicode(text: str) -> bool:
    """False for text holding a lone UTF-16 surrogate (json reads '\\ud800'), which no UTF-8 writer accepts."""
    if text.isascii():
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _check_value(value: Any, depth: int) -> None:
    """One scalar or container: what json accepts but no later step should meet is a NotebookError."""
    if depth > MAX_NOTEBOOK_DEPTH and isinstance(value, (dict, list)):
        raise NotebookError(f"nested more than {MAX_NOTEBOOK_DEPTH} levels deep; is this really a .ipynb file?")
    if isinstance(value, float) and not math.isfinite(value):
        raise NotebookError(f"holds a number too large for a float (over 1.8e308); {_AGAIN}")
    if isinstance(value, str) and not _is_unicode(value):
        raise NotebookError(f"holds text that is not valid Unicode (a lone UTF-16 surrogate); {_AGAIN}")


def _check_values(notebook: Any) -> None:
    """Every value of the parsed file, walked without recursion (a deep file must not overflow the stack)."""
    stack: list[tuple[Any, int]] = [(notebook, 1)]
    while stack:
        value, depth = stack.pop()
        _check_value(value, depth)
        if isinstance(value, dict):
            stack.extend((key, depth) for key in value)
            stack.extend((child, depth + 1) for child in value.values())
        elif isinstance(value, list):
            stack.extend((child, depth + 1) for child in value)


def _json_type(value: Any) -> str:
    """What a parsed JSON value is, in JSON's words."""
    if isinstance(value, bool) or value is None:
        return json.dumps(value)
    return {str: "a string", int: "a number", float: "a number", list: "a list"}.get(type(value), "an object")


def _check_cells(notebook: Any) -> None:
    """A dict with a list of cells, each an object, as nbformat requires (cells counted from 1, as Jupyter does)."""
    if not isinstance(notebook, dict) or not isinstance(notebook.get("cells"), list):
        raise NotebookError("JSON but not a notebook: no list of cells")
    for index, cell in enumerate(notebook["cells"]):
        if not isinstance(cell, dict):
            raise NotebookError(f"JSON but not a notebook: cell {index + 1} is {_json_type(cell)}, not an object")


def parse(data: bytes) -> dict[str, Any]:
    """The notebook as a dict, checked to be nbformat 4 with a list of cells, every value safe to pass on."""
    notebook = _decode(_text(data))
    _check_values(notebook)
    _check_cells(notebook)
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
