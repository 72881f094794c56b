"""Max pooling's backward pass by hand: each window's dL/dy goes to the position of its maximum, zeros elsewhere;
where windows overlap (stride < window) a position that is the maximum of several windows gets their sum."""

from __future__ import annotations

from typing import Any

import numpy as np

from generator.kinds._common import (answer_stub, draw_image, exact_list, explain_answer, grade, image_shape,
                                     integer_array, model_submission, near_miss, no_checks as check_template, render,
                                     sample_variant, solution_source)
from generator.kinds._mistakes import mistake
from generator.model import Template, Variant
from generator.params import require_varied
from generator.render import latex_number, matrix
from solutions.numpy_ref.by_hand import max_pool_grad_by_hand, max_pool_routes

FORMATS = ("matrix",)
REQUIRED = ("H", "K", "S")
OPTIONAL_PARAMS = ("W", "x_low", "x_high", "g_low", "g_high")  # read when the template has them
EXTRA_KEYS: dict[str, bool] = {}
ASKS = ("max-pool gradient",)
__all__ = ["answer_stub", "check_template", "grade", "model_submission", "near_miss", "render", "solution_source"]


def _windows(x: np.ndarray, kernel: int, stride: int) -> list[tuple[int, int, np.ndarray]]:
    """Each window's top-left corner and its values, output entries in row-major order."""
    rows, cols = (x.shape[0] - kernel) // stride + 1, (x.shape[1] - kernel) // stride + 1
    return [(i * stride, j * stride, x[i * stride:i * stride + kernel, j * stride:j * stride + kernel])
            for i in range(rows) for j in range(cols)]


def _compute(template: Template, params: dict[str, Any], rng: np.random.Generator) -> tuple[dict[str, Any], Any]:
    """Draw x and dL/dy; draw again on a tie for a window's maximum, a zero or a trivial dL/dy, or overlapping
    windows whose maxima never coincide (then nothing adds up)."""
    kernel, stride = params["K"], params["S"]
    x = draw_image(rng, params, image_shape(params), 9)
    windows = _windows(x, kernel, stride)
    if any((window == window.max()).sum() > 1 for _, _, window in windows):
        raise ValueError("a window's maximum is tied")
    rows, cols = (x.shape[0] - kernel) // stride + 1, (x.shape[1] - kernel) // stride + 1
    dy = integer_array(rng, params.get("g_low", -3), params.get("g_high", 3), (rows, cols))
    if not dy.all():
        raise ValueError("dL/dy has a 0: that window's route would not show")
    require_varied(dy)
    routes = {tuple(r) for r in max_pool_routes(x, kernel, stride).reshape(-1, 2)}
    shared = len(routes) < dy.size
    if stride < kernel and not 1 < len(routes) < dy.size:
        raise ValueError("overlapping windows must share some maxima (gradients add up) but not all of them")
    dx = max_pool_grad_by_hand(x, dy, kernel, stride)
    if any(dx[route] == 0 for route in routes):
        raise ValueError("the gradients added at a shared maximum cancel out")
    drawn = {**params, "W": x.shape[1], "x": exact_list(x), "dy": exact_list(dy), "out_shape": [rows, cols],
             "overlapping": stride < kernel, "shared": shared}
    return drawn, exact_list(dx)


def generate(template: Template, seed: int) -> Variant:
    """An input without ties in any window, a window, a stride and an upstream gradient."""
    return sample_variant(template, seed, _compute)


def _window_line(top: int, left: int, window: np.ndarray, gradient: Any, kernel: int) -> str:
    """'- rows 1–2, columns 3–4: maximum 8 at row 2, column 3 → gets ∂L/∂y = −1'."""
    row, col = np.unravel_index(np.argmax(window), window.shape)
    return (f"- window rows {top + 1}–{top + kernel}, columns {left + 1}–{left + kernel}: maximum "
            f"{latex_number(window.max())} at row {top + row + 1}, column {left + col + 1} → gets "
            f"${latex_number(gradient)}$")


