"""Reading a submission into the key's structure: plain data, its parts, and the accepted alternative formats.

The rules (docs/GRADING.md, "Answer rules") accept reasonable formats as the key's: shape text such as '30x30x8', a
tuple in the key's order for a dict, a bare value for a one-entry list, a column or row array for a flat list, an
option's letter in any usual spelling or its own text. Submissions are plain JSON data and reading never raises.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from functools import partial
from typing import Any

from generator.model import Variant

Path = tuple[str | int, ...]
Follow = Callable[[Path, int, list[Any]], tuple[Any, str] | None]  # a list item's follow-through key, and why
LETTERS = "ABCDEFGHIJ"
AXIS_NAMES = {"H": "height", "W": "width", "C": "channels"}
SHAPE_ORDER = "HWC"  # the lecture's (a 5x5x3 filter, a 30x30x8 output volume); the layer table asks for C×H×W


def to_plain(value: Any) -> Any:
    """NumPy arrays and scalars, tuples and torch-like objects with .tolist() to plain lists and numbers."""
    if hasattr(value, "tolist") and not isinstance(value, (str, bytes)):
        try:
            value = value.tolist()
        except Exception:  # noqa: BLE001 - a submission must never make grading raise
            return None
    if isinstance(value, dict):
        return {str(k): to_plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_plain(v) for v in value]
    return value


def leaves(value: Any, path: Path = ()) -> list[tuple[Path, Any]]:
    """Every number or text inside nested lists and dicts, with its path (dicts in their own key order)."""
    if isinstance(value, dict):
        return [leaf for key in value for leaf in leaves(value[key], (*path, key))]
    if isinstance(value, list):
        return [leaf for index, item in enumerate(value) for leaf in leaves(item, (*path, index))]
    return [(path, value)]


def is_blank(value: Any) -> bool:
    """True for an untouched stub: None, or containers whose every leaf is None or empty text."""
    return all(leaf is None or (isinstance(leaf, str) and not leaf.strip()) for _, leaf in leaves(value))


def as_number(value: Any) -> float | None:
    """A submitted number (int, float, or text such as '669,706' or '1e12'), else None."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.replace(",", "").replace("_", "").strip())
        except ValueError:
            return None
    return None


# --- naming parts, and the rules one question's answer is read by ------------------------------------------------

def path_label(path: Path) -> str:
    """('rows', 0, 1) -> 'rows[0][1]'."""
    label = ""
    for step in path:
        label += f"[{step}]" if isinstance(step, int) else (f".{step}" if label else str(step))
    return label or "answer"


def axes_text(axes: str) -> str:
    """'HWC' -> 'H×W×C'."""
    return "×".join(axes)


def axes_names(axes: str) -> str:
    """'HWC' -> '(height, width, channels)'."""
    return f"({', '.join(AXIS_NAMES[a] for a in axes)})"


def axes_hint(axes: str) -> str:
    """'HWC' -> '(height, width, channels), e.g. (28, 28, 6)': the order a stub asks for."""
    example = {"H": "28", "W": "28", "C": "6"}
    return f"{axes_names(axes)}, e.g. ({', '.join(example[a] for a in axes)})"


@dataclass(frozen=True)
class Rules:
    """How one question's answer is read: tolerance, choice options, shape axis order and kind-specific extras."""

    tolerance: float = 0.0
    options: tuple[str, ...] = ()  # a choice question's option texts, lettered A, B, ...
    axes: str = ""  # where the key holds sizes (a flat list of ints), they are asked in this order, e.g. "HWC"
    matrix: bool = False  # the answer is a matrix: a transposed one is recognised
    square: bool = False  # the answer is one side of a square: an equal pair (25, 25) reads as 25
    label: Callable[[Path], str] = path_label  # how a part is named in feedback
    follow: Follow | None = None  # follow-through: another key for a list item, from the student's earlier items
    counts: Callable[[dict[str, Any]], list[Any]] | None = None  # what a table's "total" adds up (default: the rest)


def rules_for(variant: Variant, **extra: Any) -> Rules:
    """The rules a variant's answer format implies (a kind adds its own, e.g. axes or follow-through)."""
    choice = variant.answer_format == "choice"
    options = tuple(str(o) for o in variant.params.get("options", ())) if choice else ()
    if variant.answer_format == "shape":
        extra = {"axes": SHAPE_ORDER, "label": partial(axis_label, SHAPE_ORDER), **extra}
    return replace(Rules(variant.tolerance, options, matrix=variant.answer_format == "matrix"), **extra)


def axis_label(axes: str, path: Path) -> str:
    """(0,) -> 'height' for a shape answer in H×W×C order; other paths as usual."""
    if len(path) == 1 and isinstance(path[0], int) and path[0] < len(axes):
        return AXIS_NAMES[axes[path[0]]]
    return path_label(path)


