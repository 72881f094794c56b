"""Answer grids on paper: where the shape of the answer is asked, every variant of a template gets the same boxes
(sized for the template's largest answer), those beyond the variant's answer spare; other answers keep their own."""

from __future__ import annotations

from dataclasses import replace

import pytest

from generator.fields import boxes, has_spares
from generator.kinds import KINDS, answer_fields
from generator.model import Variant
from generator.paper.grids import exam_grids, gridded, template_grid
from tests.generator.conftest import bundled

SEEDS = range(40)


def layout(variant: Variant) -> list[tuple[tuple[str | int, ...], str, str]]:
    """The boxes as paper draws them: where each sits, its label and its column (never its value)."""
    return [(box.path, box.label, box.column) for box in boxes(answer_fields(variant))]


@pytest.mark.parametrize(("template_id", "grid"), [
    ("conv1d", {"": [10]}), ("conv2d-binary", {"": [5, 5]}), ("pooling", {"": [5, 5]}),
    ("filter-compute", {"": [3, 3]}),  # always 2×2: one spare row and column, so the grid never tells
    ("translation", {"output": [8]}), ("stochastic-pooling", {"probabilities": [3, 3], "pooled": [3, 3]}),
])
def test_grid_is_the_same_whatever_the_variants_answer_shape(template_id: str, grid: dict[str, list[int]]) -> None:
    """Variants with answers of different shapes draw identical boxes; the ones beyond each answer are spare."""
    template = bundled(template_id)
    assert template_grid(template) == grid
    variants = [KINDS[template.kind].generate(template, seed) for seed in SEEDS]
    key = next(iter(grid))
    shapes = {str(_shape(v.answer[key] if key else v.answer)) for v in variants}
    assert len(shapes) > 1 or template_id == "filter-compute"  # the shapes do differ between variants
    drawn = [gridded(v, {template.id: grid}) for v in variants]
    assert all(layout(v) == layout(drawn[0]) for v in drawn)
    for variant, paper in zip(variants, drawn):
        own = {b.path: b.expected for b in boxes(answer_fields(variant))}
        on_paper = list(boxes(answer_fields(paper)))
        assert {b.path: b.expected for b in on_paper if not b.spare} == own  # the answer's boxes keep their values
        assert all(b.expected is None for b in on_paper if b.spare)
        assert has_spares(answer_fields(paper)) == (len(own) < len(on_paper))


def _shape(value: list) -> tuple[int, ...]:
    """(n,) or (rows, columns)."""
    return (len(value), len(value[0])) if isinstance(value[0], list) else (len(value),)


@pytest.mark.parametrize("template_id", ["output-size", "conv-params", "receptive-field", "lenet-table",
                                         "concept-locality", "same-padding", "code-conv2d"])
def test_answers_whose_shape_is_not_asked_keep_their_own_boxes(template_id: str) -> None:
    """Numbers, letters, H×W×C shapes, a fixed pair, the layer table and code: no grid, no spare box."""
    assert template_grid(bundled(template_id)) == {}


def test_the_exams_own_variants_always_fit_and_the_key_carries_the_grid() -> None:
    """A drawn answer larger than every sampled one widens the grid for all; the key round-trips it; without a grid
    (notebooks, LMS) the key is as before."""
    template = bundled("conv1d")
    variant = KINDS["conv1d_by_hand"].generate(template, 3)
    huge = replace(variant, answer=list(range(14)))
    grids = exam_grids({"conv1d": template}, [variant, huge])
    assert grids == {"conv1d": {"": [14]}}
    paper = gridded(variant, grids)
    assert len(list(boxes(answer_fields(paper)))) == 14 and paper.to_key()["answer_grid"] == {"": [14]}
    assert Variant.from_key(paper.to_key()) == replace(paper, prompt="")  # the key holds all but the prompt
    assert "answer_grid" not in variant.to_key() and not has_spares(answer_fields(variant))
