"""Generic answer checking: the expected answer's leaves (numbers, letters) compared one by one, with tolerance.

Partial credit is the share of leaves that are right, so a table with one wrong cell scores partial and a
blank scores 0; submissions are plain JSON data and never make grading raise.
"""

from __future__ import annotations

import math
import re
from typing import Any

from generator.model import Score, Variant

Path = tuple[str | int, ...]


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
    """Every number or text inside nested lists and dicts, with its path."""
    if isinstance(value, dict):
        return [leaf for key in sorted(value) for leaf in leaves(value[key], (*path, key))]
    if isinstance(value, list):
        return [leaf for index, item in enumerate(value) for leaf in leaves(item, (*path, index))]
    return [(path, value)]


def lookup(value: Any, path: Path) -> tuple[bool, Any]:
    """(found, value) at a path of a submission, without raising on any shape of input."""
    for step in path:
        if isinstance(step, str) and isinstance(value, dict) and step in value:
            value = value[step]
        elif isinstance(step, int) and isinstance(value, list) and step < len(value):
            value = value[step]
        elif step == 0 and isinstance(value, (int, float, str)) and not isinstance(value, bool):
            continue  # a bare 400 where (400,) is expected
        else:
            return False, None
    return True, value


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


def leaf_matches(expected: Any, submitted: Any, tolerance: float) -> bool:
    """Numbers within tolerance (plus round-off for float answers); text equal ignoring case and a trailing ')'."""
    if isinstance(expected, str):
        return isinstance(submitted, str) and _letter(submitted) == _letter(expected)
    got = as_number(submitted)
    if got is None or not math.isfinite(got):
        return False
    round_off = 1e-9 * max(1.0, abs(expected)) if isinstance(expected, float) else 0.0  # integers are exact
    return abs(got - float(expected)) <= tolerance + round_off


def _letter(text: str) -> str:
    """'b) ' -> 'B', so option letters compare leniently."""
    return text.strip().rstrip(").").strip().upper()


def path_label(path: Path) -> str:
    """('rows', 0, 1) -> 'rows[0][1]'."""
    label = ""
    for step in path:
        label += f"[{step}]" if isinstance(step, int) else (f".{step}" if label else str(step))
    return label or "answer"


def parse_shape_text(value: Any) -> Any:
    """'30x30x8' or '30 × 30 × 8' to [30, 30, 8]; anything else unchanged."""
    if isinstance(value, str) and re.fullmatch(r"\s*\d+(\s*[x×X*,]\s*\d+)+\s*", value):
        return [int(v) for v in re.split(r"[x×X*,]", value)]
    return value


def structure_note(expected: Any, submitted: Any) -> str:
    """A hint when the submission's shape differs from the expected one (lists of another length)."""
    if isinstance(expected, list) and isinstance(submitted, list):
        if len(expected) != len(submitted):
            return f"expected {len(expected)} entries, got {len(submitted)}"
        for e, s in zip(expected, submitted):
            note = structure_note(e, s)
            if note:
                return note
    if isinstance(expected, list) and not isinstance(submitted, list) and submitted is not None:
        return f"expected a list of {len(expected)} entries"
    return ""


def grade_leaves(variant: Variant, submitted: Any) -> Score:
    """Score the share of the expected answer's leaves that the submission gets right."""
    expected = leaves(variant.answer)
    if submitted is None:
        blank = tuple({"part": path_label(p), "points": 0.0} for p, _ in expected)
        return Score(0.0, variant.points, "no answer", blank)
    plain = to_plain(submitted)
    if variant.answer_format == "shape":
        plain = parse_shape_text(plain)
    if not isinstance(variant.answer, (list, dict)) and isinstance(plain, list) and len(plain) == 1:
        plain = plain[0]
    share = variant.points / len(expected)
    parts, wrong = [], []
    for path, value in expected:
        found, got = lookup(plain, path)
        ok = found and leaf_matches(value, got, variant.tolerance)
        parts.append({"part": path_label(path), "points": round(share if ok else 0.0, 6)})
        if not ok:
            wrong.append(path_label(path))
    points = variant.points if not wrong else round(share * (len(expected) - len(wrong)), 6)
    if not wrong:
        return Score(points, variant.points, "correct", tuple(parts))
    note = structure_note(variant.answer, plain)
    shown = ", ".join(wrong[:6]) + (f" and {len(wrong) - 6} more" if len(wrong) > 6 else "")
    feedback = f"{len(wrong)} of {len(expected)} parts wrong: {shown}" + (f" ({note})" if note else "")
    return Score(points, variant.points, feedback, tuple(parts))
