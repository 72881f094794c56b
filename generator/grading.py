"""Answer checking: the submission is read into the key's structure, then compared part by part (every number or
letter of the expected answer is one part), with tolerance.

The rules (docs/GRADING.md, "Answer rules"): the structure must match, so entries beyond the key's are wrong parts
too and the feedback says what was expected; reasonable alternative formats are read as the key's; sizes in the
other axis order (or a transposed matrix) earn half and are named; an untouched stub is "no answer"; a total, or a
layer-table row, that is right for the student's own earlier numbers earns its part (follow-through). Submissions
are plain JSON data and never make grading raise.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from functools import partial, reduce
from typing import Any

from generator.model import Part, Score, Variant, shared_parts

Path = tuple[str | int, ...]
Credit = tuple[str, float]  # a part's label and the share of its points earned: 1, 0.5 (other axis order) or 0
Follow = Callable[[Path, int, list[Any]], tuple[Any, str] | None]  # a list item's follow-through key, and why
LETTERS = "ABCDEFGHIJ"
AXIS_NAMES = {"H": "height", "W": "width", "C": "channels"}
OTHER_ORDER = {"HWC": "CHW", "CHW": "HWC"}
TOO_LONG = 10  # an answer with more than this many times the key's parts scores 0 (and is not itemised)
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


def _is_sizes(value: Any) -> bool:
    """A flat non-empty list of integers: a shape where the rules name axes."""
    return isinstance(value, list) and bool(value) and all(type(v) is int for v in value)


def _is_flat(value: Any) -> bool:
    """A list whose entries are not containers."""
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
    if isinstance(value, str) and rules.axes and _is_sizes(expected):
        value = parse_shape_text(value)
    if value is None:
        return None
    if len(expected) == 1 and (not isinstance(value, list) or (isinstance(expected[0], list) and _is_flat(value)
                                                                and len(value) > 1)):
        return [value]
    if _is_flat(expected) and isinstance(value, list):
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


# --- comparing part by part ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Outcome:
    """Every part's credit and the notes that explain what was expected."""

    parts: tuple[Credit, ...] = ()
    notes: tuple[str, ...] = ()

    def __add__(self, other: Outcome) -> Outcome:
        return Outcome(self.parts + other.parts, self.notes + other.notes)

    @property
    def earned(self) -> float:
        """Parts' worth earned."""
        return sum(credit for _, credit in self.parts)

    @property
    def full(self) -> bool:
        """Every part right."""
        return all(credit == 1.0 for _, credit in self.parts)

    def noted(self, *notes: str) -> Outcome:
        """The same parts with notes added."""
        return Outcome(self.parts, self.notes + tuple(n for n in notes if n))

    def halved(self, note: str) -> Outcome:
        """Half credit and one note: the right values in the other axis order."""
        return Outcome(tuple((label, credit / 2) for label, credit in self.parts), (note,))


def combine(outcomes: Sequence[Outcome]) -> Outcome:
    """One outcome of many, parts in order."""
    return reduce(Outcome.__add__, outcomes, Outcome())


def better(first: Outcome, second: Outcome) -> Outcome:
    """The outcome worth more; the first on a tie."""
    return second if second.earned > first.earned else first


def _show(value: Any) -> str:
    """A submitted value, short and on one line, for feedback."""
    text = repr(tuple(value)) if isinstance(value, list) else repr(value)
    text = " ".join(text.split())
    return text if len(text) <= 40 else text[:37] + "..."


def _dims(value: Any) -> tuple[int, ...] | None:
    """(n,) for a flat list, (rows, columns) for a rectangular list of flat lists, else None."""
    if _is_flat(value):
        return (len(value),)
    if isinstance(value, list) and value and all(_is_flat(row) for row in value):
        widths = {len(row) for row in value}
        return (len(value), widths.pop()) if len(widths) == 1 else None
    return None


def _describe(value: Any, rules: Rules) -> str:
    """'4 values', '4 values (H×W×C)', 'a 3×3 matrix', '7 rows', 'a dict with keys ...', 'one number'."""
    dims = _dims(value)
    if isinstance(value, dict):
        return "a dict with keys " + ", ".join(repr(k) for k in value)
    if dims is not None and len(dims) == 1:
        order = f" ({axes_text(rules.axes)})" if rules.axes and _is_sizes(value) and len(value) == len(rules.axes) \
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


