"""Parameter count of one conv layer: F filters of K x K x C_in weights, plus one bias per filter."""

from __future__ import annotations

from typing import Any

import numpy as np

from generator.kinds._common import (answer_stub, explain_answer, grade, model_submission, near_miss,
                                     no_checks as check_template, render, sample_variant, solution_source)
from generator.kinds._mistakes import BIASES_FORGOTTEN, mistake
from generator.model import Template, Variant
from solutions.shapes import conv2d_params

FORMATS = ("numbers", "number")
REQUIRED = ("C_in", "F", "K")
OPTIONAL_PARAMS = ("bias",)  # read when the template has them
EXTRA_KEYS: dict[str, bool] = {}
ASKS = ("parameter count",)  # generator/media.py: code on the same paper omits its formula
__all__ = ["answer_stub", "check_template", "grade", "model_submission", "near_miss", "render", "solution_source"]


def _compute(template: Template, params: dict[str, Any], rng: np.random.Generator) -> tuple[dict[str, Any], Any]:
    """Weights, biases and total from solutions.shapes.conv2d_params."""
    count = conv2d_params(params["C_in"], params["F"], params["K"], bias=bool(params.get("bias", True)))
    answer = {"weights": count.weights, "biases": count.biases, "total": count.total}
    return params, answer if template.answer_format == "numbers" else count.total


def generate(template: Template, seed: int) -> Variant:
    """A conv layer of sampled channels, filters and kernel size."""
    return sample_variant(template, seed, _compute)


def explain(variant: Variant) -> str:
    """Weights are shared over positions, so the input's height and width do not appear."""
    p = variant.params
    count = conv2d_params(p["C_in"], p["F"], p["K"], bias=bool(p.get("bias", True)))
    return (f"Each of the $F = {p['F']}$ filters has $K \\times K \\times C_{{in}} = {p['K']} \\times {p['K']} "
            f"\\times {p['C_in']}$ weights, shared over every position, plus one bias:\n\n"
            f"- weights: ${p['F']} \\cdot {p['K']}^2 \\cdot {p['C_in']} = {count.weights}$\n"
            f"- biases: ${count.biases}$\n- total: ${count.total}$\n\n" + explain_answer(variant))



def _counted(variant: Variant, weights: int, biases: int) -> Any:
    """Counts in the variant's answer structure: the three numbers, or the total alone."""
    total = weights + biases
    return {"weights": weights, "biases": biases, "total": total} if isinstance(variant.answer, dict) else total


def _right(variant: Variant) -> tuple[int, int, int, int, int]:
    """C_in, F, K, and the right weights and biases."""
    p = variant.params
    count = conv2d_params(p["C_in"], p["F"], p["K"], bias=bool(p.get("bias", True)))
    return p["C_in"], p["F"], p["K"], count.weights, count.biases


def _bias_forgotten(variant: Variant) -> Any:
    """Weights only: no biases at all."""
    return _counted(variant, _right(variant)[3], 0)


def _bias_per_input_channel(variant: Variant) -> Any:
    """C_in biases instead of F (where the layer has biases at all)."""
    c_in, _, _, weights, biases = _right(variant)
    return _counted(variant, weights, c_in) if biases else None


def _input_channels_forgotten(variant: Variant) -> Any:
    """K²·F weights, as if each filter were one channel deep."""
    _, f, k, _, biases = _right(variant)
    return _counted(variant, k * k * f, biases)


def _k_squared_as_k(variant: Variant) -> Any:
    """K·C_in·F weights: one row of the filter instead of its K×K window."""
    c_in, f, k, _, biases = _right(variant)
    return _counted(variant, k * c_in * f, biases)


MISCONCEPTIONS = (
    mistake("biases forgotten", BIASES_FORGOTTEN, _bias_forgotten),
    mistake("one bias per input channel",
            "The bias belongs to the filter, not to an input channel: each filter sums over all K×K×C_in inputs and "
            "adds one bias, so there are F biases, one per filter.", _bias_per_input_channel),
    mistake("input channels forgotten (K²·F)",
            "A filter spans the whole depth of its input (the lecture's 5×5 filter on an RGB image has 5×5×3 "
            "weights), so each filter has K·K·C_in weights and the layer F·K²·C_in.", _input_channels_forgotten),
    mistake("K² counted as K",
            "A K×K filter has K·K weights per input channel (a 5×5 filter: 25, not 5), so the layer has F·K²·C_in "
            "weights.", _k_squared_as_k),
)
