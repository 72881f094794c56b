"""The lecture's named filters (identity, edge detection, sharpen, box blur, Gaussian blur): compute the output on a
small image (answer format `matrix`), or identify which of the five shown kernels produced a given output (format
`choice`, options shuffled per variant). Edge detection uses one of the lecture's three edge kernels (param `edge`).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from generator.kinds._common import (answer_stub, draw_image, explain_answer, exact_list, extra_error, grade,
                                     model_submission, near_miss, options_markdown, sample_variant,
                                     solution_source)
from generator.kinds._mistakes import mistake, option_letter
from generator.model import Template, Variant
from generator.params import require_varied
from generator.render import matrix
from generator.rounding import asked_places, rounded_rows, rounding_phrase
from solutions.numpy_ref import conv2d

FORMATS = ("matrix", "choice")
REQUIRED = ("filter", "H")
OPTIONAL_PARAMS = ("P", "edge", "x_low", "x_high")  # read when the template has them
EXTRA_KEYS: dict[str, bool] = {}
Filter = tuple[str, list[list[int]], int]  # (display name, integer kernel, divisor)
EDGE_KERNELS: dict[str, list[list[int]]] = {  # the lecture's three edge-detection kernels, as on its slide
    "diagonal": [[1, 0, -1], [0, 0, 0], [-1, 0, 1]],
    "4-neighbour": [[0, 1, 0], [1, -4, 1], [0, 1, 0]],
    "8-neighbour": [[-1, -1, -1], [-1, 8, -1], [-1, -1, -1]],
}
DEFAULT_EDGE = "8-neighbour"
FILTERS: dict[str, Filter] = {  # "edge" holds the default edge kernel; a variant's `edge` parameter picks its own
    "identity": ("identity", [[0, 0, 0], [0, 1, 0], [0, 0, 0]], 1),
    "edge": ("edge detection", EDGE_KERNELS[DEFAULT_EDGE], 1),
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


def _drawable(template: Template, name: str) -> list[Any]:
    """The values a fixed or choices parameter can take (nothing to check for ranges and expressions)."""
    param = next((p for p in template.space.params if p.name == name), None)
    return list(param.values) if param is not None and param.form in ("choices", "value") else []


def check_template(template: Template) -> None:
    """Every filter and edge kernel the template can draw must be one we know."""
    for name, known in (("filter", FILTERS), ("edge", EDGE_KERNELS)):
        unknown = [v for v in _drawable(template, name) if v not in known]
        if unknown:
            raise extra_error(template, "params", f"unknown {name} {unknown[0]!r}; known: {', '.join(known)}")


def filters(edge: str) -> dict[str, Filter]:
    """The five filters of a variant, edge detection being the lecture's `edge` kernel."""
    if edge not in EDGE_KERNELS:
        raise ValueError(f"unknown edge kernel {edge!r}; known: {', '.join(EDGE_KERNELS)}")
    return {**FILTERS, "edge": (FILTERS["edge"][0], EDGE_KERNELS[edge], 1)}


def kernel_latex(kernel: Filter) -> str:
    """The kernel as LaTeX, with its divisor in front: \\frac{1}{9} [[1, 1, 1], ...]."""
    _, rows, divisor = kernel
    return (f"\\frac{{1}}{{{divisor}}} " if divisor != 1 else "") + matrix(rows)


def _apply_all(image: np.ndarray, padding: int, bank: dict[str, Filter]) -> dict[str, list[Any]]:
    """Every filter of the bank on one image, in one solutions.numpy_ref.conv2d call."""
    weights = np.array([np.array(rows, float) / divisor for _, rows, divisor in bank.values()])[:, None]
    outputs = conv2d(image[None, None], weights, padding=padding)[0]
    return {name: exact_list(output) for name, output in zip(bank, outputs)}


