"""What each of a kind's misconceptions writes in an answer's boxes, for the LMS feedback and the paper keys.

`generator.kinds.misconceptions(variant)` gives each typical mistake's whole answer for the variant. It is read as
the grader reads it (generator/grading/misconceptions.py): one that gives the key's answer within the question's
tolerance is dropped. The rest are read box by box (generator/fields.py), keeping the boxes where the mistake's
value differs from the key's by more than the tolerance, and only values a person could enter in that box: a
finite number, or one of its option letters. Parts are named as the student's feedback names them (part_names).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from generator.fields import LETTERS, Box, Group, boxes, part_names, shown
from generator.grading.compare import leaf_matches
from generator.grading.misconceptions import declared, gives_the_key, value_at
from generator.grading.read import read, rules_for, to_plain
from generator.kinds import answer_fields
from generator.model import Misconception, Variant
from generator.rounding import asked_places, rounded_text

MAX_PARTS_SHOWN = 8  # parts of one mistake listed on a key or in a comment; the rest are counted

@dataclass(frozen=True)
class WrongAnswer:
    """One misconception as it shows in the boxes: the boxes it fills differently from the key, with its values."""

    misconception: Misconception
    parts: tuple[tuple[Box, Any], ...]
    names: tuple[str, ...]  # each changed box's name as feedback names it ('weights', 'output H'); '' for one box
    places: int | None = None  # the decimals the question asks for: its values are shown so, as the key's are


@dataclass(frozen=True)
class WrongValue:
    """One wrong value a box may receive, and every misconception that gives it (so the feedback names them all)."""

    value: Any
    misconceptions: tuple[Misconception, ...]


def wrong_answers(variant: Variant, group: Group | None = None) -> tuple[WrongAnswer, ...]:
    """The variant's misconceptions that give a wrong answer here, each with the boxes it changes, in kind order."""
    group = group if group is not None else answer_fields(variant)
    found, names, rules = tuple(boxes(group)), part_names(group), rules_for(variant)
    wrong = []
    for misconception, value in declared(variant):
        mistaken = read(variant.answer, to_plain(value), rules)
        if gives_the_key(variant, mistaken, rules):
            continue
        parts = tuple((box, entry) for box in found for entry in (value_at(mistaken, box.path),)
                      if _enterable(box, entry) and (box.spare or not leaf_matches(box.expected, entry,
                                                                                   variant.tolerance)))
        if parts:
            shown_names = tuple("" if len(found) == 1 else names.get(box.path, box.label) for box, _ in parts)
            wrong.append(WrongAnswer(misconception, parts, shown_names, asked_places(variant)))
    return tuple(wrong)


def wrong_values(wrong: Sequence[WrongAnswer], box: Box) -> tuple[WrongValue, ...]:
    """The distinct wrong values the misconceptions put in one box, in order, with the misconceptions giving each."""
    values: dict[str, WrongValue] = {}
    for answer in wrong:
        for part, value in answer.parts:
            if part.column == box.column:
                known = values.get(shown(value))
                names = (known.misconceptions if known else ()) + (answer.misconception,)
                values[shown(value)] = WrongValue(value, names)
    return tuple(values.values())


def feedback_markdown(value: WrongValue) -> str:
    """What a student who entered this wrong value reads: each mistake that gives it, named and explained."""
    return "\n\n".join(f"**Common mistake: {m.name}.** {m.explanation}" for m in value.misconceptions)


def summary(answer: WrongAnswer) -> str:
    """One mistake as a marker reads it on the key: '12 (bias forgotten)', 'output H = 30; output W = 30 (...)'."""
    return f"{values_text(answer)} ({answer.misconception.name})"


def listing_markdown(wrong: Sequence[WrongAnswer]) -> str:
    """Every mistake with the values it gives and why it is wrong, for feedback shown on any wrong answer."""
    return "\n\n".join(f"**Common mistake: {w.misconception.name}** (it gives {values_text(w)}). "
                        f"{w.misconception.explanation}" for w in wrong)


def values_text(answer: WrongAnswer) -> str:
    """The values a mistake puts in the boxes it changes: '12', or 'output H = 30; output W = 30' (the first
    MAX_PARTS_SHOWN parts, then how many more: enough to recognise a mistaken matrix)."""
    texts = [rounded_text(value, answer.places) if isinstance(value, float) else shown(value)
             for _, value in answer.parts]
    named = [f"{name} = {text}" if name else text for name, text in zip(answer.names, texts)]
    more = len(named) - MAX_PARTS_SHOWN
    return "; ".join(named[:MAX_PARTS_SHOWN]) + (f"; and {more} more part{'s' * (more > 1)}" if more > 0 else "")


def _enterable(box: Box, value: Any) -> bool:
    """Whether a person could enter the value in the box: one of its letters, or a finite number."""
    if box.options:
        return isinstance(value, str) and value in LETTERS[:len(box.options)]
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