def _wrong(expected: Any, rules: Rules, path: Path) -> Outcome:
    """Every part of the expected value missed."""
    return Outcome(tuple((rules.label(p), 0.0) for p, _ in leaves(expected, path)))


def _extra(entries: list[tuple[Path, Any]], rules: Rules) -> Outcome:
    """Entries beyond the key's: each of their leaves (at least one per entry) is a wrong part."""
    return Outcome(tuple((f"{rules.label(path)} (extra)", 0.0) for path, item in entries
                         for _ in range(max(1, len(leaves(item))))))


def _compare_leaf(expected: Any, submitted: Any, rules: Rules, path: Path) -> Outcome:
    """One part; a note when the submission is not even of the right sort (a list, a word, a letter out of range)."""
    if leaf_matches(expected, submitted, rules.tolerance):
        return Outcome(((rules.label(path), 1.0),))
    note = _sort_note(expected, submitted, rules)
    return Outcome(((rules.label(path), 0.0),), (f"{_prefix(path, rules)}{note}",) if note else ())


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


def _compare_dict(expected: dict[str, Any], submitted: Any, rules: Rules, path: Path) -> Outcome:
    """Key by key; unknown keys are wrong parts; a total may follow through from the student's own counts."""
    if not isinstance(submitted, dict):
        note = f"{_prefix(path, rules)}expected {_describe(expected, rules)} (or a tuple in that order), got " \
               f"{_given(submitted, rules)}"
        return _wrong(expected, rules, path).noted(note if submitted is not None else "")
    outcome = combine([compare(value, submitted.get(key), rules, (*path, key)) for key, value in expected.items()])
    outcome += _extra([((*path, key), item) for key, item in submitted.items() if key not in expected], rules)
    if set(submitted) != set(expected):
        outcome = outcome.noted(f"{_prefix(path, rules)}expected keys {', '.join(map(repr, expected))}, got "
                                f"{', '.join(map(repr, submitted)) or 'none'}")
    return _follow_total(expected, submitted, outcome, rules, path)


def _sums_to(counts: list[Any], total: Any, tolerance: float) -> bool:
    """Whether every count is a number and they add up to the total."""
    numbers = [as_number(c) for c in counts]
    return bool(numbers) and None not in numbers and leaf_matches(float(sum(numbers)), total, tolerance)  # type: ignore


def _rest(table: dict[str, Any]) -> list[Any]:
    """Every leaf but the total: what a table's total adds up by default."""
    return [leaf for key, value in table.items() if key != "total" for _, leaf in leaves(value)]


def _follow_total(expected: dict[str, Any], submitted: dict[str, Any], outcome: Outcome, rules: Rules,
                  path: Path) -> Outcome:
    """A wrong total that is the sum of the student's own counts earns its part, when the key's total is such a sum."""
    counts = rules.counts or _rest
    label = rules.label((*path, "total"))
    if "total" not in expected or (label, 0.0) not in outcome.parts or \
            not _sums_to(counts(expected), expected["total"], 0.0):
        return outcome
    try:
        own = counts(submitted)
    except (KeyError, IndexError, TypeError):
        return outcome
    if not _sums_to(own, submitted.get("total"), rules.tolerance):
        return outcome
    parts = tuple((name, 1.0) if name == label else (name, credit) for name, credit in outcome.parts)
    return Outcome(parts, outcome.notes).noted(f"{label}: follow-through from your own counts")


def _compare_items(expected: list[Any], submitted: list[Any], rules: Rules, path: Path) -> Outcome:
    """Entry by entry (with follow-through where the kind has it), entries beyond the key's wrong, sizes noted."""
    items = []
    for index, value in enumerate(expected):
        got = submitted[index] if index < len(submitted) else None
        item = compare(value, got, rules, (*path, index))
        alternative = rules.follow(path, index, submitted) if rules.follow and not item.full else None
        if alternative is not None:
            item = better(item, compare(alternative[0], got, rules, (*path, index)).noted(alternative[1]))
        items.append(item)
    outcome = combine(items) + _extra([((*path, i), v) for i, v in enumerate(submitted) if i >= len(expected)], rules)
    note = _size_note(expected, submitted, rules, path)
    if note and _dims(expected) is not None:
        return Outcome(outcome.parts, (note,))  # one line about a matrix's size rather than one per row
    return outcome.noted(note)


