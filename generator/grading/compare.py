"""Comparing a submission, already read into the key's structure, with the key part by part, with tolerance.

Every number or letter of the key is one part (docs/GRADING.md, "Answer rules"). The structure must match, so
entries beyond the key's are wrong parts too and the notes say what was expected; sizes in the other axis order (or
a transposed matrix) earn half and are named; a total, or a layer-table row, that is right for the student's own
earlier numbers earns its part (follow-through).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import reduce
from typing import Any

from generator.grading.read import LETTERS, Path, Rules, as_number, axes_text, is_flat, is_sizes, leaves

Credit = tuple[str, float]  # a part's label and the share of its points earned: 1, 0.5 (other axis order) or 0
OTHER_ORDER = {"HWC": "CHW", "CHW": "HWC"}


@dataclass(frozen=True)
class Comparison:
    """Every part's credit and the notes that explain what was expected."""

    parts: tuple[Credit, ...] = ()
    notes: tuple[str, ...] = ()

    def __add__(self, other: Comparison) -> Comparison:
        """Both comparisons' parts and notes, in order: the whole answer's record from its pieces'."""
        return Comparison(self.parts + other.parts, self.notes + other.notes)

    @property
    def earned(self) -> float:
        """Parts' worth earned."""
        return sum(credit for _, credit in self.parts)

    @property
    def full(self) -> bool:
        """Every part right."""
        return all(credit == 1.0 for _, credit in self.parts)

    def noted(self, *notes: str) -> Comparison:
        """The same parts with notes added."""
        return Comparison(self.parts, self.notes + tuple(n for n in notes if n))

    def halved(self, note: str) -> Comparison:
        """Half credit and one note: the right values in the other axis order."""
        return Comparison(tuple((label, credit / 2) for label, credit in self.parts), (note,))


def combine(comparisons: Sequence[Comparison]) -> Comparison:
    """One comparison of many, parts in order."""
    return reduce(Comparison.__add__, comparisons, Comparison())


def better(first: Comparison, second: Comparison) -> Comparison:
    """The comparison worth more; the first on a tie."""
    return second if second.earned > first.earned else first


def leaf_matches(expected: Any, submitted: Any, tolerance: float) -> bool:
    """Numbers within tolerance (plus round-off for float answers); letters equal ignoring case and a trailing ')'."""
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


def _show(value: Any) -> str:
    """A submitted value, short and on one line, for feedback."""
    text = repr(tuple(value)) if isinstance(value, list) else repr(value)
    text = " ".join(text.split())
    return text if len(text) <= 40 else text[:37] + "..."


def _dims(value: Any) -> tuple[int, ...] | None:
    """(n,) for a flat list, (rows, columns) for a rectangular list of flat lists, else None."""
    if is_flat(value):
        return (len(value),)
    if isinstance(value, list) and value and all(is_flat(row) for row in value):
        widths = {len(row) for row in value}
        return (len(value), widths.pop()) if len(widths) == 1 else None
    return None


def _describe(value: Any, rules: Rules) -> str:
    """'4 values', '4 values (H×W×C)', 'a 3×3 matrix', '7 rows', 'a dict with keys ...', 'one number'."""
    dims = _dims(value)
    if isinstance(value, dict):
        return "a dict with keys " + ", ".join(repr(k) for k in value)
    if dims is not None and len(dims) == 1:
        order = f" ({axes_text(rules.axes)})" if rules.axes and is_sizes(value) and len(value) == len(rules.axes) \
            else ""
        return f"{dims[0]} value{'s' * (dims[0] != 1)}{order}"
    if dims is not None:
        return f"a {dims[0]}×{dims[1]} matrix"
    if isinstance(value, list):
        return f"{len(value)} {'rows' if all(isinstance(v, list) for v in value) else 'entries'}"
    return "one letter" if isinstance(value, str) else "one number"


def _given(value: Any, rules: Rules) -> str:
    """What was submitted, for 'expected ..., got ...': '2 values (25, 27)', 'the text 'abc'', 'the number 5'."""
    if isinstance(value, (list, dict)):
        return f"{_describe(value, rules)} {_show(value)}" if isinstance(value, list) else _describe(value, rules)
    return f"the {'text' if isinstance(value, str) else 'number'} {_show(value)}"


