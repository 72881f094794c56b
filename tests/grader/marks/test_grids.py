"""Grading the boxes of a grid sized for the template's largest answer: empty boxes beyond the answer are no entry,
filled ones are entries beyond the key's, wrong parts as the answer rules count them (and mistakes recognised)."""

from __future__ import annotations

from collections.abc import Mapping

from generator import kinds
from generator.fields import boxes, fill, shown
from generator.model import Context, Returned, Score, Variant
from generator.paper.grids import gridded, template_grid
from tests.generator.conftest import bundled


def paper(template_id: str, seed: int) -> Variant:
    """A variant as an exam prints it: with its template's grid."""
    template = bundled(template_id)
    return gridded(kinds.KINDS[template.kind].generate(template, seed), {template.id: template_grid(template)})


def score(variant: Variant, typed: Mapping[str, str]) -> Score:
    """The typed boxes (by Box.column) filled in and scored by the kind, as the marks sheet's grading does."""
    value, problems = fill(variant, kinds.answer_fields(variant), typed)
    assert problems == {}
    return kinds.score(variant, Returned({variant.variable: value}, {}), Context())


def right(variant: Variant) -> dict[str, str]:
    """The key's values in the answer's own boxes; every spare box empty."""
    return {b.column: shown(b.expected) for b in boxes(kinds.answer_fields(variant))}


def test_a_1d_output_in_a_longer_row() -> None:
    """4 values in a row of 10: right with the spares empty; a 5th value is one wrong part; the stride-1 output
    written across the spares is recognised as 'stride ignored'; a shorter answer misses its last part."""
    variant = paper("conv1d", 0)  # stride 2, output [1, 1, 12, 16]
    assert len(variant.answer) == 4 and len(list(boxes(kinds.answer_fields(variant)))) == 10
    full = score(variant, right(variant))
    assert full.points == full.max_points and full.feedback == "correct"
    extra = score(variant, {**right(variant), "conv1d.5": "3"})
    assert extra.points == full.max_points * 4 / 5 and "expected 4 values, got 5" in extra.feedback
    apart = score(variant, {**right(variant), "conv1d.9": "3"})  # an empty box between is no entry
    assert apart.points == extra.points
    stride_one = kinds.KINDS["conv1d_by_hand"].MISCONCEPTIONS[2].answer(variant)
    ignored = score(variant, {f"conv1d.{i + 1}": shown(v) for i, v in enumerate(stride_one)})
    assert ignored.points < full.max_points and "stride ignored" in ignored.misconceptions
    short = score(variant, {**right(variant), "conv1d.4": ""})
    assert short.points == full.max_points * 3 / 4 and "expected 4 values, got 3" in short.feedback
    assert score(variant, {}).feedback == "no answer"


def test_a_2d_output_in_a_larger_grid() -> None:
    """A 3×3 pooling output in a 5×5 grid: right with the rest empty; a stray value is exactly one wrong part; a
    whole 4×4 written is read as the 4×4 it is."""
    variant = paper("pooling", 6)
    assert len(variant.answer) == 3 and len(list(boxes(kinds.answer_fields(variant)))) == 25
    full = score(variant, right(variant))
    assert full.points == full.max_points
    stray = score(variant, {**right(variant), "pooling.r5c2": "1"})
    assert stray.points == full.max_points * 9 / 10
    bigger = {**right(variant), **{f"pooling.r{i}c{j}": "1" for i in range(1, 5) for j in range(1, 5)
                                   if i == 4 or j == 4}}
    four = score(variant, bigger)
    assert four.points == full.max_points * 9 / 16 and "expected a 3×3 matrix, got 4×4" in four.feedback
