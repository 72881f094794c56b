"""Both parts of the lecture's homework for one conv layer: a) its parameters, b) the size of its output volume."""

from __future__ import annotations

from typing import Any

import numpy as np

from generator.kinds import _shape_entry as shape_entry
from generator.kinds._common import (explain_answer, model_submission, near_miss,
                                     padding_stated as check_template, sample_variant, solution_source)
from generator.kinds._mistakes import (BIASES_FORGOTTEN, DEPTH_FROM_INPUT, DEPTH_NAME, NOT_SHARED, Geometry,
                                       mistake, size_misconceptions)
from generator.kinds._shape_entry import answer_stub, fields
from generator.kinds._size_text import floor_rule
from generator.kinds.output_size import HINT, PAPER_NOTE, render, render_for
from generator.model import Score, Template, Variant
from generator.render import plural
from solutions.shapes import conv2d_params, conv_output_size, output_size_is_exact

FORMATS = ("numbers",)
REQUIRED = ("H", "W", "C", "F", "K", "S", "P")
OPTIONAL_PARAMS: tuple[str, ...] = ()  # read when the template has them
EXTRA_KEYS: dict[str, bool] = {}
__all__ = ["HINT", "PAPER_NOTE", "answer_stub", "check_template", "fields", "model_submission", "near_miss", "render",
           "render_for", "solution_source"]
ASKS = ("parameter count", "output size")


def _compute(template: Template, params: dict[str, Any], rng: np.random.Generator) -> tuple[dict[str, Any], Any]:
    """Parameters from solutions.shapes.conv2d_params, output height and width from conv_output_size."""
    count = conv2d_params(params["C"], params["F"], params["K"])
    hw, k, s, p = (params["H"], params["W"]), params["K"], params["S"], params["P"]
    h_out, w_out = conv_output_size(hw, k, s, p)
    drawn = {**params, "exact": output_size_is_exact(hw, k, s, p)}
    return drawn, {"weights": count.weights, "biases": count.biases, "total": count.total,
                   "output": [h_out, w_out, params["F"]]}


def generate(template: Template, seed: int) -> Variant:
    """A conv layer of sampled input, filters, kernel, stride and padding."""
    return sample_variant(template, seed, _compute)


def _counts(table: dict[str, Any]) -> list[Any]:
    """What the total adds up: weights and biases (not the output's sizes)."""
    return [table["weights"], table["biases"]]


def grade(variant: Variant, submitted: Any) -> Score:
    """The answer rules: output in H×W×C order (C×H×W earns half); a total right for the student's own counts."""
    return shape_entry.grade(variant, submitted, _counts)


def explain(variant: Variant) -> str:
    """a) F (K²C + 1), whatever the input's size; b) the output-size formula per axis, F channels."""
    p, answer = variant.params, variant.answer
    h_out, w_out, channels = answer["output"]
    lines = [f"a) Each of the $F = {p['F']}$ filters spans ${p['K']} \\times {p['K']} \\times {p['C']}$ "
             f"({'all ' if p['C'] > 1 else ''}{plural(p['C'], 'input channel')}) and has one bias; the weights are "
             f"shared over every position, so the input's height and width do not appear:", "",
             f"- weights: ${p['F']} \\cdot {p['K']}^2 \\cdot {p['C']} = {answer['weights']}$",
             f"- biases: ${answer['biases']}$",
             f"- total: ${p['F']} \\cdot ({p['K'] ** 2 * p['C']} + 1) = {answer['total']}$", "",
             "b) $W_{out} = \\lfloor (W - K + 2P) / S \\rfloor + 1$ on each axis, one channel per filter:", ""]
    for axis, size, out in (("H", p["H"], h_out), ("W", p["W"], w_out)):
        lines.append(f"- {axis}: ${floor_rule(size, p['K'], p['S'], p['P'])} = {out}$")
    lines += [f"- channels: $F = {channels}$", "", explain_answer(variant)]
    return "\n".join(lines)


def _geometry(variant: Variant) -> Geometry:
    """Input height and width, kernel, stride and padding."""
    p = variant.params
    return (p["H"], p["W"]), p["K"], p["S"], p["P"]


def _with_output(variant: Variant, sizes: list[int]) -> dict[str, Any]:
    """The right counts with a mistaken output height and width."""
    return {**variant.answer, "output": [*sizes, variant.answer["output"][2]]}


def _depth_from_input(variant: Variant) -> dict[str, Any]:
    """The output given the input's C channels instead of one per filter."""
    h_out, w_out, _ = variant.answer["output"]
    return {**variant.answer, "output": [h_out, w_out, variant.params["C"]]}


def _biases_forgotten(variant: Variant) -> dict[str, Any]:
    """The weights alone counted as the total."""
    return {**variant.answer, "biases": 0, "total": variant.answer["weights"]}


def _filter_depth_forgotten(variant: Variant) -> dict[str, Any]:
    """Filters of K x K weights, as if the input had one channel."""
    p = variant.params
    weights = p["F"] * p["K"] ** 2
    return {**variant.answer, "weights": weights, "total": weights + variant.answer["biases"]}


def _not_shared(variant: Variant) -> dict[str, Any]:
    """Every output position given its own filter and bias."""
    h_out, w_out, _ = variant.answer["output"]
    weights, biases = (variant.answer[key] * h_out * w_out for key in ("weights", "biases"))
    return {**variant.answer, "weights": weights, "biases": biases, "total": weights + biases}


MISCONCEPTIONS = (
    *size_misconceptions(_geometry, _with_output),
    mistake(DEPTH_NAME, DEPTH_FROM_INPUT, _depth_from_input),
    mistake("biases forgotten", BIASES_FORGOTTEN, _biases_forgotten),
    mistake("input channels forgotten (K²·F)",
            "A filter spans the whole depth of its input: on a volume of depth C it has K × K × C weights (the "
            "lecture's 5×5×3 on an RGB image), not K × K.", _filter_depth_forgotten),
    mistake("weights not shared", NOT_SHARED, _not_shared),
)
