"""What a wrong answer is told, one line per wrong part (docs/GRADING.md, "Misconceptions").

Each line names the part as the student sees it (generator/fields.py's names: 'weights', 'output H', 'row 2,
column 3'), says what the student gave, the misconception it matches (name and explanation) where one does, the
expected value unless the key hides answers, and last the template's own explanation where it has one. Numbers are
shown with the question's rounding.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from generator.fields import derive, part_names
from generator.grading.compare import Comparison
from generator.grading.misconceptions import MISSING, Match, value_at
from generator.grading.read import Path, Rules, leaves
from generator.model import Variant

MAX_LINES = 10  # wrong parts itemised; the rest are counted on one more line
DEFAULT_DECIMALS = 4  # for a question whose key and tolerance are whole numbers: 12.5 must not show as 12


@dataclass(frozen=True)
class Marking:
    """What the feedback needs beyond the comparison: the rules, the submission as read, the mistakes recognised."""

    rules: Rules
    given: Any
    matches: tuple[Match, ...] = ()


@dataclass(frozen=True)
class Named:
    """A compared part: the student's name for it, and where it sits (None: a part the feedback cannot place)."""

    name: str
    path: Path | None
    extra: bool = False


def student_names(variant: Variant) -> dict[Path, str]:
    """Every part of the key by the name the student sees (the kind's answer boxes, as on paper and in an LMS)."""
    from generator.kinds import KINDS, answer_fields  # the registry imports every kind, and they import grading

    return part_names(answer_fields(variant) if variant.kind in KINDS else derive(variant))


def generic_name(path: Path) -> str:
    """A part outside the key's boxes (an extra entry): ('rows', 7) -> 'rows entry 8', (2, 3) -> 'row 3, column 4'."""
    words, index = [], 0
    while index < len(path):
        step = path[index]
        if isinstance(step, str):
            words.append(step.replace("_", " "))
        elif index + 1 < len(path) and isinstance(path[index + 1], int):
            words.append(f"row {step + 1}, column {path[index + 1] + 1}")
            index += 1
        else:
            words.append(f"entry {step + 1}")
        index += 1
    return " ".join(words) or "answer"


def extra_paths(expected: Any, given: Any, path: Path = ()) -> list[Path]:
    """The entries of a submission beyond the key's (unknown keys, items past the end), as compare counts them."""
    if isinstance(expected, dict) and isinstance(given, dict):
        return [found for key, item in given.items()
                for found in (extra_paths(expected[key], item, (*path, key)) if key in expected else [(*path, key)])]
    if isinstance(expected, list) and isinstance(given, list):
        return [found for index, item in enumerate(given) for found in
                (extra_paths(expected[index], item, (*path, index)) if index < len(expected) else [(*path, index)])]
    return []


def naming(variant: Variant, marking: Marking) -> dict[str, Named]:
    """Every label the comparison may use, with the student's name for that part and its path."""
    names = student_names(variant)
    found = {marking.rules.label(path): Named(names.get(path, generic_name(path)), path)
             for path, _ in leaves(variant.answer)}
    for path in extra_paths(variant.answer, marking.given):
        found[f"{marking.rules.label(path)} (extra)"] = Named(f"{generic_name(path)} (extra)", path, extra=True)
    return found


def decimals(variant: Variant) -> int:
    """The question's rounding: the key's decimals or the tolerance's, whichever is finer (at most 6)."""
    places = [len(f"{value:.6f}".rstrip("0").split(".")[1]) for _, value in leaves(variant.answer)
              if isinstance(value, float) and math.isfinite(value)]
    tolerance = variant.tolerance
    places.append(math.ceil(-math.log10(tolerance) - 1e-9) if 0 < tolerance < 1 else 0)
    return min(6, max(places)) or DEFAULT_DECIMALS


def shown_value(value: Any, places: int) -> str:
    """A value as the feedback shows it: numbers rounded to the question's decimals, lists as tuples, short."""
    if value is MISSING or value is None:
        return "nothing"
    if isinstance(value, float) and math.isfinite(value):
        text = f"{round(value, places):.{places}f}".rstrip("0").rstrip(".")
        return "0" if text in ("-0", "") else text
    if isinstance(value, list):
        text = "(" + ", ".join(shown_value(item, places) for item in value) + ")"
    elif isinstance(value, str) and len(value.strip()) == 1:
        text = value.strip()
    else:
        text = " ".join(repr(value).split())
    return text if len(text) <= 60 else text[:57] + "..."


def _sentence(text: str) -> str:
    """One sentence, on one line, ending with a full stop."""
    text = " ".join(text.split())
    return text if text.endswith((".", "!", "?")) else f"{text}."


def _line(part: Named, label: str, variant: Variant, marking: Marking, explained: set[str]) -> str:
    """'- biases: you gave 0. Looks like the mistake "biases forgotten": ... Expected 64.'"""
    places = decimals(variant)
    got = value_at(marking.given, part.path) if part.path is not None else MISSING
    said = [f"{part.name}: you gave {shown_value(got, places)}" if part.path is not None else part.name]
    for match in marking.matches:
        if label in match.labels:
            name = match.misconception.name
            said.append(f'Looks like "{name}" again' if name in explained else
                        f'Looks like the mistake "{name}": {match.misconception.explanation}')
            explained.add(name)
    if part.extra:
        said.append("The answer has no such entry")
    elif variant.show_answers and part.path is not None:
        expected = value_at(variant.answer, part.path)
        wanted = shown_value(expected, places)
        if wanted == shown_value(got, places):  # too close to tell apart at the question's rounding
            said[0] = f"{part.name}: you gave {got!r}"
        said.append(f"Expected {wanted}")
    return "- " + " ".join(_sentence(text) for text in said)


def told(variant: Variant, comparison: Comparison, marking: Marking) -> tuple[list[str], list[str]]:
    """The wrong parts by the student's names (for the summary), and one line per wrong part (at most MAX_LINES,
    then a count), then the template's explanation."""
    names = naming(variant, marking)
    wrong = list(dict.fromkeys(label for label, credit in comparison.parts if credit == 0.0))
    parts = [names.get(label, Named(label, None)) for label in wrong]
    explained: set[str] = set()
    lines = [_line(part, label, variant, marking, explained) for part, label in zip(parts[:MAX_LINES], wrong)]
    if len(wrong) > MAX_LINES:
        lines.append(f"- and {len(wrong) - MAX_LINES} more wrong parts")
    explanation = variant.params.get("explanation") if isinstance(variant.params, dict) else None
    if lines and isinstance(explanation, str) and explanation.strip():
        if len(lines) == 1:
            lines[0] += " " + _sentence(explanation)
        else:
            lines.append(_sentence(explanation))
    return list(dict.fromkeys(part.name for part in parts)), lines
