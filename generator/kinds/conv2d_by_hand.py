"""2D convolution by hand on a small integer image (binary by default), with sampled stride and padding."""

from __future__ import annotations

from typing import Any

import numpy as np

from generator.kinds._common import (answer_stub, draw_image, explain_answer, exact_list, grade, image_shape,
                                     integer_array, model_submission, near_miss, padding_stated as check_template,
                                     render, sample_variant, solution_source)
from generator.kinds._mistakes import by_hand_misconceptions
from generator.kinds._size_text import rows_and_columns
from generator.model import Template, Variant
from generator.params import require_varied
from generator.render import matrix
from solutions.numpy_ref import conv2d

FORMATS = ("matrix",)
REQUIRED = ("H", "K", "S", "P")
OPTIONAL_PARAMS = ("W", "x_low", "x_high", "w_low", "w_high")  # read when the template has them
EXTRA_KEYS: dict[str, bool] = {}
ASKS = ("output size",)  # generator/media.py: code on the same paper omits its formula
__all__ = ["answer_stub", "check_template", "grade", "model_submission", "near_miss", "render", "solution_source"]


def _compute(template: Template, params: dict[str, Any], rng: np.random.Generator) -> tuple[dict[str, Any], Any]:
    """Draw image and kernel; convolve with solutions.numpy_ref.conv2d; draw again when the output is trivial."""
    image = draw_image(rng, params, image_shape(params), 1)
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
    """Output size first (both axes), then one window per output entry."""
    p = variant.params
    size = rows_and_columns((p["H"], p["W"]), p["K"], p["S"], p["P"], p["out_shape"])
    pad = f"Zero-pad the image by {p['P']}" if p["P"] else "No padding"
    return (f"Output size: {size}. {pad}, slide the kernel (not flipped) with stride {p['S']}, multiply "
            f"element-wise and sum:\n\n"
            f"$${matrix(variant.answer)}$$\n\n" + explain_answer(variant))


MISCONCEPTIONS = by_hand_misconceptions(lambda variant: (variant.params["image"], variant.params["kernel"],
                                                         variant.params["S"], variant.params["P"]))
