"""1D convolution by hand: a short integer signal, a small kernel, zero padding and stride."""

from __future__ import annotations

from typing import Any

import numpy as np

from generator.kinds._common import (answer_stub, explain_answer, exact_list, grade, integer_array,
                                     model_submission, near_miss, padding_stated as check_template, render,
                                     sample_variant, solution_source)
from generator.model import Template, Variant
from solutions.numpy_ref import conv1d

FORMATS = ("vector",)
REQUIRED = ("L", "K", "S", "P")
EXTRA_KEYS: dict[str, bool] = {}
__all__ = ["answer_stub", "check_template", "grade", "model_submission", "near_miss", "render", "solution_source"]


def _compute(template: Template, params: dict[str, Any], rng: np.random.Generator) -> tuple[dict[str, Any], Any]:
    """Draw the signal and kernel, and convolve them with solutions.numpy_ref.conv1d (cross-correlation)."""
    x = integer_array(rng, params.get("x_low", 0), params.get("x_high", 5), (params["L"],))
    w = integer_array(rng, params.get("w_low", -1), params.get("w_high", 2), (params["K"],))
    if not w.any():
        raise ValueError("the kernel came out all zeros")
    out = conv1d(x[None, None], w[None, None], stride=params["S"], padding=params["P"])[0, 0]
    padded = np.pad(x, params["P"])
    return {**params, "x": exact_list(x), "w": exact_list(w), "padded": exact_list(padded)}, exact_list(out)


def generate(template: Template, seed: int) -> Variant:
    """A signal, kernel, stride and padding."""
    return sample_variant(template, seed, _compute)


def explain(variant: Variant) -> str:
    """Pad, then slide the kernel by the stride, one dot product per output."""
    p = variant.params
    padded, w, stride = p["padded"], p["w"], p["S"]
    lines = [f"Zero-pad by {p['P']}: $[{', '.join(map(str, padded))}]$. Slide $w = [{', '.join(map(str, w))}]$ "
             f"with stride {stride} (no kernel flip, as in PyTorch):", ""]
    for i, value in enumerate(variant.answer):
        window = padded[i * stride: i * stride + len(w)]
        terms = " + ".join(f"({a})({b})" for a, b in zip(window, w))
        lines.append(f"- $y_{{{i}}} = {terms} = {value}$")
    return "\n".join(lines + ["", explain_answer(variant)])
