"""Learnable parameters and output volume of a ResNet block, as torchvision builds it: every conv without bias and
followed by a batch norm (a scale and a shift per channel, 2C); the 3 x 3 conv carries the stride; the shortcut is
the identity where the input and output shapes match, else a strided 1 x 1 conv and its batch norm.

`block` is `basic` (3 x 3 to C_out, 3 x 3) or `bottleneck` (1 x 1 to C_mid, 3 x 3, 1 x 1 to C_out; C_out a
multiple of C_mid, 4 C_mid in ResNet-50).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from generator.kinds._common import (explain_answer, model_submission, near_miss, no_checks as check_template, render,
                                     sample_variant, solution_source)
from generator.kinds._mistakes import mistake
from generator.kinds._shape_entry import answer_stub, fields, grade as shape_grade
from generator.kinds._size_text import floor_rule
from generator.kinds.dense_vs_conv import latex_int
from generator.model import Score, Template, Variant
from solutions.layer_math import (BlockCount, basic_block_params, bottleneck_block_params,
                                  residual_block_output_shape)
from solutions.shapes import conv2d_params

FORMATS = ("numbers",)
REQUIRED = ("block", "H", "W", "C_in", "C_out", "S")
OPTIONAL_PARAMS = ("C_mid",)  # a bottleneck block's inner width
EXTRA_KEYS: dict[str, bool] = {}
BLOCKS = ("basic", "bottleneck")
ASKS = ("parameter count", "output size")
__all__ = ["answer_stub", "check_template", "fields", "model_submission", "near_miss", "render", "solution_source"]
Conv = tuple[int, int, int, int]  # in channels, out channels, kernel, stride


def _main_convs(params: dict[str, Any]) -> list[Conv]:
    """The main path's convs in order; the 3 x 3 carries the stride (ResNet v1.5, as torchvision)."""
    c_in, c_out, stride = params["C_in"], params["C_out"], params["S"]
    if params["block"] == "basic":
        return [(c_in, c_out, 3, stride), (c_out, c_out, 3, 1)]
    mid = params["C_mid"]
    return [(c_in, mid, 1, 1), (mid, mid, 3, stride), (mid, c_out, 1, 1)]


