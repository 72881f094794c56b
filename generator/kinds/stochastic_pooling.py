"""Stochastic pooling by hand: in each window the probabilities are the activations over their sum; the draw u
given for the window picks the first activation, in row-major order, whose cumulative probability exceeds u."""

from __future__ import annotations

from typing import Any

import numpy as np

from generator.kinds._common import (answer_stub, draw_image, exact_list, explain_answer, grade, image_shape,
                                     model_submission, near_miss, no_checks as check_template, render, sample_variant,
                                     solution_source)
from generator.kinds._mistakes import mistake
from generator.model import Template, Variant
from generator.params import require_varied
from generator.render import matrix
from generator.rounding import asked_places, rounded_rows
from solutions.numpy_ref import max_pool2d
from solutions.numpy_ref.stochastic import pick, pool_windows, window_probabilities

FORMATS = ("numbers", "matrix")
REQUIRED = ("H", "K", "S")
OPTIONAL_PARAMS = ("W", "x_low", "x_high")  # read when the template has them
EXTRA_KEYS: dict[str, bool] = {}
ASKS = ("output size",)  # generator/media.py: code on the same paper omits its formula
MARGIN = 0.02  # every cumulative probability is this far from its window's u: rounding to 2 places never flips a pick
__all__ = ["answer_stub", "check_template", "grade", "model_submission", "near_miss", "render", "solution_source"]


def _pool(windows: np.ndarray, draws: np.ndarray) -> np.ndarray:
    """solutions.numpy_ref.stochastic.stochastic_pool2d on one image's windows (pool_windows' [0, 0])."""
    return pick(windows[None, None], draws[None, None])[0, 0]


def _checked_pool(image: np.ndarray, params: dict[str, Any], windows: np.ndarray, draws: np.ndarray,
                  probabilities: np.ndarray) -> np.ndarray:
    """The pooled image, or a ValueError: draws a student could misread (most fail here), or another rule's answer."""
    shares = np.cumsum(probabilities, axis=-1)
    if (np.abs(shares - draws[..., None]) < MARGIN).any():
        raise ValueError("a draw lies too close to a cumulative probability")
    pooled = _pool(windows, draws)
    if (pooled == max_pool2d(image[None, None], params["K"], params["S"])[0, 0]).all():
        raise ValueError("every window picks its maximum, as max pooling would")
    if (pooled == _pool(pool_windows(image.T[None, None], params["K"], params["S"])[0, 0], draws.T).T).all():
        raise ValueError("column-major order picks the same values")
    require_varied(pooled)
    return pooled


def _compute(template: Template, params: dict[str, Any], rng: np.random.Generator) -> tuple[dict[str, Any], Any]:
    """Draw a non-negative image and one u (2 decimals) per window; pool it; pick the window whose probabilities
    are asked (one with at least three non-zero activations). The windows are cut once per image."""
    image = draw_image(rng, params, image_shape(params), 5)
    windows = pool_windows(image[None, None], params["K"], params["S"])[0, 0]
    draws = rng.integers(0, 100, windows.shape[:2]) / 100
    probabilities = window_probabilities(windows)  # rejects an all-zero window, as stochastic_pool2d does
    pooled = _checked_pool(image, params, windows, draws, probabilities)
    rich = np.argwhere((windows > 0).sum(axis=-1) >= 3)
    if not len(rich):
        raise ValueError("no window has three non-zero activations")
    row, col = (int(v) for v in rich[rng.integers(len(rich))])
    shares = probabilities[row, col]
    probabilities = exact_list(shares.reshape(params["K"], params["K"]))
    drawn = {**params, "W": image.shape[1], "image": exact_list(image), "draws": exact_list(draws),
             "out_shape": list(pooled.shape), "window_row": row, "window_col": col,
             "overlapping": params["S"] < params["K"]}
    if template.answer_format == "matrix":
        return drawn, exact_list(pooled)
    return drawn, {"probabilities": probabilities, "pooled": exact_list(pooled)}


def generate(template: Template, seed: int) -> Variant:
    """An image, a window, a stride and the draws."""
    return sample_variant(template, seed, _compute)


