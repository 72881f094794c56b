"""Depthwise-separable against standard convolution (MobileNet): the parameters and MACs of each, and how many times
fewer MACs the separable one needs.

The separable layer is a depthwise K x K conv (one filter per input channel, which carries the stride and the
padding) and then a pointwise 1 x 1 conv to the F output channels; every conv has a bias unless `bias` is false.
The ratio is standard MACs / separable MACs, 1 / (1/F + 1/K²) whatever the sizes (solutions/layer_math.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from generator.kinds._common import (answer_stub, explain_answer, grade, model_submission, near_miss, render,
                                     sample_variant, solution_source)
from generator.kinds._common import padding_stated as check_template
from generator.kinds._cost import (BIASES_IN_PARAMS, MAC_RULE, ON_INPUT_SIZE, ConvGeometry, conv_geometry, fields,
                                   variant_geometry)
from generator.kinds._mistakes import mistake
from generator.kinds.dense_vs_conv import latex_int
from generator.model import Template, Variant
from solutions.cost import Cost, conv2d_cost, separable_conv2d_cost
from solutions.layer_math import grouped_conv2d_params, separable_conv2d_params
from solutions.shapes import conv2d_params, conv_output_size

FORMATS = ("numbers",)
REQUIRED = ("C_in", "F", "K", "H", "P")
OPTIONAL_PARAMS = ("W", "S", "bias")  # read when the template has them (W = H, S = 1, bias true)
EXTRA_KEYS: dict[str, bool] = {}
ASKS = ("parameter count", "MACs")  # generator/media.py
DIGITS = 6  # the ratio is kept to 6 decimals in the key; the template's tolerance says what is asked
__all__ = ["answer_stub", "check_template", "fields", "grade", "model_submission", "near_miss", "render",
           "solution_source"]


def _counts(geometry: ConvGeometry) -> dict[str, int]:
    """Parameters and MACs of both layers, from solutions/ (MACs never include the bias additions)."""
    g = geometry
    standard = conv2d_cost(g.in_shape, g.out_channels, g.kernel, g.stride, g.padding, bias=g.bias)
    separable = separable_conv2d_cost(g.in_shape, g.out_channels, g.kernel, g.stride, g.padding, bias=g.bias)
    return {"standard_params": conv2d_params(g.channels, g.out_channels, g.kernel, g.bias).total,
            "standard_macs": standard.macs,
            "separable_params": separable_conv2d_params(g.channels, g.out_channels, g.kernel, g.bias).total,
            "separable_macs": separable.macs}


def _with_ratio(counts: dict[str, int]) -> dict[str, int | float]:
    """The counts and standard MACs / separable MACs, to DIGITS decimals."""
    return {**counts, "ratio": round(counts["standard_macs"] / counts["separable_macs"], DIGITS)}


def _compute(template: Template, params: dict[str, Any], rng: np.random.Generator) -> tuple[dict[str, Any], Any]:
    """Both layers' counts; a geometry whose kernel does not fit raises ValueError (the draw is thrown away)."""
    geometry, drawn = conv_geometry(params)
    return drawn, _with_ratio(_counts(geometry))


def generate(template: Template, seed: int) -> Variant:
    """A layer of sampled channels, filters, kernel and input size."""
    return sample_variant(template, seed, _compute)


@dataclass(frozen=True)
class Steps:
    """The separable layer's two convs: each one's parameters and cost."""

    depthwise_params: int
    depthwise: Cost
    pointwise_params: int
    pointwise: Cost


def _steps(g: ConvGeometry) -> Steps:
    """The depthwise K x K conv (groups = C_in, with the stride and padding), then the 1 x 1 conv on its output."""
    c = g.channels
    depthwise = conv2d_cost(g.in_shape, c, g.kernel, g.stride, g.padding, groups=c, bias=g.bias)
    out_h, out_w = conv_output_size(g.in_shape[1:], g.kernel, g.stride, g.padding)
    return Steps(grouped_conv2d_params(c, c, g.kernel, c, g.bias).total, depthwise,
                 conv2d_params(c, g.out_channels, 1, g.bias).total,
                 conv2d_cost((c, out_h, out_w), g.out_channels, 1, bias=g.bias))


