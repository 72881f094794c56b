"""Why convolutions: a dense layer on a 1000x1000 image with 1M hidden units needs 10^12 weights;
100 conv filters of 10x10 need 10,100 parameters."""

from __future__ import annotations

from typing import Any

import numpy as np

from generator.kinds._common import (answer_stub, explain_answer, grade, model_submission, near_miss,
                                     no_checks as check_template, render, sample_variant, solution_source)
from generator.kinds._mistakes import BIASES_FORGOTTEN, NOT_SHARED, mistake
from generator.model import Template, Variant
from solutions.shapes import conv2d_params, dense_params

FORMATS = ("numbers",)
REQUIRED = ("H", "W", "hidden", "F", "K")
OPTIONAL_PARAMS = ("C",)  # read when the template has them
EXTRA_KEYS: dict[str, bool] = {}
ASKS = ("parameter count",)  # generator/media.py: code on the same paper omits its formula
__all__ = ["answer_stub", "check_template", "grade", "model_submission", "near_miss", "render", "solution_source"]


def _counts(params: dict[str, Any]) -> tuple[int, int]:
    """Dense weights (every pixel to every hidden unit, biases left out) and conv parameters (with biases)."""
    channels = params.get("C", 1)
    dense = dense_params(params["H"] * params["W"] * channels, params["hidden"]).weights
    return dense, conv2d_params(channels, params["F"], params["K"]).total


def _compute(template: Template, params: dict[str, Any], rng: np.random.Generator) -> tuple[dict[str, Any], Any]:
    """Both counts, from solutions.shapes."""
    dense, conv = _counts(params)
    return {**params, "C": params.get("C", 1)}, {"dense_weights": dense, "conv_params": conv}


def generate(template: Template, seed: int) -> Variant:
    """An image size, hidden width and filter bank."""
    return sample_variant(template, seed, _compute)


def latex_int(number: int) -> str:
    """Thousands separators that LaTeX math does not space out: 1{,}000{,}000, not 1, 000, 000."""
    return f"{number:,}".replace(",", "{,}")


def magnitude(number: int) -> str:
    """LaTeX scientific notation, leading digits kept: 4 \\times 10^{10}, 10^{12}, \\approx 1.23 \\times 10^{9}."""
    digits, exponent = f"{number:.2e}".split("e")
    mantissa = digits.rstrip("0").rstrip(".")
    power = f"10^{{{int(exponent)}}}"
    shown = power if mantissa == "1" else f"{mantissa} \\times {power}"
    return shown if float(f"{number:.2e}") == number else f"\\approx {shown}"


def explain(variant: Variant) -> str:
    """Dense: every input value connects to every hidden unit. Conv: weights shared across positions."""
    p = variant.params
    dense, conv = _counts(p)
    return (f"- dense: ${p['H']} \\cdot {p['W']} \\cdot {p['C']}$ inputs $\\times$ {p['hidden']:,} hidden units "
            f"$= {latex_int(dense)}$ weights (${magnitude(dense)}$)\n"
            f"- conv: ${p['F']} \\cdot ({p['K']} \\cdot {p['K']} \\cdot {p['C']} + 1) = {latex_int(conv)}$ "
            f"parameters, whatever the image size\n- ratio: about {dense / conv:,.0f} to 1\n\n"
            + explain_answer(variant))


def _not_shared(variant: Variant) -> dict[str, int]:
    """A filter bank of its own at every pixel."""
    p = variant.params
    return {**variant.answer, "conv_params": variant.answer["conv_params"] * p["H"] * p["W"]}


def _biases_forgotten(variant: Variant) -> dict[str, int]:
    """The conv layer's weights alone."""
    p = variant.params
    return {**variant.answer, "conv_params": conv2d_params(p["C"], p["F"], p["K"], bias=False).total}


MISCONCEPTIONS = (
    mistake("weights per position not shared", NOT_SHARED, _not_shared),
    mistake("biases forgotten", BIASES_FORGOTTEN, _biases_forgotten),
)