# --- reading a submission into the key's structure ---------------------------------------------------------------

def parse_shape_text(value: Any) -> Any:
    """'30x30x8', '30 × 30 × 8', '6@28x28', '(6, 28, 28)' or '400' to a list of sizes; anything else unchanged."""
    if isinstance(value, str) and len(value) <= 80 and \
            re.fullmatch(r"\s*[(\[]?\s*\d+(\s*[x×X*,@ ]\s*\d+)*\s*,?\s*[)\]]?\s*", value):  # short: no backtracking
        return [int(v) for v in re.findall(r"\d+", value)]
    return value


def _plain_text(text: str) -> str:
    """Text compared loosely: case, spacing, underscores, quotes, Markdown stars and a final full stop ignored."""
    text = re.sub(r"[_\-*\"'`]", " ", text.lower())
    return " ".join(text.split()).rstrip(".").strip()


def read_choice(text: str, options: Sequence[str]) -> str:
    """'(C)', 'Option C', 'c)', 'C. Each output unit...' or an option's own text to its letter; else unchanged."""
    for letter, option in zip(LETTERS, options):
        if _plain_text(text) == _plain_text(option):
            return letter
    squeezed = " ".join(text.split())  # single spaces keep the pattern free of backtracking
    match = re.fullmatch(r"(?:(?:option|answer) ?:? ?)?[(\[]? ?([a-j]) ?(?:[)\].:] ?(.*)|[)\]]?)", squeezed,
                         re.IGNORECASE | re.DOTALL)
    if match is None:
        return text
    letter, rest = match.group(1).upper(), _plain_text(match.group(2) or "")
    named = [LETTERS[i] for i, option in enumerate(options) if rest and _plain_text(option) == rest]
    return text if named and named != [letter] else letter  # 'B. <option C's text>' contradicts itself


def is_sizes(value: Any) -> bool:
    """A flat non-empty list of integers: a shape, which may come as text and in the other axis order."""
    return isinstance(value, list) and bool(value) and all(type(v) is int for v in value)


def is_flat(value: Any) -> bool:
    """A list whose entries are not containers: a vector, or one row of a matrix, when reading and describing."""
    return isinstance(value, list) and not any(isinstance(v, (list, dict)) for v in value)


def _fits(expected: Any, value: Any) -> bool:
    """Whether a tuple entry can stand for a dict entry: containers for containers, single values for values."""
    if isinstance(expected, (dict, list)):
        return isinstance(value, (list, dict, str))
    return not isinstance(value, dict) and (not isinstance(value, list) or len(value) == 1)


def _read_dict(expected: dict[str, Any], value: Any) -> Any:
    """A tuple in the key's order where a dict is asked for: (rows, total), (weights, biases, total)."""
    if isinstance(value, list) and len(value) == len(expected) and all(map(_fits, expected.values(), value)):
        return dict(zip(expected, value))
    return value


def _read_list(expected: list[Any], value: Any, rules: Rules) -> Any:
    """Shape text, a bare value for a one-entry list, a column (n, 1) or row (1, n) array for a flat list."""
    if isinstance(value, str) and rules.axes and is_sizes(expected):
        value = parse_shape_text(value)
    if value is None:
        return None
    if len(expected) == 1 and (not isinstance(value, list) or (isinstance(expected[0], list) and is_flat(value)
                                                                and len(value) > 1)):
        return [value]
    if is_flat(expected) and isinstance(value, list):
        if len(value) == len(expected) and all(isinstance(v, list) and len(v) == 1 for v in value):
            return [v[0] for v in value]
        if len(value) == 1 and isinstance(value[0], list) and len(value[0]) == len(expected) > 1:
            return value[0]
    return value


def _read_leaf(expected: Any, value: Any, rules: Rules) -> Any:
    """[25] or [[25]] for 25, an equal pair for a square's side, any accepted form of an option letter."""
    while isinstance(value, list) and len(value) == 1:
        value = value[0]
    if rules.square and isinstance(value, list) and len(value) == 2 and as_number(value[0]) is not None and \
            as_number(value[0]) == as_number(value[1]):
        value = value[0]
    if isinstance(expected, str) and isinstance(value, str):
        value = read_choice(value, rules.options)
    return value


def read(expected: Any, value: Any, rules: Rules) -> Any:
    """The submission rewritten into the key's structure wherever it is an accepted alternative format."""
    if isinstance(expected, dict):
        value = _read_dict(expected, value)
        if isinstance(value, dict):
            return {k: read(expected[k], v, rules) if k in expected else v for k, v in value.items()}
        return value
    if isinstance(expected, list):
        value = _read_list(expected, value, rules)
        if isinstance(value, list):
            return [read(expected[i], v, rules) if i < len(expected) else v for i, v in enumerate(value)]
        return value
    return _read_leaf(expected, value, rules)