def _other_order(expected: list[Any], submitted: Any, rules: Rules, path: Path) -> tuple[list[Any], str] | None:
    """The submission in the other axis order (C×H×W for H×W×C, a transposed matrix), and the note saying so."""
    if rules.axes in OTHER_ORDER and _is_sizes(expected) and len(expected) == len(rules.axes) and \
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


def compare(expected: Any, submitted: Any, rules: Rules, path: Path = ()) -> Outcome:
    """Compare a submission (already read into the key's structure) with the key, part by part."""
    if isinstance(expected, dict):
        return _compare_dict(expected, submitted, rules, path)
    if not isinstance(expected, list):
        return _compare_leaf(expected, submitted, rules, path)
    if not isinstance(submitted, list):
        note = f"{_prefix(path, rules)}expected {_describe(expected, rules)}, got {_given(submitted, rules)}"
        return _wrong(expected, rules, path).noted(note if submitted is not None else "")
    outcome = _compare_items(expected, submitted, rules, path)
    other = None if outcome.full else _other_order(expected, submitted, rules, path)
    if other is None:
        return outcome
    alternative = _compare_items(expected, other[0], rules, path)
    halved = alternative.halved(other[1])
    if halved.earned > outcome.earned or (alternative.full and halved.earned == outcome.earned):
        return halved
    return outcome.noted(other[1]) if alternative.full else outcome  # say so even when it earns less than half


# --- scoring ------------------------------------------------------------------------------------------------------

def no_answer(variant: Variant, rules: Rules) -> Score:
    """An untouched stub (or nothing): 0 points, every part listed."""
    blank = shared_parts(variant, [(rules.label(p), 0.0) for p, _ in leaves(variant.answer)])
    return Score(variant.qid, 0.0, variant.points, "no answer", blank)


def score(variant: Variant, outcome: Outcome) -> Score:
    """Points in proportion to the parts' credit; the feedback names the notes and the parts missed, on one line."""
    if len(outcome.parts) > TOO_LONG * len(leaves(variant.answer)):  # no part-by-part record of a flood of entries
        outcome = Outcome(tuple((label, 0.0) for label, _ in outcome.parts[:len(leaves(variant.answer))]),
                          (*outcome.notes[:1], f"more than {TOO_LONG} times the expected number of entries"))
    share = variant.points / max(1, len(outcome.parts))
    parts = tuple(Part(label, round(share * credit, 6), round(share, 6)) for label, credit in outcome.parts)
    if outcome.full:
        return Score(variant.qid, variant.points, variant.points, "correct", parts)
    notes = list(dict.fromkeys(outcome.notes))
    said = notes[:3] + ([f"and {len(notes) - 3} more notes"] if len(notes) > 3 else [])
    wrong = [label for label, credit in outcome.parts if credit == 0.0]
    halves = len(outcome.parts) - len(wrong) - sum(credit == 1.0 for _, credit in outcome.parts)
    if halves:
        said.append(f"{halves} of {len(parts)} parts at half credit")
    if wrong:
        shown = list(dict.fromkeys(wrong))
        said.append(f"{len(wrong)} of {len(parts)} parts wrong: {', '.join(shown[:6])}" +
                    (f" and {len(shown) - 6} more" if len(shown) > 6 else ""))
    return Score(variant.qid, round(share * outcome.earned, 6), variant.points, " ".join("; ".join(said).split()),
                 parts)


def grade_answer(variant: Variant, submitted: Any, rules: Rules) -> Score:
    """The whole rule set: untouched is no answer; read alternative formats; compare; score."""
    try:
        plain = to_plain(submitted)
        if is_blank(plain):
            return no_answer(variant, rules)
        return score(variant, compare(variant.answer, read(variant.answer, plain, rules), rules))
    except RecursionError:  # lists nested thousands deep: never raise on a submission
        return Score(variant.qid, 0.0, variant.points, "the answer is nested too deeply to read",
                     no_answer(variant, rules).parts)


def grade_leaves(variant: Variant, submitted: Any) -> Score:
    """grade_answer with the rules the variant's answer format implies."""
    return grade_answer(variant, submitted, rules_for(variant))