def explain(variant: Variant) -> str:
    """Parameters of each layer, then MACs as dot products at the output's size, then the ratio."""
    g = variant_geometry(variant.params)
    c, f, k = g.channels, g.out_channels, g.kernel
    out_h, out_w = conv_output_size(g.in_shape[1:], k, g.stride, g.padding)
    a, steps = variant.answer, _steps(g)
    bias = " + 1" if g.bias else ""
    at = f"{out_h} \\cdot {out_w}"
    return "\n".join([
        f"Both designs give a ${out_h} \\times {out_w} \\times {f}$ output; {MAC_RULE}.", "",
        f"- standard: ${f}$ filters of ${k} \\cdot {k} \\cdot {c}$ weights{' and a bias' if g.bias else ''}: "
        f"${f} \\cdot ({k} \\cdot {k} \\cdot {c}{bias}) = {latex_int(a['standard_params'])}$ parameters; each output "
        f"value a dot product over ${k} \\cdot {k} \\cdot {c}$ terms: ${at} \\cdot {f} \\cdot {k * k * c} = "
        f"{latex_int(a['standard_macs'])}$ MACs",
        f"- depthwise: one ${k} \\times {k}$ filter per input channel: ${c} \\cdot ({k} \\cdot {k}{bias}) = "
        f"{latex_int(steps.depthwise_params)}$ parameters, ${at} \\cdot {c} \\cdot {k * k} = "
        f"{latex_int(steps.depthwise.macs)}$ MACs",
        f"- pointwise: ${f}$ filters of $1 \\cdot 1 \\cdot {c}$: ${f} \\cdot ({c}{bias}) = "
        f"{latex_int(steps.pointwise_params)}$ parameters, ${at} \\cdot {f} \\cdot {c} = "
        f"{latex_int(steps.pointwise.macs)}$ MACs",
        f"- separable: ${latex_int(steps.depthwise_params)} + {latex_int(steps.pointwise_params)} = "
        f"{latex_int(a['separable_params'])}$ parameters, ${latex_int(steps.depthwise.macs)} + "
        f"{latex_int(steps.pointwise.macs)} = {latex_int(a['separable_macs'])}$ MACs",
        f"- ratio: ${latex_int(a['standard_macs'])} / {latex_int(a['separable_macs'])} \\approx {a['ratio']:.4f}$, "
        f"which is $1 / (1/{f} + 1/{k * k})$", "", explain_answer(variant)])


# ---- misconceptions: the answer a mistake gives, with the variant's own numbers -----------------------------------

def _bent(variant: Variant, **changed: int) -> dict[str, int | float]:
    """The answer with some counts replaced, the ratio from the (mistaken) MACs."""
    counts = {key: value for key, value in variant.answer.items() if key != "ratio"}
    return _with_ratio({**counts, **changed})


def _depthwise_as_full(variant: Variant) -> dict[str, int | float]:
    """The depthwise step counted as a standard K × K conv from C_in to C_in channels."""
    g = variant_geometry(variant.params)
    steps = _steps(g)
    full = conv2d_cost(g.in_shape, g.channels, g.kernel, g.stride, g.padding, bias=g.bias)
    return _bent(variant, separable_params=conv2d_params(g.channels, g.channels, g.kernel, g.bias).total +
                 steps.pointwise_params, separable_macs=full.macs + steps.pointwise.macs)


def _pointwise_forgotten(variant: Variant) -> dict[str, int | float]:
    """The separable layer as its depthwise step alone."""
    steps = _steps(variant_geometry(variant.params))
    return _bent(variant, separable_params=steps.depthwise_params, separable_macs=steps.depthwise.macs)


def _on_input_size(variant: Variant) -> dict[str, int | float] | None:
    """Every MAC count taken at the input's H × W instead of the output's (the ratio does not change)."""
    g = variant_geometry(variant.params)
    out_h, out_w = conv_output_size(g.in_shape[1:], g.kernel, g.stride, g.padding)
    outputs, inputs = out_h * out_w, g.in_shape[1] * g.in_shape[2]
    return _bent(variant, standard_macs=variant.answer["standard_macs"] // outputs * inputs,
                 separable_macs=variant.answer["separable_macs"] // outputs * inputs)


def _biases_forgotten(variant: Variant) -> dict[str, int | float] | None:
    """Weights only in both parameter counts."""
    g = variant_geometry(variant.params)
    if not g.bias:
        return None
    return _bent(variant, standard_params=conv2d_params(g.channels, g.out_channels, g.kernel, False).total,
                 separable_params=separable_conv2d_params(g.channels, g.out_channels, g.kernel, False).total)


def _ratio_inverted(variant: Variant) -> dict[str, int | float]:
    """Separable over standard MACs: the fraction left, not how many times fewer."""
    return {**variant.answer, "ratio": round(variant.answer["separable_macs"] / variant.answer["standard_macs"],
                                             DIGITS)}


MISCONCEPTIONS = (
    mistake("depthwise step counted as a full conv", "The depthwise step has one K × K filter per input channel, "
            "each seeing only its own channel: C_in · K² weights, not the C_in · K² · C_in of a standard conv from "
            "C_in to C_in channels.", _depthwise_as_full),
    mistake("pointwise 1×1 step forgotten", "A separable layer is two convs: the depthwise K × K filters, then the "
            "1 × 1 conv that mixes the channels into F outputs; its C_in · F weights cost too.",
            _pointwise_forgotten),
    mistake("cost computed on the input size", ON_INPUT_SIZE, _on_input_size),
    mistake("biases forgotten", BIASES_IN_PARAMS, _biases_forgotten),
    mistake("ratio inverted", "The question asks how many times fewer MACs the separable layer needs: standard "
            "divided by separable, a number above 1.", _ratio_inverted),
)
