"""Parameter count of one conv layer: F filters of K x K x C_in weights, plus one bias per filter."""

from __future__ import annotations

from typing import Any

import numpy as np

from generator.kinds._common import (answer_stub, explain_answer, grade, model_submission, near_miss,
                                     no_checks as check_template, render, sample_variant, solution_source)
from generator.model import Template, Variant
from solutions.shapes import conv2d_params

FORMATS = ("numbers", "number")
REQUIRED = ("C_in", "F", "K")
EXTRA_KEYS: dict[str, bool] = {}
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
