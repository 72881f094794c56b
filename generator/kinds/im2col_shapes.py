"""im2col's matrices for a conv layer: the patch matrix (C·K·K) × (H_out·W_out), one column per output position as
torch.nn.functional.unfold lays it out; the weight matrix F × (C·K·K), one row per filter; their product
F × (H_out·W_out), the output feature map before it is reshaped."""

from __future__ import annotations

from typing import Any

import numpy as np

from generator.fields import Group, named_row
from generator.kinds._common import (answer_stub, explain_answer, grade, image_shape, model_submission, near_miss,
                                     padding_stated as check_template, sample_variant, solution_source)
from generator.kinds._mistakes import mistake
from generator.kinds._size_text import floor_rule
from generator.kinds.output_size import FLOOR_RULE, PAPER_NOTE, render, render_for  # its floor rule, as it states it
from generator.model import Template, Variant
from solutions.numpy_ref.im2col import Im2colShapes, im2col_shapes
from solutions.shapes import conv_output_size

FORMATS = ("numbers",)
REQUIRED = ("C", "H", "F", "K", "S", "P")
OPTIONAL_PARAMS = ("W",)  # read when the template has it; W = H otherwise
EXTRA_KEYS: dict[str, bool] = {}
HINT = FLOOR_RULE  # on paper only when the spec asks for hints (generator/media.py): the output size is a step
ASKS = ("output size", "im2col shapes")  # generator/media.py: code on the same paper omits these formulas
__all__ = ["PAPER_NOTE", "answer_stub", "check_template", "grade", "model_submission", "near_miss", "render",
           "render_for", "solution_source"]


def _shapes(params: dict[str, Any]) -> Im2colShapes:
    """solutions.numpy_ref.im2col.im2col_shapes for the variant's layer and input."""
    height, width = image_shape(params)
    return im2col_shapes((params["C"], height, width), params["F"], params["K"], params["S"], params["P"])


def _answer(patches: tuple[int, int], weights: tuple[int, int], product: tuple[int, int]) -> dict[str, list[int]]:
    """The three shapes as (rows, columns) lists, named as the prompt names them."""
    return {"patches": list(patches), "weights": list(weights), "product": list(product)}


def _compute(template: Template, params: dict[str, Any], rng: np.random.Generator) -> tuple[dict[str, Any], Any]:
    """The shapes from solutions/, and the output's height and width for the prompt and the worked solution."""
    shapes = _shapes(params)
    height, width = image_shape(params)
    out_h, out_w = conv_output_size((height, width), params["K"], params["S"], params["P"])
    return {**params, "W": width, "out_h": out_h, "out_w": out_w}, _answer(shapes.patches, shapes.weights,
                                                                           shapes.product)


def generate(template: Template, seed: int) -> Variant:
    """A conv layer and its input, of sampled sizes."""
    return sample_variant(template, seed, _compute)


def fields(variant: Variant) -> Group:
    """Each matrix's two boxes, named rows and columns as the prompt asks for them."""
    return Group("", "list", tuple(named_row(variant, key, ("rows", "columns")) for key in variant.answer))


def explain(variant: Variant) -> str:
    """A window's size, the output positions, then the three shapes, with the variant's numbers."""
    p = variant.params
    rows, columns = variant.answer["patches"]
    return (f"One window under a filter holds $C \\cdot K \\cdot K = {p['C']} \\cdot {p['K']} \\cdot {p['K']} = "
            f"{rows}$ values (every input channel), so the patch matrix has {rows} rows.\n\n"
            f"The filter stops at $H_{{out}} \\cdot W_{{out}}$ positions: "
            f"$H_{{out}} = {floor_rule(p['H'], p['K'], p['S'], p['P'])} = {p['out_h']}$, "
            f"$W_{{out}} = {floor_rule(p['W'], p['K'], p['S'], p['P'])} = {p['out_w']}$, so the patch matrix has "
            f"${p['out_h']} \\cdot {p['out_w']} = {columns}$ columns, one per output position.\n\n"
            f"- patch matrix: ${rows} \\times {columns}$\n"
            f"- weight matrix: each of the $F = {p['F']}$ filters flattened in the same order, one per row: "
            f"${p['F']} \\times {rows}$\n"
            f"- product: $({p['F']} \\times {rows}) \\cdot ({rows} \\times {columns}) = {p['F']} \\times {columns}$, "
            f"one row per filter; reshaped, it is the ${p['F']} \\times {p['out_h']} \\times {p['out_w']}$ output.\n\n"
            + explain_answer(variant))


def _with(variant: Variant, **parts: list[int]) -> dict[str, list[int]]:
    """The key's shapes with some replaced by a mistake's."""
    return {**variant.answer, **parts}


def _transposed(variant: Variant) -> dict[str, list[int]]:
    """Rows and columns of the patch matrix swapped: one row per output position."""
    rows, columns = variant.answer["patches"]
    return _with(variant, patches=[columns, rows])


def _channels_forgotten(variant: Variant) -> dict[str, list[int]]:
    """K·K values per window, as if the input had one channel (the patch rows and the weight columns)."""
    p = variant.params
    window = p["K"] * p["K"]
    return _with(variant, patches=[window, variant.answer["patches"][1]], weights=[p["F"], window])


def _input_positions(variant: Variant) -> dict[str, list[int]]:
    """H·W columns: one per input pixel instead of one per output position."""
    p = variant.params
    pixels = p["H"] * p["W"]
    return _with(variant, patches=[variant.answer["patches"][0], pixels], product=[p["F"], pixels])


def _weights_transposed(variant: Variant) -> dict[str, list[int]]:
    """(C·K·K) × F: each filter as a column, which cannot multiply the patch matrix from the left."""
    filters, window = variant.answer["weights"]
    return _with(variant, weights=[window, filters])


MISCONCEPTIONS = (
    mistake("patch matrix transposed (rows and columns swapped)", "In F.unfold's layout each output position is a "
            "column: the patch matrix is (C·K·K) × (H_out·W_out), so that weights (F × C·K·K) times patches gives "
            "F × (H_out·W_out).", _transposed),
    mistake("C forgotten in C·K·K", "A filter spans every input channel, so one window holds C·K·K values (the "
            "lecture's 5×5×3 filter on an RGB image: 75), not K·K; the patch rows and the weight columns are "
            "C·K·K.", _channels_forgotten),
    mistake("input size instead of output size for the columns", "The patch matrix has one column per position "
            "the filter stops at, H_out·W_out with ⌊(W − K + 2P) / S⌋ + 1 per axis, not one per input pixel "
            "(H·W).", _input_positions),
    mistake("weight matrix transposed", "Each filter, flattened, is one row of the weight matrix, F × (C·K·K), so "
            "that it multiplies the patch matrix from the left; (C·K·K) × F does not fit the product.",
            _weights_transposed),
)
