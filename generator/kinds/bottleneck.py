"""1 × 1 reductions (Inception, ResNet bottlenecks): the parameters and MACs of a K × K conv on C_in channels
directly, against a 1 × 1 conv down to C_red channels first and the K × K conv on those.

The 1 × 1 conv runs at the input's size (stride 1, no padding); the K × K conv carries the stride and the padding,
as in ResNet v1.5; every conv has a bias unless `bias` is false (solutions/layer_math.py reduced_conv_params,
solutions/cost.py reduced_conv2d_cost).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from generator.kinds._common import (answer_stub, explain_answer, grade, model_submission, near_miss, padding_stated,
                                     render, require_in_prompt, sample_variant, solution_source)
from generator.kinds._cost import (BIASES_IN_PARAMS, MAC_RULE, ON_INPUT_SIZE, ConvGeometry, conv_geometry, fields,
                                   variant_geometry)
from generator.kinds._mistakes import mistake
from generator.kinds.dense_vs_conv import latex_int
from generator.model import Template, Variant
from solutions.cost import conv2d_cost, reduced_conv2d_cost
from solutions.layer_math import reduced_conv_params
from solutions.shapes import conv2d_params, conv_output_size

FORMATS = ("numbers",)
REQUIRED = ("C_in", "C_red", "F", "K", "H", "P")
OPTIONAL_PARAMS = ("W", "S", "bias")  # read when the template has them (W = H, S = 1, bias true)
EXTRA_KEYS: dict[str, bool] = {}
ASKS = ("parameter count", "MACs")  # generator/media.py
__all__ = ["answer_stub", "fields", "grade", "model_submission", "near_miss", "render", "solution_source"]


def check_template(template: Template) -> None:
    """The padding is stated, and the reduction is named in the prompt."""
    padding_stated(template)
    require_in_prompt(template, "C_red", "the channels the 1 × 1 conv reduces to")


def _counts(g: ConvGeometry, reduced: int) -> dict[str, int]:
    """Parameters and MACs of the direct conv and of the reduced pair, from solutions/ (MACs without bias adds)."""
    direct = conv2d_cost(g.in_shape, g.out_channels, g.kernel, g.stride, g.padding, bias=g.bias)
    pair = reduced_conv2d_cost(g.in_shape, reduced, g.out_channels, g.kernel, g.stride, g.padding, bias=g.bias)
    return {"direct_params": conv2d_params(g.channels, g.out_channels, g.kernel, g.bias).total,
            "direct_macs": direct.macs,
            "reduced_params": reduced_conv_params(g.channels, reduced, g.out_channels, g.kernel, g.bias).total,
            "reduced_macs": pair.macs}


def _compute(template: Template, params: dict[str, Any], rng: np.random.Generator) -> tuple[dict[str, Any], Any]:
    """Both designs' counts; a reduction that does not reduce, or a kernel that does not fit, is drawn again."""
    geometry, drawn = conv_geometry(params)
    if not 0 < params["C_red"] < geometry.channels:
        raise ValueError(f"C_red = {params['C_red']} must be between 1 and C_in - 1 = {geometry.channels - 1}: a "
                         "1 × 1 reduction has fewer channels than its input")
    return drawn, _counts(geometry, params["C_red"])


def generate(template: Template, seed: int) -> Variant:
    """A layer of sampled channels, reduction, filters, kernel and input size."""
    return sample_variant(template, seed, _compute)


def _layers(drawn: dict[str, Any]) -> tuple[ConvGeometry, int]:
    """The variant's K × K layer and its reduced channel count, from its key's parameters."""
    return variant_geometry(drawn), drawn["C_red"]


