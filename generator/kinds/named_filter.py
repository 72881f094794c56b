"""The named filters (identity, edge detection, sharpen, box blur, Gaussian blur): compute the output on a small
image (answer format `matrix`), or identify which filter produced a given output (format `choice`, options
shuffled per variant)."""

from __future__ import annotations

from typing import Any

import numpy as np

from generator.kinds._common import (answer_stub, draw_image, explain_answer, exact_list, extra_error, grade,
                                     model_submission, near_miss, options_markdown, sample_variant,
                                     solution_source)
from generator.model import Template, Variant
from generator.render import matrix
from solutions.numpy_ref import conv2d

FORMATS = ("matrix", "choice")
REQUIRED = ("filter", "H")
EXTRA_KEYS: dict[str, bool] = {}
FILTERS: dict[str, tuple[str, list[list[int]], int]] = {  # name: (display name, integer kernel, divisor)
    "identity": ("identity", [[0, 0, 0], [0, 1, 0], [0, 0, 0]], 1),
    "edge": ("edge detection", [[-1, -1, -1], [-1, 8, -1], [-1, -1, -1]], 1),
    "sharpen": ("sharpen", [[0, -1, 0], [-1, 5, -1], [0, -1, 0]], 1),
    "box_blur": ("box blur", [[1, 1, 1], [1, 1, 1], [1, 1, 1]], 9),
    "gaussian_blur": ("Gaussian blur", [[1, 2, 1], [2, 4, 2], [1, 2, 1]], 16),
}
PURPOSE = {
    "identity": "copies the centre pixel", "edge": "sums to 0, so flat regions become 0 and edges stand out",
    "sharpen": "is the identity plus an edge filter: it sums to 1 and boosts the centre against its neighbours",
    "box_blur": "takes the plain mean of the 3×3 neighbourhood",
    "gaussian_blur": "takes a weighted mean, centre heaviest",
}
__all__ = ["answer_stub", "grade", "model_submission", "near_miss", "solution_source"]


def check_template(template: Template) -> None:
    """Every filter the template can draw must be one we know."""
    param = next(p for p in template.space.params if p.name == "filter")
    unknown = [v for v in param.values if v not in FILTERS] if param.form in ("choices", "value") else []
    if unknown:
        raise extra_error(template, "params", f"unknown filter {unknown[0]!r}; known: {', '.join(FILTERS)}")


BANK = np.array([np.array(k, float) / d for _, k, d in FILTERS.values()])[:, None]  # (5, 1, 3, 3), one conv for all


def kernel_latex(name: str) -> str:
    """The kernel as LaTeX, with its divisor in front: \\frac{1}{9} [[1, 1, 1], ...]."""
    _, kernel, divisor = FILTERS[name]
    return (f"\\frac{{1}}{{{divisor}}} " if divisor != 1 else "") + matrix(kernel)


def _apply_all(image: np.ndarray, padding: int) -> dict[str, list[Any]]:
    """Every named filter on one image, in one solutions.numpy_ref.conv2d call."""
    outputs = conv2d(image[None, None], BANK, padding=padding)[0]
    return {name: exact_list(output) for name, output in zip(FILTERS, outputs)}


def _compute(template: Template, params: dict[str, Any], rng: np.random.Generator) -> tuple[dict[str, Any], Any]:
    """Draw an image on which all five filters give different outputs; answer the output or the letter."""
    name, padding = params["filter"], params.get("P", 0)
    if name not in FILTERS:
        raise ValueError(f"unknown filter {name!r}")
    image = draw_image(rng, {**params, "W": params["H"]}, 9)
    outputs = _apply_all(image, padding)
    if len({repr(v) for v in outputs.values()}) < len(FILTERS):
        raise ValueError("two filters give the same output on this image")
    drawn = {**params, "P": padding, "image": exact_list(image), "kernel": kernel_latex(name),
             "filter_name": FILTERS[name][0], "output": outputs[name]}
    if template.answer_format == "matrix":
        return drawn, outputs[name]
    order = [list(FILTERS)[i] for i in rng.permutation(len(FILTERS))]
    drawn["options"] = [FILTERS[key][0] for key in order]
    return drawn, "ABCDE"[order.index(name)]


def generate(template: Template, seed: int) -> Variant:
    """A filter and an image (and shuffled options for the identify version)."""
    return sample_variant(template, seed, _compute)


def render(variant: Variant) -> str:
    """The prompt, plus the lettered options when identifying."""
    if variant.answer_format != "choice":
        return variant.prompt
    return f"{variant.prompt}\n\n{options_markdown(variant.params['options'])}"


def explain(variant: Variant) -> str:
    """The filter's kernel and what it does."""
    p = variant.params
    return (f"The filter is **{p['filter_name']}**, $${p['kernel']}$$ which {PURPOSE[p['filter']]}. "
            f"With padding {p['P']} the output is $${matrix(p['output'])}$$\n\n" + explain_answer(variant))
