"""A conv layer's backward pass by hand: dL/dw (and, as the template asks, dL/dx and dL/db) of one channel, stride 1,
no padding, from a small integer input, kernel and upstream gradient dL/dy."""

from __future__ import annotations

from typing import Any

import numpy as np

from generator.kinds._common import (answer_stub, exact_list, explain_answer, extra_error, grade, image_shape,
                                     integer_array, model_submission, near_miss, render, sample_variant,
                                     solution_source)
from generator.kinds._mistakes import KERNEL_FLIPPED, mistake
from generator.model import Template, Variant
from generator.params import require_varied
from generator.render import latex_number, matrix
from solutions.numpy_ref.by_hand import (conv_bias_grad_by_hand, conv_input_grad_by_hand, conv_weight_grad_by_hand,
                                         cross_correlate_valid)

FORMATS = ("numbers", "matrix")  # numbers: a dict of the template's `parts`; matrix: dL/dw alone
REQUIRED = ("H", "K")
OPTIONAL_PARAMS = ("W", "x_low", "x_high", "w_low", "w_high", "g_low", "g_high")  # read when the template has them
EXTRA_KEYS = {"parts": False}  # which gradients the numbers format asks, in any order: dw, dx, db (default all)
ASKS = ("conv gradients",)
PARTS = ("dw", "dx", "db")
__all__ = ["answer_stub", "grade", "model_submission", "near_miss", "render", "solution_source"]


def check_template(template: Template) -> None:
    """`parts` is a non-empty list of distinct gradients among dw, dx and db; the matrix format asks dw alone."""
    if "parts" not in template.extra:
        return
    parts = template.extra["parts"]
    if template.answer_format == "matrix":
        raise extra_error(template, "parts", "the matrix format asks dL/dw alone: leave `parts` out, or use the "
                                             "numbers format")
    if not isinstance(parts, list) or not parts or not all(isinstance(p, str) and p in PARTS for p in parts) or \
            len(set(parts)) != len(parts):
        raise extra_error(template, "parts", f"must be a non-empty list of distinct names among {', '.join(PARTS)}, "
                                             f"got {parts!r}")


def _asked(template: Template) -> list[str]:
    """The gradients asked, in the order dw, dx, db."""
    if template.answer_format == "matrix":
        return ["dw"]
    listed = template.extra.get("parts", list(PARTS))
    return [part for part in PARTS if part in listed]


def _gradients(x: Any, w: Any, dy: Any) -> dict[str, Any]:
    """Every gradient from solutions.numpy_ref.by_hand, as exact lists (the bias's as one number)."""
    x, w, dy = (np.asarray(a, dtype=float) for a in (x, w, dy))
    return {"dw": exact_list(conv_weight_grad_by_hand(x, dy)), "dx": exact_list(conv_input_grad_by_hand(w, dy)),
            "db": exact_list(np.array(conv_bias_grad_by_hand(dy)))}


def _shaped(answer_format: str, parts: list[str], gradients: dict[str, Any]) -> Any:
    """The gradients asked, in the answer's structure: dL/dw's matrix alone, or a dict of the parts."""
    return gradients["dw"] if answer_format == "matrix" else {part: gradients[part] for part in parts}


def _compute(template: Template, params: dict[str, Any], rng: np.random.Generator) -> tuple[dict[str, Any], Any]:
    """Draw x, w and dL/dy; a draw whose asked gradient is trivial (mostly one value, dL/db = 0) is drawn again."""
    height, width = image_shape(params)
    kernel = params["K"]
    if kernel > min(height, width):
        raise ValueError(f"a {kernel}×{kernel} kernel does not fit a {height}×{width} input")
    x = integer_array(rng, params.get("x_low", 0), params.get("x_high", 3), (height, width))
    w = integer_array(rng, params.get("w_low", -2), params.get("w_high", 2), (kernel, kernel))
    dy = integer_array(rng, params.get("g_low", -2), params.get("g_high", 2), (height - kernel + 1, width - kernel + 1))
    require_varied(w)
    require_varied(dy)
    drawn = {**params, "W": width, "x": exact_list(x), "w": exact_list(w), "dy": exact_list(dy),
             "y": exact_list(cross_correlate_valid(x, w)), "parts": _asked(template)}
    gradients = _gradients(x, w, dy)
    for part in drawn["parts"]:
        if part == "db" and gradients["db"] == 0:
            raise ValueError("dL/db is 0")
        if part != "db":
            require_varied(gradients[part])
    return drawn, _shaped(template.answer_format, drawn["parts"], gradients)


