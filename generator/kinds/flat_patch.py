"""The lecture's clue for the edge filters: a constant patch gives 0, because the kernel's weights sum to 0; a patch
with a block of another value gives 0 where its windows are flat and a response only across the block's edge."""

from __future__ import annotations

from typing import Any

import numpy as np

from generator.kinds._common import (answer_stub, exact_list, explain_answer, extra_error, model_submission,
                                     near_miss, sample_variant, solution_source)
from generator.kinds._options import grade, render, shuffle_options
from generator.kinds.named_filter import EDGE_KERNELS
from generator.kinds._mistakes import mistake, option_letter
from generator.model import Template, Variant
from generator.params import require_varied
from generator.render import matrix
from solutions.numpy_ref import conv2d

FORMATS = ("numbers",)
REQUIRED = ("filter", "c", "d", "H")
OPTIONAL_PARAMS: tuple[str, ...] = ()  # read when the template has them
EXTRA_KEYS: dict[str, bool] = {}
ASKS = ("output size",)  # generator/media.py: code on the same paper omits its formula
WHY = "The weights sum to 0: on a constant patch the output is 0, so only changes of intensity (edges) respond."
WRONG = ("The kernel's weights sum to 1, so on a flat patch the output copies the patch's centre pixel value.",
         "The patch is only as large as the kernel, so the filter has no room to slide and returns nothing.",
         "The negative weights are clipped to 0 before the sum, and the positive weights then cancel each other.",
         "Only the centre weight touches a constant patch; all the other weights see zero padding instead.",
         "The filter's bias is set to minus the patch's value, so the bias cancels every constant input.")
__all__ = ["answer_stub", "grade", "model_submission", "near_miss", "render", "solution_source"]


def check_template(template: Template) -> None:
    """Every filter the template can draw is one of the lecture's edge kernels."""
    param = next(p for p in template.space.params if p.name == "filter")
    unknown = [v for v in param.values if v not in EDGE_KERNELS] if param.form in ("choices", "value") else []
    if unknown:
        raise extra_error(template, "params", f"unknown edge filter {unknown[0]!r}; known: {', '.join(EDGE_KERNELS)}")


def _kernel(name: str) -> np.ndarray:
    """One of the lecture's edge-detection kernels, as on its slide (named_filter.EDGE_KERNELS)."""
    if name not in EDGE_KERNELS:
        raise ValueError(f"unknown edge filter {name!r}")
    return np.array(EDGE_KERNELS[name], dtype=float)


def _apply(patch: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """solutions.numpy_ref.conv2d, stride 1, no padding, one channel."""
    return conv2d(patch[None, None], kernel[None, None])[0, 0]


def _block_patch(rng: np.random.Generator, size: int, background: int, block: int) -> np.ndarray:
    """A size x size patch of the background value with a random rectangle of the other value."""
    patch = np.full((size, size), float(background))
    top, left = rng.integers(0, size, 2)
    height, width = rng.integers(1, size - top + 1), rng.integers(1, size - left + 1)
    patch[top:top + height, left:left + width] = block
    return patch


def _compute(template: Template, params: dict[str, Any], rng: np.random.Generator) -> tuple[dict[str, Any], Any]:
    """The flat 3x3 patch's output (0) and a block patch's output, both by solutions.numpy_ref.conv2d; shuffled
    options for why."""
    kernel, size, c, d = _kernel(params["filter"]), params["H"], params["c"], params["d"]
    if c == d or size < 4:
        raise ValueError(f"c and d must differ and H be at least 4 (got c={c}, d={d}, H={size})")
    patch = _block_patch(rng, size, c, d)
    out = _apply(patch, kernel)
    if (out != 0).all():
        raise ValueError("no window of the patch is flat")
    require_varied(out)
    flat = _apply(np.full((3, 3), float(c)), kernel)[0, 0]
    options, letter = shuffle_options(rng, WHY, WRONG)
    drawn = {**params, "kernel": exact_list(kernel), "patch": exact_list(patch), "options": options}
    return drawn, {"flat": exact_list(flat), "why": letter, "output": exact_list(out)}


def generate(template: Template, seed: int) -> Variant:
    """An edge kernel, a flat value, and a patch with a block of another value."""
    return sample_variant(template, seed, _compute)


def explain(variant: Variant) -> str:
    """The weights sum to 0; windows inside one flat region give 0, windows across an edge respond."""
    p, answer = variant.params, variant.answer
    total = " + ".join(f"({v})" for row in p["kernel"] for v in row if v)
    right = p["options"]["ABCDEFGHIJ".index(answer["why"])]
    return (f"The weights sum to ${total} = 0$, so a constant patch of {p['c']} gives ${p['c']} \\cdot 0 = "
            f"{answer['flat']}$. **{answer['why']}.** {right}\n\n"
            f"On $X$, every window that lies inside one flat region (all {p['c']} or all {p['d']}) gives 0; only "
            f"the windows across the block's edge respond:\n\n$${matrix(answer['output'])}$$\n\n"
            + explain_answer(variant))


def _sums_to_one(variant: Variant) -> dict[str, Any]:
    """The flat patch's value copied through, and the statement saying the weights sum to 1 where it is shown."""
    answer = variant.answer
    return {**answer, "flat": variant.params["c"], "why": option_letter(variant, WRONG[0]) or answer["why"]}


MISCONCEPTIONS = (
    mistake("weights taken to sum to 1", "An edge-detection kernel takes the difference between a pixel and its "
            "neighbours: its weights sum to 0, so a constant patch gives 0, unlike the identity and the blurs whose "
            "weights sum to 1.", _sums_to_one),
)
