"""Recognising a kind's typical mistakes in a wrong answer, with the student's own numbers (docs/GRADING.md).

Each misconception (generator/model.py) gives the answer its mistake produces for this variant. It is read with
the same rules as the key; one that gives the right answer here is dropped. It matches when the student's whole
answer equals its value, or, in a multi-part answer, on each part where its value differs from the key and the
student's part equals its part while being wrong against the key. Tolerances are the question's own.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from generator.grading.compare import compare, leaf_matches
from generator.grading.read import Path, Rules, leaves, read, to_plain
from generator.model import Misconception, Variant

MISSING = object()  # no value at a path (the structure differs there)


@dataclass(frozen=True)
class Match:
    """One misconception the answer shows, and the parts it explains (labelled as the comparison labels them)."""

    misconception: Misconception
    labels: tuple[str, ...]


def value_at(value: Any, path: Path) -> Any:
    """The value at a path inside nested lists and dicts, or MISSING where the structure has no such entry."""
    for step in path:
        if isinstance(step, int) and isinstance(value, list) and 0 <= step < len(value):
            value = value[step]
        elif isinstance(step, str) and isinstance(value, dict) and step in value:
            value = value[step]
        else:
            return MISSING
    return value


def declared(variant: Variant) -> tuple[tuple[Misconception, Any], ...]:
    """The kind's misconceptions with their answers for this variant; none for a kind outside the registry."""
    from generator.kinds import KINDS, misconceptions  # the registry imports every kind, and they import grading

    return misconceptions(variant) if variant.kind in KINDS else ()


def strict(rules: Rules) -> Rules:
    """The rules without follow-through: a mistake's value is matched as it stands, never recomputed from rows."""
    return replace(rules, follow=None)


def gives_the_key(variant: Variant, mistaken: Any, rules: Rules) -> bool:
    """Whether a misconception's answer (already read) is the right answer for this variant, within tolerance."""
    return compare(variant.answer, mistaken, strict(rules)).full


def recognise(variant: Variant, given: Any, rules: Rules) -> tuple[Match, ...]:
    """The misconceptions a submission (already read into the key's structure) shows, in the kind's order.

    Mistakes whose answer is the whole submission come first and explain their parts; the part-by-part rule then
    applies to the other parts only, and only to mistakes whose answer has the key's shape (where a mistake changes
    the output's size, its entries do not line up with the key's, and equal numbers there are coincidences).
    """
    read_mistakes = []
    for misconception, value in declared(variant):
        mistaken = read(variant.answer, to_plain(value), rules)
        if not any(leaf is None for _, leaf in leaves(mistaken)) and not gives_the_key(variant, mistaken, rules):
            read_mistakes.append((misconception, mistaken))
    whole = {misconception.name: _changed(variant, mistaken, rules) for misconception, mistaken in read_mistakes
             if compare(mistaken, given, strict(rules)).full}
    explained = {label for labels in whole.values() for label in labels}
    shape = [path for path, _ in leaves(variant.answer)]
    found = []
    for misconception, mistaken in read_mistakes:
        labels = whole.get(misconception.name)
        if labels is None and len(shape) > 1 and [path for path, _ in leaves(mistaken)] == shape:
            labels = tuple(label for path, expected in leaves(variant.answer) if (label := rules.label(path))
                           not in explained and _shows(expected, value_at(mistaken, path), value_at(given, path),
                                                       rules.tolerance))
        if labels:
            found.append(Match(misconception, tuple(dict.fromkeys(labels))))
    return tuple(found)


def _changed(variant: Variant, mistaken: Any, rules: Rules) -> tuple[str, ...]:
    """The parts a mistake changes: those of the key it gives otherwise (a total that merely adds up the mistaken
    counts included), and any entries it adds."""
    differ = {rules.label(path) for path, expected in leaves(variant.answer)
              if not _same(expected, value_at(mistaken, path), rules.tolerance)}
    return tuple(label for label, credit in compare(variant.answer, mistaken, strict(rules)).parts
                 if credit < 1.0 or label in differ)


def _same(expected: Any, value: Any, tolerance: float) -> bool:
    """One part of an answer equal to the key's, within tolerance (a missing part or a container never is)."""
    return value is not MISSING and value is not None and not isinstance(value, (list, dict)) and \
        leaf_matches(expected, value, tolerance)


def _shows(expected: Any, mistaken: Any, got: Any, tolerance: float) -> bool:
    """One part shows the mistake: the mistake changes it, and the student's part is the mistake's, not the key's."""
    if mistaken is MISSING or mistaken is None or isinstance(mistaken, (list, dict)) or got is MISSING:
        return False
    return not leaf_matches(expected, mistaken, tolerance) and leaf_matches(mistaken, got, tolerance) and \
        not _same(expected, got, tolerance)