def _count(params: dict[str, Any]) -> BlockCount:
    """solutions.layer_math's count of the block, the shortcut chosen by torchvision's rule."""
    if params["block"] == "basic":
        return basic_block_params(params["C_in"], params["C_out"], params["S"])
    mid = params["C_mid"]
    if params["C_out"] % mid:
        raise ValueError(f"a bottleneck's C_out ({params['C_out']}) must be a multiple of C_mid ({mid})")
    return bottleneck_block_params(params["C_in"], mid, params["S"], expansion=params["C_out"] // mid)


def _compute(template: Template, params: dict[str, Any], rng: np.random.Generator) -> tuple[dict[str, Any], Any]:
    """The counts from solutions.layer_math, the output from residual_block_output_shape (H x W x C order)."""
    if params["block"] not in BLOCKS:
        raise ValueError(f"block must be one of {', '.join(BLOCKS)}, got {params['block']!r}")
    if params["block"] == "bottleneck" and "C_mid" not in params:
        raise ValueError("a bottleneck block needs parameter C_mid (its inner width)")
    count = _count(params)
    channels, height, width = residual_block_output_shape((params["C_in"], params["H"], params["W"]),
                                                          params["C_out"], params["S"])
    drawn = {**params, "convs": [list(conv) for conv in _main_convs(params)], "projection": count.shortcut > 0}
    return drawn, {"main": count.main, "shortcut": count.shortcut, "total": count.total,
                   "output": [height, width, channels]}


def generate(template: Template, seed: int) -> Variant:
    """A block of sampled type, widths and stride."""
    return sample_variant(template, seed, _compute)


def _counts(table: dict[str, Any]) -> list[Any]:
    """What the total adds up: the main path and the shortcut."""
    return [table["main"], table["shortcut"]]


def grade(variant: Variant, submitted: Any) -> Score:
    """The answer rules: output in H×W×C order; a total right for the student's own main path and shortcut."""
    return shape_grade(variant, submitted, _counts)


def _conv_line(conv: list[int]) -> str:
    """'- conv 1 × 1, 32 → 16: $1 \\cdot 1 \\cdot 32 \\cdot 16 + 2 \\cdot 16 = 544$ (weights, no bias; batch norm)'."""
    c_in, c_out, kernel, stride = conv
    strided = f", stride {stride}" if stride > 1 else ""
    return (f"- conv ${kernel} \\times {kernel}$, ${c_in} \\to {c_out}${strided}, then batch norm: "
            f"${kernel} \\cdot {kernel} \\cdot {c_in} \\cdot {c_out} + 2 \\cdot {c_out} = "
            f"{latex_int(_conv_bn(conv))}$")


def _conv_bn(conv: list[int]) -> int:
    """A bias-free conv's weights and its batch norm's scale and shift."""
    return _weights(conv) + 2 * conv[1]


def _sum_line(convs: list[list[int]], total: int) -> str:
    """'- main path: $544 + 2{,}336 + 1{,}152 = 4{,}032$': the key's count as the sum of its convs."""
    return f"- main path: ${' + '.join(latex_int(_conv_bn(conv)) for conv in convs)} = {latex_int(total)}$"


def explain(variant: Variant) -> str:
    """Conv weights plus 2C per batch norm, along the main path and the shortcut; the stride halves H and W."""
    p, answer = variant.params, variant.answer
    height, width, channels = answer["output"]
    lines = ["Each conv has $K \\cdot K \\cdot C_{in} \\cdot C_{out}$ weights and no bias (the batch norm after it "
             "shifts anyway); each batch norm learns a scale and a shift per channel, $2C$:", "",
             *(_conv_line(conv) for conv in p["convs"]), _sum_line(p["convs"], answer["main"]), ""]
    if p["projection"]:
        lines += [f"The shapes differ ({p['H']} × {p['W']} × {p['C_in']} in, {height} × {width} × {channels} "
                  f"out), so the shortcut is a projection:", "", _conv_line(_shortcut_conv(variant))]
    else:
        lines += ["Input and output have the same shape, so the shortcut is the identity: 0 parameters."]
    lines += ["", f"Total: ${latex_int(answer['main'])} + {latex_int(answer['shortcut'])} = "
              f"{latex_int(answer['total'])}$.", "",
              f"Output: only the 3 × 3 conv (padding 1) strides, by $S = {p['S']}$ (a projection shortcut strides "
              f"alike): ${floor_rule(p['H'], 3, p['S'], 1)} = {height}$ on each axis, and {channels} channels.", "",
              explain_answer(variant)]
    return "\n".join(lines)


def _with_counts(variant: Variant, main: int, shortcut: int) -> dict[str, Any]:
    """The answer with a mistake's main path and shortcut (and their sum as the total)."""
    return {**variant.answer, "main": main, "shortcut": shortcut, "total": main + shortcut}


def _shortcut_conv(variant: Variant) -> list[int]:
    """The projection's 1 x 1 conv, whether or not the block has one."""
    p = variant.params
    return [p["C_in"], p["C_out"], 1, p["S"]]


def _weights(conv: list[int]) -> int:
    """A bias-free conv's weights."""
    return conv2d_params(conv[0], conv[1], conv[2], bias=False).weights


def _batch_norm_forgotten(variant: Variant) -> dict[str, Any]:
    """The convs' weights alone."""
    projection = _weights(_shortcut_conv(variant)) if variant.params["projection"] else 0
    return _with_counts(variant, sum(_weights(conv) for conv in variant.params["convs"]), projection)


def _projection_forgotten(variant: Variant) -> dict[str, Any] | None:
    """An identity shortcut where the shapes differ."""
    return _with_counts(variant, variant.answer["main"], 0) if variant.params["projection"] else None


def _projection_not_needed(variant: Variant) -> dict[str, Any] | None:
    """A projection counted where the shapes match."""
    if variant.params["projection"]:
        return None
    return _with_counts(variant, variant.answer["main"], _weights(_shortcut_conv(variant)) + 2 * variant.params["C_out"])


def _conv_biases_counted(variant: Variant) -> dict[str, Any]:
    """One bias per filter in every conv, as a conv layer on its own would have."""
    main = variant.answer["main"] + sum(conv[1] for conv in variant.params["convs"])
    shortcut = variant.answer["shortcut"] + (variant.params["C_out"] if variant.params["projection"] else 0)
    return _with_counts(variant, main, shortcut)


def _stride_ignored(variant: Variant) -> dict[str, Any] | None:
    """The output as large as the input where the block strides."""
    p = variant.params
    return {**variant.answer, "output": [p["H"], p["W"], p["C_out"]]} if p["S"] > 1 else None


MISCONCEPTIONS = (
    mistake("batch norm parameters forgotten",
            "Each batch norm learns a scale γ and a shift β per channel: 2C parameters after every conv of the "
            "block, the shortcut's included (its running mean and variance are buffers, not parameters).",
            _batch_norm_forgotten),
    mistake("projection shortcut forgotten",
            "Where the block changes the number of channels or strides, x cannot be added to the main path's "
            "output as it is: the shortcut is a 1 × 1 conv with stride S and its batch norm, and they have "
            "parameters.", _projection_forgotten),
    mistake("projection counted where the shapes match",
            "Where input and output have the same shape the shortcut is the identity, x itself: it has no "
            "parameters.", _projection_not_needed),
    mistake("conv biases counted",
            "The convs of a ResNet block have no bias: the batch norm after each conv subtracts the mean and adds "
            "its own shift β, so a bias would be cancelled.", _conv_biases_counted),
    mistake("stride ignored",
            "The block's strided conv (and its projection) moves S pixels at a time: the output is "
            "⌊(W − 3 + 2 · 1) / S⌋ + 1 wide, not W.", _stride_ignored),
)
