"""The VGG argument: n stacked 3 x 3 conv layers (stride 1, C to C channels) see as far as one (2n + 1) x (2n + 1)
conv layer, with fewer parameters (n · 9C² against (2n + 1)² C² weights) and a non-linearity after every layer."""

from __future__ import annotations

from typing import Any

import numpy as np

from generator.kinds._common import (answer_stub, explain_answer, grade, model_submission, near_miss,
                                     no_checks as check_template, render, sample_variant, solution_source)
from generator.kinds._mistakes import BIASES_FORGOTTEN, mistake
from generator.kinds.dense_vs_conv import latex_int
from generator.model import Template, Variant
from solutions.layer_math import StackComparison, vgg_comparison
from solutions.shapes import ParamCount, conv2d_params

FORMATS = ("numbers",)
REQUIRED = ("n", "C")
OPTIONAL_PARAMS = ("bias",)  # read when the template has it (default: one bias per filter)
EXTRA_KEYS: dict[str, bool] = {}
KERNEL = 3  # VGG's kernel
ASKS = ("receptive field", "parameter count")
__all__ = ["answer_stub", "check_template", "grade", "model_submission", "near_miss", "render", "solution_source"]


def _comparison(params: dict[str, Any]) -> StackComparison:
    """solutions.layer_math.vgg_comparison for the drawn stack."""
    return vgg_comparison(params["n"], params["C"], KERNEL, bool(params.get("bias", True)))


def _as_answer(comparison: StackComparison) -> dict[str, int]:
    """The three numbers the question asks."""
    return {"receptive_field": comparison.receptive_field, "stack_params": comparison.stack.total,
            "single_params": comparison.single.total}


def _compute(template: Template, params: dict[str, Any], rng: np.random.Generator) -> tuple[dict[str, Any], Any]:
    """The stack's receptive field and both layers' parameter counts."""
    if params["n"] < 2:
        raise ValueError(f"a stack needs at least 2 layers to compare with one large kernel, got n = {params['n']}")
    return {**params, "bias": bool(params.get("bias", True))}, _as_answer(_comparison(params))


def generate(template: Template, seed: int) -> Variant:
    """A stack depth and a channel count."""
    return sample_variant(template, seed, _compute)


def _layer_text(kernel: int, channels: int, count: ParamCount) -> str:
    """'3 \\cdot 3 \\cdot 64 \\cdot 64 + 64 = 36{,}928' (the bias term only where there are biases)."""
    bias = f" + {channels}" if count.biases else ""
    return f"{kernel} \\cdot {kernel} \\cdot {channels} \\cdot {channels}{bias} = {latex_int(count.total)}"


def explain(variant: Variant) -> str:
    """Each stride-1 3 x 3 layer widens the field by 2; each layer has 9C² weights (plus C biases)."""
    p, answer = variant.params, variant.answer
    n, channels, field = p["n"], p["C"], answer["receptive_field"]
    one = conv2d_params(channels, channels, KERNEL, p["bias"])
    comparison = _comparison(p)
    ratio = comparison.stack.total / comparison.single.total
    return (f"- receptive field: each stride-1 ${KERNEL} \\times {KERNEL}$ layer adds $K - 1 = {KERNEL - 1}$ pixels "
            f"to the field, starting from 1: $1 + {n} \\cdot {KERNEL - 1} = {field}$ (not $3 \\cdot {n}$: "
            f"neighbouring windows overlap)\n"
            f"- one ${KERNEL} \\times {KERNEL}$ layer: ${_layer_text(KERNEL, channels, one)}$; the stack of {n}: "
            f"${n} \\cdot {latex_int(one.total)} = {latex_int(answer['stack_params'])}$\n"
            f"- one ${field} \\times {field}$ layer: ${_layer_text(field, channels, comparison.single)}$\n\n"
            f"The stack has {ratio:.0%} of the single layer's parameters, and its {n} layers put {n} ReLUs where "
            f"the single layer has one.\n\n" + explain_answer(variant))


def _field_as_3n(variant: Variant) -> dict[str, int]:
    """The kernel sizes added: a field of 3n, and the single layer with a 3n x 3n kernel."""
    p = variant.params
    field = KERNEL * p["n"]
    return {**variant.answer, "receptive_field": field,
            "single_params": conv2d_params(p["C"], p["C"], field, p["bias"]).total}


def _one_layer_counted(variant: Variant) -> dict[str, int]:
    """The stack counted as one 3 x 3 layer."""
    p = variant.params
    return {**variant.answer, "stack_params": conv2d_params(p["C"], p["C"], KERNEL, p["bias"]).total}


def _biases_forgotten(variant: Variant) -> dict[str, int] | None:
    """Weights only, where the layers have biases."""
    p = variant.params
    return _as_answer(vgg_comparison(p["n"], p["C"], KERNEL, bias=False)) if p["bias"] else None


def _input_channels_forgotten(variant: Variant) -> dict[str, int]:
    """Filters K x K deep one channel: K²·C weights per layer instead of K²·C·C."""
    p = variant.params
    n, channels, field, biases = p["n"], p["C"], variant.answer["receptive_field"], p["C"] if p["bias"] else 0
    return {**variant.answer, "stack_params": n * (KERNEL ** 2 * channels + biases),
            "single_params": field ** 2 * channels + biases}


MISCONCEPTIONS = (
    mistake("receptive field of n 3×3 layers taken as 3n",
            "Consecutive windows overlap: a 3 × 3 layer on a 3 × 3 field sees 5 pixels, not 6. Each stride-1 3 × 3 "
            "layer adds 2 pixels to the field, starting from 1, so n layers see 2n + 1.", _field_as_3n),
    mistake("stack counted as one layer",
            "Every layer of the stack has its own C filters of 3 × 3 × C weights (and C biases): the stack has n "
            "times one layer's parameters.", _one_layer_counted),
    mistake("biases forgotten", BIASES_FORGOTTEN, _biases_forgotten),
    mistake("input channels forgotten (K²·C)",
            "Each of the C filters spans all C input channels (the lecture's 5×5 filter on an RGB image has 5×5×3 "
            "weights), so a layer has K·K·C·C weights, not K·K·C.", _input_channels_forgotten),
)
