"""Max and average pooling by hand: window and stride sampled, overlapping windows (stride < window) included."""

from __future__ import annotations

from typing import Any

import numpy as np

from generator.kinds._common import (answer_stub, draw_image, explain_answer, exact_list, grade, image_shape,
                                     model_submission, near_miss, no_checks as check_template, render,
                                     sample_variant, solution_source)
from generator.kinds._mistakes import mistake
from generator.kinds._size_text import rows_and_columns
from generator.model import Template, Variant
from generator.params import require_varied
from generator.render import matrix
from generator.rounding import asked_places, rounded_rows
from solutions.numpy_ref import avg_pool2d, max_pool2d

FORMATS = ("matrix",)
REQUIRED = ("H", "K", "S", "mode")
OPTIONAL_PARAMS = ("W", "x_low", "x_high")  # read when the template has them
EXTRA_KEYS: dict[str, bool] = {}
ASKS = ("output size",)  # generator/media.py: code on the same paper omits its formula
MODES = {"max": max_pool2d, "avg": avg_pool2d}
__all__ = ["answer_stub", "check_template", "grade", "model_submission", "near_miss", "render", "solution_source"]


def _compute(template: Template, params: dict[str, Any], rng: np.random.Generator) -> tuple[dict[str, Any], Any]:
    """Draw the image; pool it with solutions.numpy_ref; draw again when the output is trivial (e.g. all 9s)."""
    if params["mode"] not in MODES:
        raise ValueError(f"mode must be 'max' or 'avg', got {params['mode']!r}")
    image = draw_image(rng, params, image_shape(params), 9)
    out = MODES[params["mode"]](image[None, None], params["K"], params["S"])[0, 0]
    require_varied(exact_list(out))
    drawn = {**params, "W": image.shape[1], "image": exact_list(image), "overlapping": params["S"] < params["K"],
             "out_shape": list(out.shape)}
    return drawn, exact_list(out)


def generate(template: Template, seed: int) -> Variant:
    """An image, a window, a stride and max or average."""
    return sample_variant(template, seed, _compute)


def explain(variant: Variant) -> str:
    """The output's size on both axes, window positions, then the max or mean of each."""
    p = variant.params
    size = rows_and_columns((p["H"], p["W"]), p["K"], p["S"], None, p["out_shape"])
    what = "maximum" if p["mode"] == "max" else "mean"
    overlap = " Windows overlap because the stride is smaller than the window." if p["overlapping"] else ""
    return (f"Output: {size}. Slide a {p['K']}×{p['K']} window by {p['S']} and take the {what} of each "
            f"window.{overlap}\n\n"
            f"$${matrix(rounded_rows(variant.answer, asked_places(variant)))}$$\n\n" + explain_answer(variant))


def _pooled(variant: Variant, mode: str | None = None, stride: int | None = None) -> list[Any]:
    """The variant's image pooled with another reduction or stride (the variant's own by default)."""
    p = variant.params
    image = np.array(p["image"], dtype=float)[None, None]
    return exact_list(MODES[mode or p["mode"]](image, p["K"], stride or p["S"])[0, 0])


def _stride_one(variant: Variant) -> list[Any] | None:
    """Windows slid one pixel at a time where the stride is more than 1 and not the window (that case: below)."""
    stride, kernel = variant.params["S"], variant.params["K"]
    return _pooled(variant, stride=1) if 1 < stride != kernel else None


def _overlapping(variant: Variant) -> list[Any] | None:
    """Tiling windows (stride = window) slid one pixel at a time, so that they overlap."""
    return _pooled(variant, stride=1) if variant.params["S"] == variant.params["K"] else None


def _tiled(variant: Variant) -> list[Any] | None:
    """Overlapping windows (stride < window) moved by a whole window, as the default stride would."""
    return _pooled(variant, stride=variant.params["K"]) if variant.params["S"] < variant.params["K"] else None


MISCONCEPTIONS = (
    mistake("stride 1 assumed", "The window moves by the stride S, not by one pixel: output i starts at row "
            "i·S, so the output has ⌊(H − K) / S⌋ + 1 rows.", _stride_one),
    mistake("max and average swapped", "Max pooling keeps each window's largest activation, average pooling "
            "their mean: the same windows give different maps.",
            lambda variant: _pooled(variant, mode="avg" if variant.params["mode"] == "max" else "max")),
    mistake("windows overlapping when they should not", "With a stride equal to the window (the lecture's max pool "
            "with 2×2 filters and stride 2) the windows tile the map without overlapping; sliding them one pixel "
            "at a time makes them overlap and barely shrinks the map.", _overlapping),
    mistake("stride taken as the window", "The stride is a choice of its own: here it is smaller than the window, so "
            "consecutive windows overlap and share pixels, and the map shrinks less.", _tiled),
)