def explain(variant: Variant) -> str:
    """The routing rule, each window's maximum and where its gradient goes, sums where windows share a maximum."""
    p = variant.params
    x, kernel, stride = np.array(p["x"]), p["K"], p["S"]
    flat_dy = [g for row in p["dy"] for g in row]
    lines = [f"Max pooling passes on each {kernel}×{kernel} window's maximum (stride {stride}); the maximum's "
             "derivative is 1 for the largest input and 0 for the others, so each window's $\\partial L / \\partial "
             "y$ goes back to the position of its maximum alone, and every other input gets 0 (rows and columns "
             "from 1):", ""]
    lines += [_window_line(top, left, window, gradient, kernel)
              for (top, left, window), gradient in zip(_windows(x, kernel, stride), flat_dy)]
    routes = [tuple(r) for r in max_pool_routes(x, kernel, stride).reshape(-1, 2)]
    for route in dict.fromkeys(r for r in routes if routes.count(r) > 1):
        shares = [g for r, g in zip(routes, flat_dy) if r == route]
        added = " + ".join(f"({latex_number(g)})" if g < 0 else latex_number(g) for g in shares)
        lines += ["", f"Windows overlap: row {route[0] + 1}, column {route[1] + 1} is the maximum of "
                      f"{len(shares)} windows, so their gradients add up: ${added} = "
                      f"{latex_number(variant.answer[route[0]][route[1]])}$."]
    return "\n".join(lines + ["", f"$$\\frac{{\\partial L}}{{\\partial x}} = {matrix(variant.answer)}$$", "",
                              explain_answer(variant)])


# --- the typical mistakes ------------------------------------------------------------------------------------------

def _spread(variant: Variant) -> Any:
    """The average-pool rule: each window's gradient shared equally by its K² inputs (overlaps added)."""
    p = variant.params
    dx = np.zeros(np.shape(p["x"]))
    for (top, left, _), gradient in zip(_windows(dx, p["K"], p["S"]), (g for row in p["dy"] for g in row)):
        dx[top:top + p["K"], left:left + p["K"]] += gradient / p["K"] ** 2
    return exact_list(dx)


def _to_minimum(variant: Variant) -> Any:
    """Each window's gradient routed to its minimum (the maximum of the negated input)."""
    p = variant.params
    return exact_list(max_pool_grad_by_hand(-np.asarray(p["x"], dtype=float), np.asarray(p["dy"], dtype=float),
                                            p["K"], p["S"]))


def _overwritten(variant: Variant) -> Any:
    """dx[route] = dL/dy instead of +=: where windows share a maximum, the last window's gradient alone stays."""
    p = variant.params
    if not p["shared"]:
        return None
    dx = np.zeros(np.shape(p["x"]))
    routes = max_pool_routes(np.asarray(p["x"], dtype=float), p["K"], p["S"]).reshape(-1, 2)
    for (row, col), gradient in zip(routes, (g for line in p["dy"] for g in line)):
        dx[row, col] = gradient
    return exact_list(dx)


MISCONCEPTIONS = (
    mistake("gradient spread over the window (average-pool rule)", "Max pooling passes on only each window's "
            "maximum, so only that input changes the output: its whole ∂L/∂y goes there and the others get 0. "
            "Sharing it out as ∂L/∂y / K² is average pooling's backward pass.", _spread),
    mistake("gradient routed to the minimum", "The gradient goes to the input the forward pass kept, each "
            "window's maximum (the largest value), not its smallest.", _to_minimum),
    mistake("overlapping windows' gradients overwritten instead of added", "Where windows overlap, an input that "
            "is the maximum of several windows takes part in each of their outputs, so by the chain rule it gets "
            "the sum of their gradients (dx[r, c] += ∂L/∂y), not the last one alone.", _overwritten),
)
