"""A dict answer with one entry that is an output volume (H×W×C) beside named counts: its stub, its boxes, its
grading, shared by the kinds that ask for both (conv_layer's homework, global pooling, residual blocks)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from generator.fields import Group, derive, shape_row
from generator.grading.read import SHAPE_ORDER, Path, axes_hint, axis_label, path_label, rules_for
from generator.grading.score import grade_answer
from generator.model import Score, Variant

SHAPE_KEY = "output"  # the entry that holds the output volume, in H×W×C order


def answer_stub(variant: Variant) -> str:
    """Every count as None, and the output's sizes with the order they are asked in."""
    lines = [f"    {key!r}: (None, None, None),  # {axes_hint(SHAPE_ORDER)}" if key == SHAPE_KEY else
             f"    {key!r}: None," for key in variant.answer]
    return f"{variant.variable} = {{\n" + "\n".join(lines) + "\n}"


def part_label(path: Path) -> str:
    """('output', 0) -> 'output height'; the counts by name."""
    if len(path) == 2 and path[0] == SHAPE_KEY:
        return f"{SHAPE_KEY} {axis_label(SHAPE_ORDER, path[1:])}"
    return path_label(path)


def grade(variant: Variant, submitted: Any, counts: Callable[[dict[str, Any]], list[Any]] | None = None) -> Score:
    """The answer rules: the output in H×W×C order (C×H×W earns half); `counts`: what a "total" entry adds up."""
    return grade_answer(variant, submitted, rules_for(variant, axes=SHAPE_ORDER, label=part_label, counts=counts))


def fields(variant: Variant) -> Group:
    """The counts' boxes, and the output volume as H, W and C."""
    group = derive(variant)
    items = tuple(shape_row(variant, SHAPE_KEY) if isinstance(item, Group) and item.label == SHAPE_KEY else item
                  for item in group.items)
    return Group(group.label, group.layout, items)
