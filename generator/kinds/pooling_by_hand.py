"""Max and average pooling by hand: window and stride sampled, overlapping windows (stride < window) included."""

from __future__ import annotations

from typing import Any

import numpy as np

from generator.kinds._common import (answer_stub, draw_image, explain_answer, exact_list, grade,
                                     model_submission, near_miss, no_checks as check_template, render,
                                     sample_variant, solution_source)
from generator.model import Template, Variant
from generator.params import require_varied
from generator.render import matrix
from solutions.numpy_ref import avg_pool2d, max_pool2d

FORMATS = ("matrix",)
REQUIRED = ("H", "K", "S", "mode")
EXTRA_KEYS: dict[str, bool] = {}
MODES = {"max": max_pool2d, "avg": avg_pool2d}
__all__ = ["answer_stub", "check_template", "grade", "model_submission", "near_miss", "render", "solution_source"]


def _compute(template: Template, params: dict[str, Any], rng: np.random.Generator) -> tuple[dict[str, Any], Any]:
    """Draw the image; pool it with solutions.numpy_ref; draw again when the output is trivial (e.g. all 9s)."""
    if params["mode"] not in MODES:
        raise ValueError(f"mode must be 'max' or 'avg', got {params['mode']!r}")
    image = draw_image(rng, params, 9)
    out = MODES[params["mode"]](image[None, None], params["K"], params["S"])[0, 0]
    require_varied(exact_list(out))
    drawn = {**params, "W": image.shape[1], "image": exact_list(image), "overlapping": params["S"] < params["K"],
             "out_shape": list(out.shape)}
    return drawn, exact_list(out)


def generate(template: Template, seed: int) -> Variant:
    """An image, a window, a stride and max or average."""
    return sample_variant(template, seed, _compute)


def explain(variant: Variant) -> str:
    """Window positions, then the max or mean of each."""
    p = variant.params
    rows, cols = p["out_shape"]
    what = "maximum" if p["mode"] == "max" else "mean"
    overlap = " Windows overlap because the stride is smaller than the window." if p["overlapping"] else ""
    return (f"Output: $\\lfloor ({p['H']} - {p['K']}) / {p['S']} \\rfloor + 1 = {rows}$ by {cols}. Slide a "
            f"{p['K']}×{p['K']} window by {p['S']} and take the {what} of each window.{overlap}\n\n"
            f"$${matrix(variant.answer)}$$\n\n" + explain_answer(variant))
