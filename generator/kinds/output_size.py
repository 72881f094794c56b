"""Output feature-map size (H x W x C) of a conv or pooling layer from input size, kernel, stride, padding and an
optional dilation D (default 1).

The lecture's homework (RGB 64x64, 8 filters 5x5, stride 2) says "zero padding", which is ambiguous: P = 0 gives
30x30x8 and P = 2 gives 32x32x8. So every template must state the padding, and the floor rule is added to every
prompt (to every student's alike, whether or not their division is exact).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from generator.kinds._common import (answer_stub, explain_answer, grade, model_submission, near_miss,
                                     padding_stated as check_template, prompt_on_paper, sample_variant,
                                     solution_source)
from generator.kinds._mistakes import (DEPTH_FROM_INPUT, DEPTH_NAME, DILATION_IGNORED, Geometry, mistake, out_size,
                                       size_misconceptions)
from generator.kinds._size_text import dilated_span, floor_rule
from generator.model import Template, Variant
from solutions.shapes import conv_output_size, output_size_is_exact

FORMATS = ("shape",)
REQUIRED = ("H", "W", "C", "K", "S", "P")
OPTIONAL_PARAMS = ("layer", "F", "D")  # read when the template has them
EXTRA_KEYS: dict[str, bool] = {}
LAYERS = ("conv", "maxpool", "avgpool")
FLOOR_RULE = ("*Where $(W - K + 2P)$ is not a multiple of $S$, round down: "
              r"$W_{out} = \lfloor (W - K + 2P) / S \rfloor + 1$, as PyTorch does.*")
DILATED_FLOOR_RULE = ("*Where $(W - D(K - 1) - 1 + 2P)$ is not a multiple of $S$, round down: "
                      r"$W_{out} = \lfloor (W - D(K - 1) - 1 + 2P) / S \rfloor + 1$, as PyTorch does.*")
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
    hw, k, s, p, d = (params["H"], params["W"]), params["K"], params["S"], params["P"], params.get("D", 1)
    if layer == "avgpool" and d != 1:
        raise ValueError(f"average pooling has no dilation (PyTorch's AvgPool2d has none), got D = {d}")
    h_out, w_out = conv_output_size(hw, k, s, p, d)
    exact = output_size_is_exact(hw, k, s, p, d)
    channels = params["F"] if layer == "conv" else params["C"]
    return {**params, "layer": layer, "exact": exact}, [h_out, w_out, channels]


def generate(template: Template, seed: int) -> Variant:
    """A layer of sampled geometry."""
    return sample_variant(template, seed, _compute)


def render(variant: Variant) -> str:
    """The prompt, plus the floor rule for every student alike: stated only where the stride does not divide, it
    would tell some students that their numbers do not divide and not others."""
    return f"{variant.prompt}\n\n{hint(variant)}"


def hint(variant: Variant) -> str:
    """The floor rule, with the dilation where the template has a D (for every student of it alike, D = 1 too)."""
    return DILATED_FLOOR_RULE if "D" in variant.params else FLOOR_RULE


render_for = prompt_on_paper(render)  # on paper the prompt alone: generator/media.py adds the PAPER_NOTE or HINT


def explain(variant: Variant) -> str:
    """The formula with this variant's numbers, per axis; a dilated kernel first turned into the span it covers."""
    p = variant.params
    h_out, w_out, channels = variant.answer
    kernel, dilation = _effective_kernel(variant), p.get("D", 1)
    if dilation == 1:
        lines = ["$W_{out} = \\lfloor (W - K + 2P) / S \\rfloor + 1$ on each axis:", ""]
    else:
        lines = [dilated_span(p["K"], dilation), "",
                 "$W_{out} = \\lfloor (W - K' + 2P) / S \\rfloor + 1$ on each axis:", ""]
    for axis, size, out in (("H", p["H"], h_out), ("W", p["W"], w_out)):
        lines.append(f"- {axis}: ${floor_rule(size, kernel, p['S'], p['P'])} = {out}$")
    source = f"one per filter, $F = {channels}$" if p["layer"] == "conv" else "pooling keeps the channels"
    lines += [f"- channels: {channels} ({source})", "", explain_answer(variant)]
    return "\n".join(lines)



def _effective_kernel(variant: Variant) -> int:
    """The pixels the kernel spans: D(K - 1) + 1, K itself without dilation."""
    return variant.params.get("D", 1) * (variant.params["K"] - 1) + 1


def _geometry(variant: Variant) -> Geometry:
    """Input height and width, kernel span, stride and padding: what the output-size rule (and its mistakes) reads."""
    p = variant.params
    return (p["H"], p["W"]), _effective_kernel(variant), p["S"], p["P"]


def _with_sizes(variant: Variant, sizes: list[int]) -> list[int]:
    """The answer with a mistake's height and width, the channels as the key has them."""
    return [*sizes, variant.answer[2]]


def _dilation_ignored(variant: Variant) -> list[int] | None:
    """The size rule with the kernel's K where a dilation spreads it over D(K - 1) + 1 pixels."""
    p = variant.params
    if p.get("D", 1) == 1:
        return None
    return _with_sizes(variant, [out_size(size, p["K"], p["S"], p["P"]) for size in (p["H"], p["W"])])


def _depth_from_input(variant: Variant) -> list[int] | None:
    """A conv layer's output given the input's C channels instead of one per filter (pooling keeps C anyway)."""
    return [*variant.answer[:2], variant.params["C"]] if variant.params["layer"] == "conv" else None


MISCONCEPTIONS = (
    *size_misconceptions(_geometry, _with_sizes),
    mistake(DEPTH_NAME, DEPTH_FROM_INPUT, _depth_from_input),
    mistake("dilation ignored", DILATION_IGNORED, _dilation_ignored),
)
