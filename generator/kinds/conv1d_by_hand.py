"""1D convolution by hand: a short integer signal, a small kernel, zero padding and stride."""

from __future__ import annotations

from typing import Any

import numpy as np

from generator.kinds._common import (answer_stub, explain_answer, exact_list, grade, integer_array,
                                     model_submission, near_miss, padding_stated as check_template,
                                     prompt_on_paper, sample_variant, solution_source)
from generator.kinds._mistakes import by_hand_misconceptions
from generator.model import Template, Variant
from generator.params import require_varied
from solutions.numpy_ref import conv1d
from solutions.shapes import output_size_is_exact

FORMATS = ("vector",)
REQUIRED = ("L", "K", "S", "P")
OPTIONAL_PARAMS = ("x_low", "x_high", "w_low", "w_high")  # read when the template has them
EXTRA_KEYS: dict[str, bool] = {}
FLOOR_RULE = ("*Slide the filter by the stride only while it lies entirely on the padded signal; where the "
              "stride does not end exactly on the last value, drop the last window that does not fit (round down: the "
              "convolved "
              "signal has $\\lfloor (L + 2P - K) / S \\rfloor + 1$ values, where $L$ and $K$ are the lengths of $x$ "
              "and $w$, as in PyTorch).*")
HINT = FLOOR_RULE  # on paper only when the spec asks for hints (generator/media.py): it gives the output's length
PAPER_NOTE = ("*Slide the filter by the stride only while it lies entirely on the padded signal; a last window "
              "that does not fit is dropped, as in PyTorch.*")
ASKS = ("output size",)
__all__ = ["answer_stub", "check_template", "grade", "model_submission", "near_miss", "solution_source"]


def _compute(template: Template, params: dict[str, Any], rng: np.random.Generator) -> tuple[dict[str, Any], Any]:
    """Signal and kernel convolved by solutions.numpy_ref.conv1d (no flip); a trivial output is drawn again."""
    x = integer_array(rng, params.get("x_low", 0), params.get("x_high", 5), (params["L"],))
    w = integer_array(rng, params.get("w_low", -1), params.get("w_high", 2), (params["K"],))
    out = conv1d(x[None, None], w[None, None], stride=params["S"], padding=params["P"])[0, 0]
    require_varied(exact_list(out))
    padded = np.pad(x, params["P"])
    exact = output_size_is_exact(params["L"], params["K"], params["S"], params["P"])
    return ({**params, "x": exact_list(x), "w": exact_list(w), "padded": exact_list(padded), "exact": exact},
            exact_list(out))


def generate(template: Template, seed: int) -> Variant:
    """A signal, kernel, stride and padding."""
    return sample_variant(template, seed, _compute)


def render(variant: Variant) -> str:
    """The prompt, plus the rule for a last window that does not fit: the same text for every student."""
    return f"{variant.prompt}\n\n{FLOOR_RULE}"


render_for = prompt_on_paper(render)  # on paper the prompt alone: generator/media.py adds the PAPER_NOTE or HINT


def explain(variant: Variant) -> str:
    """Pad, then slide the kernel by the stride, one dot product per output."""
    p = variant.params
    padded, w, stride = p["padded"], p["w"], p["S"]
    pad = f"Zero-pad by {p['P']}" if p["P"] else "No padding"
    lines = [f"{pad}: $[{', '.join(map(str, padded))}]$. Slide $w = [{', '.join(map(str, w))}]$ "
             f"with stride {stride} (no kernel flip, as in PyTorch):", ""]
    for i, value in enumerate(variant.answer):
        window = padded[i * stride: i * stride + len(w)]
        terms = " + ".join(f"({a})({b})" for a, b in zip(window, w))
        lines.append(f"- $y_{{{i}}} = {terms} = {value}$")
    if not p["exact"]:
        lines.append("- the next window would run past the end of the padded signal, so it is dropped")
    return "\n".join(lines + ["", explain_answer(variant)])


MISCONCEPTIONS = by_hand_misconceptions(lambda variant: (variant.params["x"], variant.params["w"],
                                                         variant.params["S"], variant.params["P"]))