def _window_line(windows: np.ndarray, draws: list[list[float]], pooled: list[list[int]], row: int, col: int) -> str:
    """'- window (0, 1): 1, 2, 3, 0 (sum 6); cumulative 0.17, 0.5, 1, 1; u = 0.3 -> 2' (rows, columns from 0)."""
    values = windows[row, col]
    cumulative = np.cumsum(values) / values.sum()
    return (f"- window ({row}, {col}): {', '.join(f'{v:g}' for v in values)} (sum {values.sum():g}); "
            f"cumulative {', '.join(f'{c:.2f}' for c in cumulative)}; $u = {draws[row][col]:g}$ → "
            f"**{pooled[row][col]}**")


def explain(variant: Variant) -> str:
    """Window by window: activations in row-major order, cumulative probabilities, the draw and the pick."""
    p = variant.params
    image = np.array(p["image"], dtype=float)
    windows = pool_windows(image[None, None], p["K"], p["S"])[0, 0]
    pooled = variant.answer["pooled"] if isinstance(variant.answer, dict) else variant.answer
    rows, cols = p["out_shape"]
    lines = [f"Each {p['K']}×{p['K']} window (stride {p['S']}) read row by row; probability = activation / "
             "window sum; the pick is the first activation whose cumulative probability exceeds $u$. Window "
             "(row, column) counts from 0, like the output's rows and columns:", ""]
    lines += [_window_line(windows, p["draws"], pooled, r, c) for r in range(rows) for c in range(cols)]
    if isinstance(variant.answer, dict):
        lines += ["", f"Window ({p['window_row']}, {p['window_col']})'s probabilities: "
                      f"$${matrix(rounded_rows(variant.answer['probabilities'], asked_places(variant)))}$$"]
    return "\n".join(lines + ["", f"$${matrix(pooled)}$$", "", explain_answer(variant)])


def _windows(variant: Variant, transposed: bool = False) -> np.ndarray:
    """The variant's windows, row-major within each (column-major when read from the transposed image)."""
    p = variant.params
    image = np.array(p["image"], dtype=float)
    windows = pool_windows((image.T if transposed else image)[None, None], p["K"], p["S"])[0, 0]
    return windows.transpose(1, 0, 2) if transposed else windows


def _with_pooled(variant: Variant, pooled: np.ndarray, probabilities: list[Any] | None = None) -> Any:
    """The answer with a mistaken pooled map (and probabilities), in the variant's format."""
    if not isinstance(variant.answer, dict):
        return exact_list(pooled)
    return {"probabilities": probabilities or variant.answer["probabilities"], "pooled": exact_list(pooled)}


def _not_normalised(variant: Variant) -> Any:
    """Activations used as probabilities: the window's own values, and the first non-zero one picked (its running
    sum is at least 1, more than any u)."""
    p, windows = variant.params, _windows(variant)
    first = np.argmax(windows > 0, axis=-1)
    pooled = np.take_along_axis(windows, first[..., None], axis=-1)[..., 0]
    raw = exact_list(windows[p["window_row"], p["window_col"]].reshape(p["K"], p["K"]))
    return _with_pooled(variant, pooled, raw)


def _column_major(variant: Variant) -> Any:
    """Each window read column by column."""
    return _with_pooled(variant, _pool(_windows(variant, transposed=True), np.array(variant.params["draws"])))


def _maximum(variant: Variant) -> Any:
    """Each window's maximum, as max pooling would."""
    return _with_pooled(variant, _windows(variant).max(axis=-1))


MISCONCEPTIONS = (
    mistake("probabilities not normalised", "Stochastic pooling samples each activation with probability "
            "activation / window sum; without the division the values do not sum to 1 and the first non-zero "
            "activation always wins.", _not_normalised),
    mistake("window read column by column", "The cumulative probabilities follow the window row by row (left to right, "
            "then top to bottom), as the question states; reading it column by column picks other activations.",
            _column_major),
    mistake("maximum taken instead of a sample", "Stochastic pooling samples one activation per window with the "
            "given draw u instead of taking the maximum (max pooling) or the mean (average pooling).", _maximum),
)