def _prefix(path: Path, rules: Rules) -> str:
    """'rows[2]: ' before a note about part of the answer; nothing for the whole answer."""
    return f"{rules.label(path)}: " if path else ""


def _size_note(expected: list[Any], submitted: list[Any], rules: Rules, path: Path) -> str:
    """'expected 4 values, got 5', 'expected a 3×3 matrix, got 4×4': empty when the sizes agree."""
    want, got = _dims(expected), _dims(submitted)
    if (want == got and want is not None) or (want is None and len(expected) == len(submitted)):
        return ""
    wanted, given = _describe(expected, rules), _describe(submitted, rules)
    if want is not None and got is not None and len(want) == len(got):
        given = str(got[0]) if len(got) == 1 else f"{got[0]}×{got[1]}"
    elif want is None and wanted.split()[-1] == given.split()[-1]:
        given = str(len(submitted))  # 'expected 7 rows, got 8'
    return f"{_prefix(path, rules)}expected {wanted}, got {given}"


def _wrong(expected: Any, rules: Rules, path: Path) -> Comparison:
    """Every part of the expected value missed."""
    return Comparison(tuple((rules.label(p), 0.0) for p, _ in leaves(expected, path)))


def _extra(entries: list[tuple[Path, Any]], rules: Rules) -> Comparison:
    """Entries beyond the key's: each of their leaves (at least one per entry) is a wrong part."""
    return Comparison(tuple((f"{rules.label(path)} (extra)", 0.0) for path, item in entries
                         for _ in range(max(1, len(leaves(item))))))


def _compare_leaf(expected: Any, submitted: Any, rules: Rules, path: Path) -> Comparison:
    """One part; a note when the submission is not even of the right sort (a list, a word, a letter out of range)."""
    if leaf_matches(expected, submitted, rules.tolerance):
        return Comparison(((rules.label(path), 1.0),))
    note = _sort_note(expected, submitted, rules)
    return Comparison(((rules.label(path), 0.0),), (f"{_prefix(path, rules)}{note}",) if note else ())


def _sort_note(expected: Any, submitted: Any, rules: Rules) -> str:
    """What sort of value was expected, when the submission is not even that (a list, a word, a letter out of range)."""
    if submitted is None:
        return ""
    if isinstance(submitted, (list, dict)):
        return f"expected {_describe(expected, rules)}, got {_given(submitted, rules)}"
    if isinstance(expected, str):
        letters = tuple(LETTERS[:len(rules.options) or len(LETTERS)])
        if isinstance(submitted, str) and _letter(submitted) in letters:
            return ""
        return f"expected one letter A–{letters[-1]}" + (" or an option's text" if rules.options else "") + \
            f", got {_given(submitted, rules)}"
    return f"expected a number, got {_given(submitted, rules)}" if as_number(submitted) is None else ""


def _compare_dict(expected: dict[str, Any], submitted: Any, rules: Rules, path: Path) -> Comparison:
    """Key by key; unknown keys are wrong parts; a total may follow through from the student's own counts."""
    if not isinstance(submitted, dict):
        note = f"{_prefix(path, rules)}expected {_describe(expected, rules)} (or a tuple in that order), got " \
               f"{_given(submitted, rules)}"
        return _wrong(expected, rules, path).noted(note if submitted is not None else "")
    comparison = combine([compare(value, submitted.get(key), rules, (*path, key)) for key, value in expected.items()])
    comparison += _extra([((*path, key), item) for key, item in submitted.items() if key not in expected], rules)
    if set(submitted) != set(expected):
        comparison = comparison.noted(f"{_prefix(path, rules)}expected keys {', '.join(map(repr, expected))}, got "
                                f"{', '.join(map(repr, submitted)) or 'none'}")
    return _follow_total(expected, submitted, comparison, rules, path)


def _sums_to(counts: list[Any], total: Any, tolerance: float) -> bool:
    """Whether every count is a number and they add up to the total."""
    numbers = [as_number(c) for c in counts]
    return bool(numbers) and None not in numbers and leaf_matches(float(sum(numbers)), total, tolerance)  # type: ignore


