"""2D convolution by hand on a small integer image (binary by default), with sampled stride and padding."""

from __future__ import annotations

from typing import Any

import numpy as np

from generator.kinds._common import (answer_stub, draw_image, explain_answer, exact_list, grade, integer_array,
                                     model_submission, near_miss, padding_stated as check_template, render,
                                     sample_variant, solution_source)
from generator.kinds._mistakes import by_hand_misconceptions
from generator.model import Template, Variant
from generator.params import require_varied
from generator.render import matrix, noun_for, plural
from solutions.numpy_ref import conv2d

FORMATS = ("matrix",)
REQUIRED = ("H", "K", "S", "P")
EXTRA_KEYS: dict[str, bool] = {}
ASKS = ("output size",)  # generator/media.py: code on the same paper omits its formula
__all__ = ["answer_stub", "check_template", "grade", "model_submission", "near_miss", "render", "solution_source"]


def _compute(template: Template, params: dict[str, Any], rng: np.random.Generator) -> tuple[dict[str, Any], Any]:
    """Draw image and kernel; convolve with solutions.numpy_ref.conv2d; draw again when the output is trivial."""
    image = draw_image(rng, params, 1)
    kernel = integer_array(rng, params.get("w_low", -1), params.get("w_high", 1), (params["K"], params["K"]))
    out = conv2d(image[None, None], kernel[None, None], stride=params["S"], padding=params["P"])[0, 0]
    require_varied(exact_list(out))
    drawn = {**params, "W": image.shape[1], "image": exact_list(image), "kernel": exact_list(kernel),
             "out_shape": list(out.shape)}
    return drawn, exact_list(out)


def generate(template: Template, seed: int) -> Variant:
    """An image, a kernel, a stride and a padding."""
    return sample_variant(template, seed, _compute)


def explain(variant: Variant) -> str:
    """Output size first, then one window per output entry."""
    p = variant.params
    rows, cols = p["out_shape"]
    pad = f"Zero-pad the image by {p['P']}" if p["P"] else "No padding"
    return (f"Output size: $\\lfloor ({p['H']} - {p['K']} + 2 \\cdot {p['P']}) / {p['S']} \\rfloor + 1 = {rows}$ "
            f"{noun_for(rows, 'row')} and {plural(cols, 'column')}. {pad}, slide the kernel (not flipped) with "
            f"stride {p['S']}, multiply element-wise and sum:\n\n"
            f"$${matrix(variant.answer)}$$\n\n" + explain_answer(variant))


MISCONCEPTIONS = by_hand_misconceptions(lambda variant: (variant.params["image"], variant.params["kernel"],
                                                         variant.params["S"], variant.params["P"]))
