"""Translation equivariance by hand: shift a 1D conv's input by k places and the output shifts by k (stride 1),
except at the border, where the zeros that came in change it; a global max pool barely notices the shift."""

from __future__ import annotations

from typing import Any

import numpy as np

from generator.kinds._common import (answer_stub, exact_list, explain_answer, grade, integer_array,
                                     model_submission, near_miss, render, require_in_prompt, sample_variant,
                                     solution_source)
from generator.kinds._mistakes import KERNEL_FLIPPED, mistake
from generator.model import Template, Variant
from generator.params import require_varied
from generator.render import plural
from solutions.numpy_ref import conv1d
from solutions.translation import shift

FORMATS = ("numbers",)
REQUIRED = ("L", "K", "shift")
OPTIONAL_PARAMS = ("x_low", "x_high", "w_low", "w_high")  # read when the template has them
EXTRA_KEYS: dict[str, bool] = {}
__all__ = ["answer_stub", "grade", "model_submission", "near_miss", "render", "solution_source"]


def check_template(template: Template) -> None:
    """The prompt states the shift (its direction and size)."""
    require_in_prompt(template, "shift", "the student needs to know how far and which way the input moves")


def _conv(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """solutions.numpy_ref.conv1d, stride 1, no padding, one channel."""
    return conv1d(x[None, None], w[None, None])[0, 0]


def _compute(template: Template, params: dict[str, Any], rng: np.random.Generator) -> tuple[dict[str, Any], Any]:
    """Draw x and w; y = conv(x, w) is given; the answer is conv(shift(x), w) and its global max."""
    offset = params["shift"]
    x = integer_array(rng, params.get("x_low", 0), params.get("x_high", 5), (params["L"],))
    w = integer_array(rng, params.get("w_low", -2), params.get("w_high", 2), (params["K"],))
    if offset == 0 or not len(x) > params["K"] + abs(offset):
        raise ValueError(f"the shift must be non-zero and the signal longer than K + |shift| (shift={offset})")
    moved = _conv(shift(x, offset), w)
    border = moved[:offset] if offset > 0 else moved[offset:]
    y = _conv(x, w) if border.all() else None  # most draws fail at the border: y only for those that pass
    if y is None or np.array_equal(moved, y):
        raise ValueError("an output at the border is 0 (nothing to compute there), or nothing changed")
    require_varied(moved)
    drawn = {**params, "x": exact_list(x), "w": exact_list(w), "y": exact_list(y),
             "x_shifted": exact_list(shift(x, offset)), "k": abs(offset),
             "direction": "right" if offset > 0 else "left"}
    return drawn, {"output": exact_list(moved), "global_max": exact_list(moved.max())}


def generate(template: Template, seed: int) -> Variant:
    """A signal, a kernel and a shift."""
    return sample_variant(template, seed, _compute)


def explain(variant: Variant) -> str:
    """Away from the border y' is y moved by k; the k border outputs see the zeros that came in."""
    p, answer = variant.params, variant.answer
    k, out, w = p["k"], answer["output"], p["w"]
    border = range(k) if p["shift"] > 0 else range(len(out) - k, len(out))
    end = "first" if p["shift"] > 0 else "last"
    outputs = f"the {end} output sees" if k == 1 else f"the {end} {k} outputs see"
    lines = [f"Shifted input $x' = [{', '.join(map(str, p['x_shifted']))}]$. With stride 1, "
             f"$y'_i = \\sum_m w_m x'_{{i + m}}$, so every output whose window lies inside the moved signal is "
             f"$y$ moved {plural(k, 'place')} to the {p['direction']} (equivariance). Only {outputs} "
             "the zeros that came in:", ""]
    for i in border:
        window = p["x_shifted"][i:i + len(w)]
        terms = " + ".join(f"({a})({b})" for a, b in zip(w, window))
        lines.append(f"- $y'_{{{i}}} = {terms} = {out[i]}$")
    top, before = answer["global_max"], max(p["y"])
    why = ("it does not care where the largest response is (invariance)" if top == before else
           "a larger response came in at the border" if top > before else
           "the largest response was pushed out of the frame")
    verdict = "the same as" if top == before else "not"
    lines += ["", f"Global max pooling gives {top}, {verdict} $\\max y = {before}$: {why}. Pooling makes the output "
                  "invariant to shifts only approximately, away from the borders.", "", explain_answer(variant)]
    return "\n".join(lines)


def _with_output(output: np.ndarray) -> dict[str, Any]:
    """A mistaken output and its global max."""
    return {"output": exact_list(output), "global_max": exact_list(output.max())}


def _unchanged(variant: Variant) -> dict[str, Any]:
    """The output taken to stay y, as if convolution were translation invariant."""
    return _with_output(np.array(variant.params["y"], dtype=float))


def _shifted_with_zeros(variant: Variant) -> dict[str, Any]:
    """y moved by the shift with zeros coming in: equivariance assumed at the border too."""
    return _with_output(shift(np.array(variant.params["y"], dtype=float), variant.params["shift"]))


def _flipped(variant: Variant) -> dict[str, Any]:
    """The shifted input convolved with the kernel reversed."""
    p = variant.params
    return _with_output(_conv(np.array(p["x_shifted"], dtype=float), np.array(p["w"], dtype=float)[::-1]))


MISCONCEPTIONS = (
    mistake("invariance taken for equivariance", "Convolution is translation equivariant, not invariant: shifting the "
            "input shifts the output by the same amount; only pooling and global summaries buy some invariance.",
            _unchanged),
    mistake("border taken as zeros", "Outputs whose window lies inside the moved signal are y moved, but the border "
            "outputs see the zeros that came in together with real values: compute them, they are not simply 0.",
            _shifted_with_zeros),
    mistake("kernel flipped", KERNEL_FLIPPED, _flipped),
)
