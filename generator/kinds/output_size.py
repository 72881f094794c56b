"""Output feature-map size (H x W x C) of a conv or pooling layer from input size, kernel, stride and padding.

The lecture's homework (RGB 64x64, 8 filters 5x5, stride 2) says "zero padding", which is ambiguous: P = 0 gives
30x30x8 and P = 2 gives 32x32x8. So every template must state the padding, and the floor rule is added to every
prompt (to every student's alike, whether or not their division is exact).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from generator.kinds._common import (answer_stub, explain_answer, grade, model_submission, near_miss,
                                     padding_stated as check_template, sample_variant, solution_source)
from generator.kinds._mistakes import DEPTH_FROM_INPUT, DEPTH_NAME, Geometry, mistake, size_misconceptions
from generator.model import Template, Variant
from solutions.shapes import conv_output_size, output_size_is_exact

FORMATS = ("shape",)
REQUIRED = ("H", "W", "C", "K", "S", "P")
EXTRA_KEYS: dict[str, bool] = {}
LAYERS = ("conv", "maxpool", "avgpool")
FLOOR_RULE = ("*Where $(W - K + 2P)$ is not a multiple of $S$, round down: "
              r"$W_{out} = \lfloor (W - K + 2P) / S \rfloor + 1$, as PyTorch does.*")
HINT = FLOOR_RULE  # on paper only when the spec asks for hints (generator/media.py): it is the formula asked for
PAPER_NOTE = "*Where the last window does not fit, it is dropped (round down), as PyTorch does.*"
ASKS = ("output size",)
__all__ = ["answer_stub", "check_template", "grade", "model_submission", "near_miss", "solution_source"]


def _compute(template: Template, params: dict[str, Any], rng: np.random.Generator) -> tuple[dict[str, Any], Any]:
    """H_out and W_out from solutions.shapes.conv_output_size; channels are F for conv, C for pooling."""
    layer = params.get("layer", "conv")
    if layer not in LAYERS:
        raise ValueError(f"layer must be one of {', '.join(LAYERS)}, got {layer!r}")
    if layer == "conv" and "F" not in params:
        raise ValueError("a conv layer needs parameter F (number of filters)")
    hw, k, s, p = (params["H"], params["W"]), params["K"], params["S"], params["P"]
    h_out, w_out = conv_output_size(hw, k, s, p)
    exact = output_size_is_exact(hw, k, s, p)
    channels = params["F"] if layer == "conv" else params["C"]
    return {**params, "layer": layer, "exact": exact}, [h_out, w_out, channels]


def generate(template: Template, seed: int) -> Variant:
    """A layer of sampled geometry."""
    return sample_variant(template, seed, _compute)


def render(variant: Variant) -> str:
    """The prompt, plus the floor rule for every student alike: stated only where the stride does not divide, it
    would tell some students that their numbers do not divide and not others."""
    return f"{variant.prompt}\n\n{FLOOR_RULE}"


def render_for(variant: Variant, medium: str) -> str:
    """On paper the prompt alone: generator/media.py adds the PAPER_NOTE, or the HINT where the spec asks."""
    return variant.prompt if medium == "paper" else render(variant)


def explain(variant: Variant) -> str:
    """The formula with this variant's numbers, per axis."""
    p = variant.params
    h_out, w_out, channels = variant.answer
    lines = [f"$W_{{out}} = \\lfloor (W - K + 2P) / S \\rfloor + 1$ on each axis:", ""]
    for axis, size, out in (("H", p["H"], h_out), ("W", p["W"], w_out)):
        lines.append(f"- {axis}: $\\lfloor ({size} - {p['K']} + 2 \\cdot {p['P']}) / {p['S']} \\rfloor + 1 = {out}$")
    source = f"one per filter, $F = {channels}$" if p["layer"] == "conv" else "pooling keeps the channels"
    lines += [f"- channels: {channels} ({source})", "", explain_answer(variant)]
    return "\n".join(lines)



def _geometry(variant: Variant) -> Geometry:
    """Input height and width, kernel, stride and padding: what the output-size rule (and its mistakes) reads."""
    p = variant.params
    return (p["H"], p["W"]), p["K"], p["S"], p["P"]


def _with_sizes(variant: Variant, sizes: list[int]) -> list[int]:
    """The answer with a mistake's height and width, the channels as the key has them."""
    return [*sizes, variant.answer[2]]


def _depth_from_input(variant: Variant) -> list[int] | None:
    """A conv layer's output given the input's C channels instead of one per filter (pooling keeps C anyway)."""
    return [*variant.answer[:2], variant.params["C"]] if variant.params["layer"] == "conv" else None


MISCONCEPTIONS = (
    *size_misconceptions(_geometry, _with_sizes),
    mistake(DEPTH_NAME, DEPTH_FROM_INPUT, _depth_from_input),
)