def generate(template: Template, seed: int) -> Variant:
    """An input, a kernel and an upstream gradient of small integers."""
    return sample_variant(template, seed, _compute)


# --- the worked solution: every entry as its sum of products -------------------------------------------------------

def _factor(value: Any) -> str:
    """A number inside a product: negatives in parentheses."""
    text = latex_number(value)
    return f"({text})" if text.startswith("-") else text


def _at(name: str, row: int, col: int) -> str:
    """An entry's symbol, indices from 1 as on paper: 'x_{2{,}3}' (a braced comma: no bare comma in math)."""
    return f"{name}_{{{row + 1}{{,}}{col + 1}}}"


def _entry(name: str, symbols: list[str], values: list[str], total: Any) -> str:
    """'- $\\partial L / \\partial w_{1{,}1} = x_{1{,}1} g_{1{,}1} + ... = 1 \\cdot 2 + ... = 5$'."""
    return f"- $\\partial L / \\partial {name} = {' + '.join(symbols)} = {' + '.join(values)} = {latex_number(total)}$"


def _weight_lines(x: list[list[Any]], dy: list[list[Any]], dw: list[list[Any]]) -> list[str]:
    """dL/dw_ij = sum over outputs (a, b) of g_ab x_(i+a)(j+b), one line per weight (indices from 1)."""
    lines = []
    for i, j in np.ndindex(np.shape(dw)):
        terms = [(f"{_at('x', i + a, j + b)} {_at('g', a, b)}",
                  f"{_factor(x[i + a][j + b])} \\cdot {_factor(dy[a][b])}") for a, b in np.ndindex(np.shape(dy))]
        lines.append(_entry(_at("w", i, j), *map(list, zip(*terms)), dw[i][j]))
    return lines


def _input_lines(w: list[list[Any]], dy: list[list[Any]], dx: list[list[Any]]) -> list[str]:
    """dL/dx_ij = sum of g_ab w_(i-a)(j-b) over the outputs whose window covers x_ij, one line per input pixel."""
    kernel, lines = len(w), []
    for i, j in np.ndindex(np.shape(dx)):
        terms = [(f"{_at('g', a, b)} {_at('w', i - a, j - b)}",
                  f"{_factor(dy[a][b])} \\cdot {_factor(w[i - a][j - b])}") for a, b in np.ndindex(np.shape(dy))
                 if 0 <= i - a < kernel and 0 <= j - b < kernel]
        lines.append(_entry(_at("x", i, j), *map(list, zip(*terms)), dx[i][j]))
    return lines


def explain(variant: Variant) -> str:
    """The chain rule per gradient, then every entry as its sum of products with the variant's numbers."""
    p = variant.params
    gradients = _gradients(p["x"], p["w"], p["dy"])
    lines = [f"Write $g = \\partial L / \\partial y$. The forward pass is $y_{{a,b}} = \\sum_{{i,j}} "
             f"w_{{i,j}} x_{{a+i-1,b+j-1}} + b$ (rows and columns from 1), so by the chain rule each gradient adds "
             f"up the contributions of every output $y_{{a,b}}$ it took part in."]
    if "dw" in p["parts"]:
        lines += ["", "**$\\partial L / \\partial w$**: the weights are shared, so one weight takes part in every "
                  "output, once per window position: $\\partial L / \\partial w_{i,j} = \\sum_{a,b} g_{a,b} "
                  "x_{a+i-1,b+j-1}$, the input cross-correlated with $g$ (slid without flipping). The gradients "
                  f"of the {len(p['dy']) * len(p['dy'][0])} positions are added (the lecture says averaged: "
                  "the mean would divide the sum by their number, a constant the learning rate absorbs; autograd "
                  "and the chain rule give the sum).", "", *_weight_lines(p["x"], p["dy"], gradients["dw"]),
                  "", f"$$\\frac{{\\partial L}}{{\\partial w}} = {matrix(gradients['dw'])}$$"]
    if "dx" in p["parts"]:
        lines += ["", "**$\\partial L / \\partial x$**: input pixel $x_{i,j}$ reaches output $y_{a,b}$ through "
                  "the weight $w_{i-a+1,j-b+1}$ wherever that weight exists: $\\partial L / \\partial x_{i,j} = "
                  "\\sum_{a,b} g_{a,b} w_{i-a+1,j-b+1}$, a full convolution of $g$ with the kernel (the kernel "
                  "flipped, $g$ zero-padded by $K - 1$). Corner pixels lie in one window, the centre in all.", "",
                  *_input_lines(p["w"], p["dy"], gradients["dx"]),
                  "", f"$$\\frac{{\\partial L}}{{\\partial x}} = {matrix(gradients['dx'])}$$"]
    if "db" in p["parts"]:
        symbols = [_at("g", a, b) for a, b in np.ndindex(np.shape(p["dy"]))]
        values = [_factor(v) for row in p["dy"] for v in row]
        lines += ["", "**$\\partial L / \\partial b$**: the bias is added to every output, so it collects every "
                  "$g_{a,b}$ once:", "", _entry("b", symbols, values, gradients["db"])]
    return "\n".join(lines + ["", explain_answer(variant)])