def explain(variant: Variant) -> str:
    """Each conv's parameters and its dot products at its own output's size."""
    g, reduced = _layers(variant.params)
    c, f, k, (height, width) = g.channels, g.out_channels, g.kernel, g.in_shape[1:]
    out_h, out_w = conv_output_size((height, width), k, g.stride, g.padding)
    a, bias = variant.answer, " + 1" if g.bias else ""
    one = conv2d_params(c, reduced, 1, g.bias).total
    one_macs = conv2d_cost(g.in_shape, reduced, 1, bias=g.bias).macs
    wide = conv2d_params(reduced, f, k, g.bias).total
    wide_macs = conv2d_cost((reduced, height, width), f, k, g.stride, g.padding, bias=g.bias).macs
    return "\n".join([
        f"Parameters: $F (K \\cdot K \\cdot C{bias})$ per conv. MACs: {MAC_RULE}, one dot product per output value.",
        "",
        f"- direct: ${f} \\cdot ({k} \\cdot {k} \\cdot {c}{bias}) = {latex_int(a['direct_params'])}$ parameters; "
        f"output ${out_h} \\times {out_w} \\times {f}$: ${out_h} \\cdot {out_w} \\cdot {f} \\cdot {k * k * c} = "
        f"{latex_int(a['direct_macs'])}$ MACs",
        f"- 1 × 1 reduction to {reduced} channels, at the input's ${height} \\times {width}$: ${reduced} \\cdot "
        f"({c}{bias}) = {latex_int(one)}$ parameters, ${height} \\cdot {width} \\cdot {reduced} \\cdot {c} = "
        f"{latex_int(one_macs)}$ MACs",
        f"- ${k} \\times {k}$ conv on those {reduced} channels: ${f} \\cdot ({k} \\cdot {k} \\cdot {reduced}{bias}) = "
        f"{latex_int(wide)}$ parameters, ${out_h} \\cdot {out_w} \\cdot {f} \\cdot {k * k * reduced} = "
        f"{latex_int(wide_macs)}$ MACs",
        f"- with the reduction: ${latex_int(one)} + {latex_int(wide)} = {latex_int(a['reduced_params'])}$ "
        f"parameters, ${latex_int(one_macs)} + {latex_int(wide_macs)} = {latex_int(a['reduced_macs'])}$ MACs, "
        f"{a['direct_macs'] / a['reduced_macs']:.1f} times fewer", "", explain_answer(variant)])


# ---- misconceptions: the answer a mistake gives, with the variant's own numbers -----------------------------------

def _reduced_as(variant: Variant, g: ConvGeometry, reduced: int, *, with_1x1: bool = True,
                wide_channels: int | None = None) -> dict[str, int]:
    """The answer with the reduced pair counted as a mistake counts it: without its 1 × 1 conv, or with the K × K
    conv on wide_channels instead of the reduced ones."""
    channels = reduced if wide_channels is None else wide_channels
    one = conv2d_params(g.channels, reduced, 1, g.bias).total if with_1x1 else 0
    one_macs = conv2d_cost(g.in_shape, reduced, 1, bias=g.bias).macs if with_1x1 else 0
    wide = conv2d_cost((channels, *g.in_shape[1:]), g.out_channels, g.kernel, g.stride, g.padding, bias=g.bias)
    return {**variant.answer, "reduced_params": one + conv2d_params(channels, g.out_channels, g.kernel, g.bias).total,
            "reduced_macs": one_macs + wide.macs}


def _one_by_one_forgotten(variant: Variant) -> dict[str, int]:
    """Only the K × K conv on the reduced channels."""
    g, reduced = _layers(variant.params)
    return _reduced_as(variant, g, reduced, with_1x1=False)


def _reduction_not_carried(variant: Variant) -> dict[str, int]:
    """The 1 × 1 conv counted, but the K × K conv still on all C_in channels."""
    g, reduced = _layers(variant.params)
    return _reduced_as(variant, g, reduced, wide_channels=g.channels)


def _on_input_size(variant: Variant) -> dict[str, int] | None:
    """The K × K convs' MACs taken at the input's H × W instead of their output's (the 1 × 1 runs at H × W)."""
    g, reduced = _layers(variant.params)
    out_h, out_w = conv_output_size(g.in_shape[1:], g.kernel, g.stride, g.padding)
    inputs = g.in_shape[1] * g.in_shape[2]
    one_macs = conv2d_cost(g.in_shape, reduced, 1, bias=g.bias).macs
    wide_macs = variant.answer["reduced_macs"] - one_macs
    return {**variant.answer, "direct_macs": variant.answer["direct_macs"] // (out_h * out_w) * inputs,
            "reduced_macs": one_macs + wide_macs // (out_h * out_w) * inputs}


def _biases_forgotten(variant: Variant) -> dict[str, int] | None:
    """Weights only in both parameter counts."""
    g, reduced = _layers(variant.params)
    if not g.bias:
        return None
    return {**variant.answer, "direct_params": conv2d_params(g.channels, g.out_channels, g.kernel, False).total,
            "reduced_params": reduced_conv_params(g.channels, reduced, g.out_channels, g.kernel, False).total}


MISCONCEPTIONS = (
    mistake("1×1 layer's cost forgotten", "The 1 × 1 reduction is a conv layer of its own: C_red filters of "
            "1 · 1 · C_in weights, each applied at every input position; its parameters and MACs add to the K × K "
            "conv's.", _one_by_one_forgotten),
    mistake("reduction not carried into the K×K conv", "After the 1 × 1 reduction the K × K conv sees only C_red "
            "channels, so each of its filters has K · K · C_red weights: that is where the saving comes from.",
            _reduction_not_carried),
    mistake("cost computed on the input size", ON_INPUT_SIZE, _on_input_size),
    mistake("biases forgotten", BIASES_IN_PARAMS, _biases_forgotten),
)
