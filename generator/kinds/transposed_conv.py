"""Output volume (H x W x C) of a transposed convolution, the upsampling layer of decoders and U-Nets:
W_out = (W - 1)S - 2P + D(K - 1) + output_padding + 1, as torch.nn.ConvTranspose2d computes it.

Optional `OP` (output padding, default 0; smaller than the stride or the dilation, as torch requires) and `D`
(dilation, default 1). The input's channels do not change the size: a template shows them as a display-only `C`,
which the output-depth mistake reads where it is there.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from generator.kinds._common import (answer_stub, explain_answer, grade, model_submission, near_miss,
                                     padding_stated as check_template, render, sample_variant, solution_source)
from generator.kinds._mistakes import DEPTH_FROM_INPUT, DEPTH_NAME, DILATION_IGNORED, mistake
from generator.model import Template, Variant
from solutions.layer_math import conv_transpose_output_size
from solutions.shapes import conv_output_size

FORMATS = ("shape",)
REQUIRED = ("H", "W", "F", "K", "S", "P")
OPTIONAL_PARAMS = ("OP", "D")  # output padding and dilation, read when the template has them
EXTRA_KEYS: dict[str, bool] = {}
ASKS = ("transposed convolution output size",)
__all__ = ["answer_stub", "check_template", "grade", "model_submission", "near_miss", "render", "solution_source"]
# no PAPER_NOTE: the answer needs no rounding rule; hint(variant), the formula, only where the spec asks for hints


def _geometry(params: dict[str, Any]) -> tuple[int, int, int, int, int]:
    """Kernel, stride, padding, output padding and dilation (defaults 0 and 1 where the template has none)."""
    return params["K"], params["S"], params["P"], params.get("OP", 0), params.get("D", 1)


def _compute(template: Template, params: dict[str, Any], rng: np.random.Generator) -> tuple[dict[str, Any], Any]:
    """H_out and W_out from solutions.layer_math.conv_transpose_output_size; one channel per filter."""
    kernel, stride, padding, output_padding, dilation = _geometry(params)
    h_out, w_out = conv_transpose_output_size((params["H"], params["W"]), kernel, stride, padding, output_padding,
                                              dilation)
    return params, [h_out, w_out, params["F"]]


def generate(template: Template, seed: int) -> Variant:
    """A transposed conv layer of sampled geometry."""
    return sample_variant(template, seed, _compute)


def _span(variant: Variant) -> str:
    """The kernel's span in the formula: D(K - 1) + 1 where the template has a dilation, else K."""
    return "D(K - 1) + 1" if "D" in variant.params else "K"


def hint(variant: Variant) -> str:
    """The formula asked for: on paper only when the spec asks for hints (generator/media.py)."""
    return (f"*A transposed convolution's output: $W_{{out}} = (W - 1)S - 2P + {_span(variant)} + "
            "\\text{output padding}$ on each axis.*")


def explain(variant: Variant) -> str:
    """Each input pixel places a copy of the kernel, S output pixels after the previous: the copies cover
    (W - 1)S + D(K - 1) + 1 pixels; the padding crops P from each side and the output padding adds OP on one."""
    p = variant.params
    h_out, w_out, channels = variant.answer
    kernel, stride, padding, output_padding, dilation = _geometry(p)
    span = f"{dilation} \\cdot ({kernel} - 1) + 1" if "D" in p else f"{kernel}"
    lines = ["Each input pixel adds a copy of the kernel to the output, each copy $S$ pixels after the previous one, "
             f"so the copies cover $(W - 1)S + {_span(variant)}$ pixels; the padding $P$ takes $P$ away from each "
             "side (it is the padding of the forward conv this layer undoes) and the output padding adds its rows "
             "and columns on one side:", "",
             f"$W_{{out}} = (W - 1)S - 2P + {_span(variant)} + \\text{{output padding}}$ on each axis:", ""]
    for axis, size, out in (("H", p["H"], h_out), ("W", p["W"], w_out)):
        lines.append(f"- {axis}: $({size} - 1) \\cdot {stride} - 2 \\cdot {padding} + {span} + {output_padding} "
                     f"= {out}$")
    lines += [f"- channels: one per filter, $F = {channels}$", "", explain_answer(variant)]
    return "\n".join(lines)


def _sizes(variant: Variant, **bent: int) -> list[int]:
    """The answer with the height and width of the transposed formula as a mistake bends its arguments."""
    kernel, stride, padding, output_padding, dilation = _geometry(variant.params)
    args = {"kernel_size": kernel, "stride": stride, "padding": padding, "output_padding": output_padding,
            "dilation": dilation, **bent}
    sizes = [conv_transpose_output_size(variant.params[axis], **args) for axis in ("H", "W")]
    return [*sizes, variant.answer[2]]


def _forward_formula(variant: Variant) -> list[int]:
    """⌊(W − D(K − 1) − 1 + 2P) / S⌋ + 1: the size of the forward conv, which shrinks where this layer grows."""
    kernel, stride, padding, _, dilation = _geometry(variant.params)
    sizes = [conv_output_size(variant.params[axis], kernel, stride, padding, dilation) for axis in ("H", "W")]
    return [*sizes, variant.answer[2]]


def _padding_added(variant: Variant) -> list[int] | None:
    """(W − 1)S + 2P + ...: the padding added to the output as a forward conv adds it to the input."""
    padding = variant.params["P"]
    if padding == 0:
        return None
    height, width, channels = _sizes(variant, padding=0)
    return [height + 2 * padding, width + 2 * padding, channels]


def _output_padding_forgotten(variant: Variant) -> list[int] | None:
    """The output padding left out."""
    return _sizes(variant, output_padding=0) if _geometry(variant.params)[3] else None


def _stride_times_input(variant: Variant) -> list[int]:
    """W · S: the stride taken as the upsampling factor, the kernel and the padding left out."""
    return [variant.params["H"] * variant.params["S"], variant.params["W"] * variant.params["S"], variant.answer[2]]


def _dilation_ignored(variant: Variant) -> list[int] | None:
    """K in place of the dilated kernel's span D(K − 1) + 1."""
    return _sizes(variant, dilation=1) if _geometry(variant.params)[4] > 1 else None


def _depth_from_input(variant: Variant) -> list[int] | None:
    """The input's C channels kept instead of one per filter (where the template shows them)."""
    return [*variant.answer[:2], variant.params["C"]] if "C" in variant.params else None


MISCONCEPTIONS = (
    mistake("forward conv formula used",
            "A transposed convolution runs the forward conv's shape rule backwards: it grows the map, "
            "(W − 1)S − 2P + D(K − 1) + output padding + 1, where ⌊(W − K + 2P) / S⌋ + 1 would shrink it.",
            _forward_formula),
    mistake("padding added instead of removed",
            "In a transposed convolution P is the padding of the forward conv it undoes: it removes P rows and "
            "columns from each side of the output (−2P), it does not add them.", _padding_added),
    mistake("output padding forgotten",
            "The output padding adds its rows and columns to one side of the output (it picks which of the sizes "
            "the forward conv rounds down to the same W is meant): add it once.", _output_padding_forgotten),
    mistake("output taken as W · S",
            "The stride spaces the kernel's copies S pixels apart, but the last copy still spans the whole kernel "
            "and the padding crops the edges: (W − 1)S − 2P + D(K − 1) + output padding + 1, not W · S.",
            _stride_times_input),
    mistake("dilation ignored", DILATION_IGNORED, _dilation_ignored),
    mistake(DEPTH_NAME, DEPTH_FROM_INPUT, _depth_from_input),
)
