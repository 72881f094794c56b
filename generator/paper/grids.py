"""Answer grids that give no shape away: where a question asks for a convolution's or pooling's output, its boxes
on paper are as many as the template's largest answer needs, the same for every variant.

A grid is a property of the boxes (generator/fields.py draws it from `Variant.answer_grid`), so the exam, the key,
the marks sheet and the grader (the key carries the grid) all see the same boxes. Whose shape is asked: a whole
answer that is a list or a matrix (a 1D or 2D output), and a list part of a multi-part answer whose size differs
between the template's variants. Each axis is the largest over GRID_SAMPLES variants of the template and the exam's
own; an axis that never varies gets one more box, so that an answer never fills the grid by design.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from typing import Any

from generator.kinds import CODE_KINDS, KINDS
from generator.limits import GRID_SAMPLES
from generator.model import Template, Variant

Dims = tuple[int, ...]  # (length,) of a list, (rows, columns) of a matrix


def _dims(value: Any) -> Dims | None:
    """A flat list of values is (length,); a rectangular list of such lists (rows, columns); anything else None."""
    if not isinstance(value, list) or not value:
        return None
    if all(not isinstance(item, (list, dict)) for item in value):
        return (len(value),)
    if all(isinstance(row, list) and row and all(not isinstance(x, (list, dict)) for x in row) for row in value):
        widths = {len(row) for row in value}
        return (len(value), widths.pop()) if len(widths) == 1 else None
    return None


def _list_parts(answer: Any) -> dict[str, Dims]:
    """The answer's lists and matrices: '' for a whole answer, else each dict key that holds one."""
    if isinstance(answer, dict):
        return {key: dims for key, value in answer.items() if (dims := _dims(value)) is not None}
    dims = _dims(answer)
    return {"": dims} if dims is not None else {}


def samples(template: Template) -> list[Variant]:
    """GRID_SAMPLES variants of a template (seeds 0, 1, ...): what sizes its boxes on paper, the same every run."""
    kind = KINDS[template.kind]
    return [kind.generate(template, seed) for seed in range(GRID_SAMPLES)]


def template_grid(template: Template, drawn: Iterable[Variant] = ()) -> dict[str, list[int]]:
    """The grid of each part of the template's answer whose shape is asked ({} when none is: numbers, letters,
    shapes given as H, W, C, tables a kind lays out itself, code)."""
    kind, drawn = KINDS[template.kind], tuple(drawn)
    if getattr(kind, "fields", None) is not None or template.answer_format == "shape" or \
            template.kind in CODE_KINDS or (drawn and not any(_list_parts(v.answer) for v in drawn)):
        return {}  # (the exam's own answers have no list: nothing to sample)
    seen: dict[str, set[Dims]] = {}
    for variant in (*samples(template), *drawn):
        if variant.entry_point is not None:
            return {}
        for key, dims in _list_parts(variant.answer).items():
            seen.setdefault(key, set()).add(dims)
    grid = {}
    for key, shapes in seen.items():
        if len({len(dims) for dims in shapes}) != 1 or (key and len(shapes) == 1):
            continue  # a list of one fixed size inside a multi-part answer (a pair, a layer's sizes): not asked
        axes = len(next(iter(shapes)))
        grid[key] = [max(dims[axis] for dims in shapes) + int(len({dims[axis] for dims in shapes}) == 1)
                     for axis in range(axes)]
    return grid


def exam_grids(templates: Mapping[str, Template], variants: Sequence[Variant]) -> dict[str, dict[str, list[int]]]:
    """Each question id's grid over its template and every variant the exam prints of it (none: left out)."""
    grids = {qid: template_grid(templates[qid], drawn) for qid, drawn in by_question(variants).items()
             if qid in templates}
    return {qid: grid for qid, grid in grids.items() if grid}


def by_question(variants: Iterable[Variant]) -> dict[str, list[Variant]]:
    """The variants of each question id, in the order given."""
    found: dict[str, list[Variant]] = {}
    for variant in variants:
        found.setdefault(variant.qid, []).append(variant)
    return found


def gridded(variant: Variant, grids: Mapping[str, dict[str, list[int]]]) -> Variant:
    """The variant as paper asks it: with its template's grid, where its shape is asked."""
    grid = grids.get(variant.qid)
    return replace(variant, answer_grid={key: list(dims) for key, dims in grid.items()}) if grid else variant