def _rest(table: dict[str, Any]) -> list[Any]:
    """Every leaf but the total: what a table's total adds up by default."""
    return [leaf for key, value in table.items() if key != "total" for _, leaf in leaves(value)]


def _follow_total(expected: dict[str, Any], submitted: dict[str, Any], comparison: Comparison, rules: Rules,
                  path: Path) -> Comparison:
    """A wrong total that is the sum of the student's own counts earns its part, when the key's total is such a sum."""
    counts = rules.counts or _rest
    label = rules.label((*path, "total"))
    if "total" not in expected or (label, 0.0) not in comparison.parts or \
            not _sums_to(counts(expected), expected["total"], 0.0):
        return comparison
    try:
        own = counts(submitted)
    except (KeyError, IndexError, TypeError):
        return comparison
    if not _sums_to(own, submitted.get("total"), rules.tolerance):
        return comparison
    parts = tuple((name, 1.0) if name == label else (name, credit) for name, credit in comparison.parts)
    return Comparison(parts, comparison.notes).noted(f"{label}: follow-through from your own counts")


def _compare_items(expected: list[Any], submitted: list[Any], rules: Rules, path: Path) -> Comparison:
    """Entry by entry (with follow-through where the kind has it), entries beyond the key's wrong, sizes noted."""
    items = []
    for index, value in enumerate(expected):
        got = submitted[index] if index < len(submitted) else None
        item = compare(value, got, rules, (*path, index))
        alternative = rules.follow(path, index, submitted) if rules.follow and not item.full else None
        if alternative is not None:
            item = better(item, compare(alternative[0], got, rules, (*path, index)).noted(alternative[1]))
        items.append(item)
    beyond = [((*path, i), v) for i, v in enumerate(submitted) if i >= len(expected)]
    comparison = combine(items) + _extra(beyond, rules)
    note = _size_note(expected, submitted, rules, path)
    if note and _dims(expected) is not None:
        return Comparison(comparison.parts, (note,))  # one line about a matrix's size rather than one per row
    return comparison.noted(note)


def _other_order(expected: list[Any], submitted: Any, rules: Rules, path: Path) -> tuple[list[Any], str] | None:
    """The submission in the other axis order (C×H×W for H×W×C, a transposed matrix), and the note saying so."""
    if rules.axes in OTHER_ORDER and is_sizes(expected) and len(expected) == len(rules.axes) and \
            isinstance(submitted, list) and len(submitted) == len(expected):
        other = OTHER_ORDER[rules.axes]
        reordered = [submitted[other.index(axis)] for axis in rules.axes]
        note = (f"{_prefix(path, rules)}{_show(submitted)} looks like {axes_text(other)}; this question asks for "
                f"{axes_text(rules.axes)}")
        return (reordered, note) if reordered != submitted else None
    want, got = _dims(expected), _dims(submitted)
    if rules.matrix and want is not None and len(want) == 2 and got is not None and got == want[::-1]:
        transposed = [list(column) for column in zip(*submitted)]
        note = f"{_prefix(path, rules)}looks transposed (rows and columns swapped): give a list of rows"
        return (transposed, note) if transposed != submitted else None
    return None


def compare(expected: Any, submitted: Any, rules: Rules, path: Path = ()) -> Comparison:
    """Compare a submission (already read into the key's structure) with the key, part by part."""
    if isinstance(expected, dict):
        return _compare_dict(expected, submitted, rules, path)
    if not isinstance(expected, list):
        return _compare_leaf(expected, submitted, rules, path)
    if not isinstance(submitted, list):
        note = f"{_prefix(path, rules)}expected {_describe(expected, rules)}, got {_given(submitted, rules)}"
        return _wrong(expected, rules, path).noted(note if submitted is not None else "")
    comparison = _compare_items(expected, submitted, rules, path)
    other = None if comparison.full else _other_order(expected, submitted, rules, path)
    if other is None:
        return comparison
    alternative = _compare_items(expected, other[0], rules, path)
    halved = alternative.halved(other[1])
    if halved.earned > comparison.earned or (alternative.full and halved.earned == comparison.earned):
        return halved
    return comparison.noted(other[1]) if alternative.full else comparison  # say so even when it earns less than half