# --- the typical mistakes ------------------------------------------------------------------------------------------

def _bent(variant: Variant, **gradients: Any) -> Any:
    """The answer with some gradients replaced by a mistake's; None when the mistake touches no part asked."""
    p = variant.params
    if not set(gradients) & set(p["parts"]):
        return None
    return _shaped(variant.answer_format, p["parts"], {**_gradients(p["x"], p["w"], p["dy"]), **gradients})


def _output_for_gradient(variant: Variant) -> Any:
    """Every gradient computed from the forward output y where dL/dy belongs."""
    p = variant.params
    return _bent(variant, **_gradients(p["x"], p["w"], p["y"]))


def _weight_grad_flipped(variant: Variant) -> Any:
    """dL/dw as a true convolution: x cross-correlated with g turned by 180 degrees."""
    p = variant.params
    dy = np.asarray(p["dy"], dtype=float)
    return _bent(variant, dw=exact_list(conv_weight_grad_by_hand(np.asarray(p["x"], dtype=float), dy[::-1, ::-1])))


def _input_grad_unflipped(variant: Variant) -> Any:
    """dL/dx with the kernel as it lies: the zero-padded g cross-correlated with w, not with w turned."""
    p = variant.params
    w = np.asarray(p["w"], dtype=float)
    return _bent(variant, dx=exact_list(conv_input_grad_by_hand(w[::-1, ::-1], np.asarray(p["dy"], dtype=float))))


def _averaged(variant: Variant) -> Any:
    """The shared weights' and bias's gradients divided by the number of output positions."""
    p = variant.params
    gradients, positions = _gradients(p["x"], p["w"], p["dy"]), np.size(p["dy"])
    return _bent(variant, dw=exact_list(np.asarray(gradients["dw"]) / positions),
                 db=exact_list(np.asarray(gradients["db"]) / positions))


MISCONCEPTIONS = (
    mistake("forward output y used instead of dL/dy", "Backpropagation multiplies by the gradient that arrives "
            "from above, ∂L/∂y, not by the layer's output y: ∂L/∂w slides ∂L/∂y over the input x, and y "
            "appears nowhere in it.",
            _output_for_gradient),
    mistake("kernel flipped in dL/dw", f"{KERNEL_FLIPPED} The same holds backwards: ∂L/∂w slides ∂L/∂y over the "
            "input without turning it, since weight (i, j) met input (a + i, b + j) at output (a, b).",
            _weight_grad_flipped),
    mistake("kernel not flipped in dL/dx", "Input (i, j) reaches output (a, b) through weight (i − a, j − b): going "
            "backwards, ∂L/∂y meets the kernel turned by 180° (a full convolution), so the forward pass's "
            "unflipped kernel puts the weights on the wrong pixels.", _input_grad_unflipped),
    mistake("gradients averaged over positions instead of added", "A shared weight (and the bias) takes part in "
            "every output, and the chain rule adds those contributions: ∂L/∂w is their sum, not their mean (the "
            "lecture's 'averaged' differs by a constant factor that the learning rate absorbs; autograd sums).",
            _averaged),
)
