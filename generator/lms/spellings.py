"""Every text a student may type for a number that is right within its tolerance, for Canvas's exact-text blanks.

Canvas grades a fill-in-multiple-blanks answer by text alone (its importer, fill_in_the_blank.rb process_canvas, keeps
each listed text as a correct answer; the quiz compares the typed text, stripped and lower-cased, with each), so a
tolerance or another way of writing the same number must be listed. The values: the key's exact value, its roundings
down and up to each fewer number of decimals, and every value at the asked decimals (generator/rounding.py) inside
the tolerance; no value outside it. Each value is then written with trailing zeros up to the asked decimals and at
least two (6, 6.0, 6.00), with thousands commas from 1,000 up, without a leading zero (.5), and with a leading `+`.
"""

from __future__ import annotations

from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

from generator.rounding import accepted_range

MAX_STEPS = 40  # values at the asked decimals listed at most (a tolerance of 0.01 at 2 decimals gives 3)
MIN_PADDING = 2  # a whole number is also accepted as 6.0 and 6.00


def numeric_spellings(value: int | float, tolerance: float, places: int | None) -> tuple[str, ...]:
    """The key's own text first, then every other spelling of a value within the tolerance, without repeats."""
    exact = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    spread = Decimal(repr(tolerance))
    values = [exact, *_roundings(exact, spread), *_asked(value, tolerance, places)]
    padding = max(places or 0, MIN_PADDING)
    texts: list[str] = []
    for number in values:
        texts += _written(number, padding)
    return tuple(dict.fromkeys(texts))


def letter_spellings(letter: str) -> tuple[str, ...]:
    """A typed letter: B, (B), B. and B) (Canvas lower-cases both sides, so b is taken too)."""
    return letter, f"({letter})", f"{letter}.", f"{letter})"


def _roundings(exact: Decimal, spread: Decimal) -> list[Decimal]:
    """The value rounded down and up to each number of decimals below its own, where that stays in the tolerance."""
    found = []
    exponent = exact.as_tuple().exponent
    for places in range(-exponent if isinstance(exponent, int) and exponent < 0 else 0):
        step = Decimal(1).scaleb(-places)
        for rounding in (ROUND_FLOOR, ROUND_CEILING):
            rounded = exact.quantize(step, rounding=rounding)
            if abs(rounded - exact) <= spread:
                found.append(rounded)
    return found


def _asked(value: int | float, tolerance: float, places: int | None) -> list[Decimal]:
    """Every value at the asked decimals inside the tolerance (none past MAX_STEPS of them: the roundings remain)."""
    bounds = accepted_range(value, tolerance, places)
    if bounds is None:
        return []
    low, high = (Decimal(bound) for bound in bounds)
    step = Decimal(1).scaleb(-places) if places is not None else Decimal(1)
    count = int((high - low) / step) + 1
    return [low + step * index for index in range(count)] if count <= MAX_STEPS else []


def _written(number: Decimal, padding: int) -> list[str]:
    """One value's spellings: trailing zeros, thousands commas, no leading zero, a leading plus."""
    plain = format(number.normalize(), "f") if number != 0 else "0"
    whole, _, decimals = plain.partition(".")
    padded = [f"{whole}.{decimals.ljust(width, '0')}" if width else whole
              for width in range(len(decimals), padding + 1)] if len(decimals) <= padding else [plain]
    texts = list(padded)
    if abs(number) >= 1000:
        texts += [_grouped(text) for text in padded]
    texts += [text.replace("0.", ".", 1) for text in texts if text.lstrip("-").startswith("0.") and number != 0]
    if number > 0:
        texts += [f"+{text}" for text in texts]
    return texts


def _grouped(text: str) -> str:
    """A number with thousands commas: 1091940 -> 1,091,940, -1234.5 -> -1,234.5."""
    sign, rest = ("-", text[1:]) if text.startswith("-") else ("", text)
    whole, dot, decimals = rest.partition(".")
    return f"{sign}{int(whole):,}{dot}{decimals}"
