"""A key's numbers as the question asks for them: to the decimals its tolerance implies, with the range accepted.

A question that asks for 2 decimal places grades with a tolerance of 0.01, so its key shows 2.9375 as 2.94 (half
up, as people round) and states what earns the marks: every 2-decimal value within the tolerance, 2.93 to 2.94.
The paper key and the worked solutions use the same rounding, so a marker never meets a third version of a value.
"""

from __future__ import annotations

import math
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal
from typing import Any

from generator.model import Variant


def asked_places(variant: Variant) -> int | None:
    """The decimals the question asks for: those of its tolerance (0.01 -> 2); None when it grades exactly."""
    tolerance = variant.tolerance
    return math.ceil(-math.log10(tolerance) - 1e-9) if 0 < tolerance < 1 else None


def exact_text(value: Any) -> str:
    """A number as the key holds it, with no rounding and no exponent: 2.9375, 3, -0.5; a spare box's None: ''."""
    if value is None:
        return ""
    if isinstance(value, float) and math.isfinite(value):
        return _plain(Decimal(repr(value)))
    return str(value)


def rounded_text(value: Any, places: int | None) -> str:
    """A number to the asked decimals, half up, trailing zeros dropped (2.9375 -> 2.94, 3.0 -> 3); else as is."""
    if places is None or not isinstance(value, float) or not math.isfinite(value):
        return exact_text(value)
    return _plain(Decimal(repr(value)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP))


def accepted_range(value: Any, tolerance: float, places: int | None) -> tuple[str, str] | None:
    """The lowest and highest values a student may write, to the asked decimals, that earn the marks; None when
    only the value itself does (an integer answer graded exactly, a letter)."""
    if tolerance <= 0 or isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return None
    exact, spread = Decimal(repr(value)), Decimal(repr(tolerance))
    step = Decimal(1).scaleb(-places) if places is not None else Decimal(1)
    low = (exact - spread).quantize(step, rounding=ROUND_CEILING)
    high = (exact + spread).quantize(step, rounding=ROUND_FLOOR)
    return _plain(low), _plain(high)


def rounded_rows(rows: list[Any], places: int | None) -> list[Any]:
    """A vector or matrix with every number as rounded_text gives it (for a worked solution's matrix)."""
    return [rounded_rows(row, places) if isinstance(row, list) else rounded_text(row, places) for row in rows]


def rounding_phrase(rows: list[Any], places: int | None) -> str:
    """' (to 2 decimal places)' when some value of a vector or matrix is rounded to show it; '' otherwise."""
    flat = [value for row in rows for value in (row if isinstance(row, list) else [row])]
    changed = any(rounded_text(value, places) != exact_text(value) for value in flat)
    return f" (to {places} decimal places)" if changed else ""


def _plain(number: Decimal) -> str:
    """A Decimal without trailing zeros or an exponent: 3.10 -> 3.1, 4.00 -> 4."""
    text = format(number, "f")
    text = text.rstrip("0").rstrip(".") if "." in text else text
    return "0" if text in ("-0", "") else text