def _compute(template: Template, params: dict[str, Any], rng: np.random.Generator) -> tuple[dict[str, Any], Any]:
    """An image on which the five filters differ and the asked one's output is not trivial; its output or letter."""
    name, padding, edge = params["filter"], params.get("P", 0), params.get("edge", DEFAULT_EDGE)
    if name not in FILTERS:
        raise ValueError(f"unknown filter {name!r}")
    bank = filters(edge)
    image = draw_image(rng, params, (params["H"], params["H"]), 9)  # square: W is not read
    outputs = _apply_all(image, padding, bank)
    if len({repr(v) for v in outputs.values()}) < len(bank):
        raise ValueError("two filters give the same output on this image")
    require_varied(outputs[name])
    drawn = {**params, "P": padding, "edge": edge, "image": exact_list(image), "kernel": kernel_latex(bank[name]),
             "filter_name": bank[name][0], "output": outputs[name]}
    if template.answer_format == "matrix":
        return drawn, outputs[name]
    order = [list(bank)[i] for i in rng.permutation(len(bank))]
    drawn["options"] = [bank[key][0] for key in order]
    drawn["option_kernels"] = [kernel_latex(bank[key]) for key in order]
    return drawn, "ABCDE"[order.index(name)]


def generate(template: Template, seed: int) -> Variant:
    """A filter and an image (and shuffled options for the identify version)."""
    return sample_variant(template, seed, _compute)


def render(variant: Variant) -> str:
    """The prompt, plus, when identifying, the lettered options, each with its kernel."""
    if variant.answer_format != "choice":
        return variant.prompt
    p = variant.params
    shown = [f"{name}, $w = {kernel}$" for name, kernel in zip(p["options"], p["option_kernels"])]
    return f"{variant.prompt}\n\n{options_markdown(shown)}"


def render_for(variant: Variant, medium: str) -> str:
    """On paper the options are a table, a kernel per cell set as display math, so tall matrices never collide."""
    if medium != "paper" or variant.answer_format != "choice":
        return render(variant)
    p = variant.params
    letters = "ABCDEFGHIJ"[:len(p["options"])]
    cells = [f"{name} $$w = {kernel}$$" for name, kernel in zip(p["options"], p["option_kernels"])]
    return (f"{variant.prompt}\n\n| {' | '.join(letters)} |\n"
            f"|{'---|' * len(letters)}\n| {' | '.join(cells)} |")


def asks(variant: Variant) -> tuple[str, ...]:
    """Computing a filter's output asks for its size (generator/media.py); identifying the filter does not."""
    return ("output size",) if variant.answer_format == "matrix" else ()


def explain(variant: Variant) -> str:
    """The filter's kernel and what it does."""
    p = variant.params
    padding = f"zero padding $P = {p['P']}$" if p["P"] else "no padding"
    places = asked_places(variant)
    output = f"the output{rounding_phrase(p['output'], places)} is $${matrix(rounded_rows(p['output'], places))}$$"
    return (f"The filter is **{p['filter_name']}**, $${p['kernel']}$$ which {PURPOSE[p['filter']]}. "
            f"With {padding} {output}\n\n" + explain_answer(variant))


def _scale_dropped(variant: Variant) -> list[Any] | None:
    """The blur's integer kernel applied without its 1/9 or 1/16 (other filters have no scale to drop)."""
    p = variant.params
    if variant.answer_format == "choice" or FILTERS[p["filter"]][2] == 1:
        return None
    rows = np.array(FILTERS[p["filter"]][1], dtype=float)
    return exact_list(conv2d(np.array(p["image"], dtype=float)[None, None], rows[None, None], padding=p["P"])[0, 0])


def _blurs_confused(variant: Variant) -> str | None:
    """The other blur's letter, when a blur was applied."""
    other = {"box_blur": "gaussian_blur", "gaussian_blur": "box_blur"}.get(variant.params["filter"])
    return option_letter(variant, FILTERS[other][0]) if other and variant.answer_format == "choice" else None


MISCONCEPTIONS = (
    mistake("the kernel's scale dropped", "The box blur is 1/9 and the Gaussian blur 1/16 "
            "times its integer matrix: the weights sum to 1, so a flat region keeps its value instead of growing 9 "
            "or 16 times.", _scale_dropped),
    mistake("box and Gaussian blur confused", "Both blurs average the 3×3 neighbourhood, but the box blur weighs "
            "every pixel alike (1/9) while the Gaussian blur weighs the centre most (4/16), then its neighbours.",
            _blurs_confused),
)
