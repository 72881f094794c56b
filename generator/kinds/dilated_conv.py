"""Output size and receptive field of a dilated conv layer, alone or stacked on a first conv layer: a dilation D
spreads a K x K kernel's taps D pixels apart, so it spans D(K - 1) + 1 pixels, and both numbers use that span.

The asked layer is `K`, `S`, `P`, `D`; a template that defines `K1` puts a first conv layer (`S1`, `P1`, `D1`,
defaults 1, 0, 1) under it. The input is W x W, so each answer is one number (height = width).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np

from generator.kinds._common import (answer_stub, explain_answer, grade, model_submission, near_miss,
                                     padding_stated as check_template, prompt_on_paper, sample_variant,
                                     solution_source)
from generator.kinds._mistakes import DILATION_IGNORED, PADDING_FORGOTTEN, mistake
from generator.kinds._size_text import dilated_span, field_step, floor_rule
from generator.kinds.output_size import DILATED_FLOOR_RULE, PAPER_NOTE
from generator.model import Template, Variant
from solutions.shapes import Conv2d, conv_output_size, receptive_field, receptive_steps

FORMATS = ("numbers",)
REQUIRED = ("W", "K", "S", "P", "D")
OPTIONAL_PARAMS = ("K1", "S1", "P1", "D1")  # a first conv layer under the dilated one, where the template has K1
EXTRA_KEYS: dict[str, bool] = {}
ASKS = ("output size", "receptive field")
FIELD_RULE = ("*Receptive field: $r_{out} = r_{in} + D(K - 1)\\, j_{in}$ and $j_{out} = j_{in} S$ layer by layer, "
              "from $r = 1$, $j = 1$.*")
HINT = f"{DILATED_FLOOR_RULE}\n\n{FIELD_RULE}"  # on paper only when the spec asks for hints: the formulas asked for
__all__ = ["PAPER_NOTE", "answer_stub", "check_template", "grade", "model_submission", "near_miss",
           "solution_source"]


def _stack(params: dict[str, Any]) -> list[Conv2d]:
    """The first layer (where the template has K1), then the dilated layer asked about."""
    asked = Conv2d(None, params["K"], params["S"], params["P"], params["D"])
    if "K1" not in params:
        return [asked]
    return [Conv2d(None, params["K1"], params.get("S1", 1), params.get("P1", 0), params.get("D1", 1)), asked]


def _sizes(width: int, layers: list[Conv2d]) -> list[int]:
    """The feature map's width before the first layer and after each, from solutions.shapes.conv_output_size."""
    sizes = [width]
    for layer in layers:
        sizes.append(conv_output_size(sizes[-1], layer.kernel_size, layer.stride, layer.padding, layer.dilation))
    return sizes


def _compute(template: Template, params: dict[str, Any], rng: np.random.Generator) -> tuple[dict[str, Any], Any]:
    """The last layer's output width and one of its units' receptive field (solutions.shapes.receptive_field)."""
    if params["D"] < 2:
        raise ValueError(f"a dilated conv needs a dilation D of at least 2, got D = {params['D']}")
    layers = _stack(params)
    layer_data = [{"kernel_size": layer.kernel_size, "stride": layer.stride, "padding": layer.padding,
                   "dilation": layer.dilation} for layer in layers]
    answer = {"output_size": _sizes(params["W"], layers)[-1], "receptive_field": receptive_field(layers)[0]}
    return {**params, "layers": layer_data}, answer


def generate(template: Template, seed: int) -> Variant:
    """A dilated layer (on a first layer where the template has one) of sampled geometry."""
    return sample_variant(template, seed, _compute)


def render(variant: Variant) -> str:
    """The prompt and the rounding rule in words (the dilated formula would give the answer away)."""
    return f"{variant.prompt}\n\n{PAPER_NOTE}"


render_for = prompt_on_paper(render)  # on paper the prompt alone: generator/media.py adds the PAPER_NOTE or HINT


def _layers(variant: Variant) -> list[Conv2d]:
    """The variant's stack as drawn."""
    return [Conv2d(None, **layer) for layer in variant.params["layers"]]


def _spans(layers: list[Conv2d]) -> list[int]:
    """The pixels each layer's kernel spans: D(K - 1) + 1."""
    return [layer.dilation * (layer.kernel_size - 1) + 1 for layer in layers]


def explain(variant: Variant) -> str:
    """The span D(K - 1) + 1 first; then the size rule and the receptive-field recurrence with that span."""
    layers = _layers(variant)
    names = [f"layer {i}" for i in range(1, len(layers) + 1)] if len(layers) > 1 else ["the layer"]
    lines = [dilated_span(layer.kernel_size, layer.dilation) for layer in layers if layer.dilation > 1]
    lines += ["", "Output size, $W_{out} = \\lfloor (W - K' + 2P) / S \\rfloor + 1$ with the span $K'$:", ""]
    sizes = _sizes(variant.params["W"], layers)
    for name, layer, span, size, out in zip(names, layers, _spans(layers), sizes, sizes[1:]):
        lines.append(f"- {name}: ${floor_rule(size, span, layer.stride, layer.padding)} = {out}$")
    lines += ["", "Receptive field, $r_{out} = r_{in} + D(K - 1)\\, j_{in}$ and $j_{out} = j_{in} S$, from $r = 1$, "
              "$j = 1$:", ""]
    lines += [f"- after {name}: {field_step(height)}" for name, (height, _) in zip(names, receptive_steps(layers))]
    return "\n".join([*lines, "", explain_answer(variant)])


def _answer_of(variant: Variant, layers: list[Conv2d]) -> dict[str, int]:
    """Both numbers for a stack as a mistake reads it."""
    return {"output_size": _sizes(variant.params["W"], layers)[-1], "receptive_field": receptive_field(layers)[0]}


def _dilation_ignored(variant: Variant) -> dict[str, int]:
    """Every kernel taken as K pixels wide."""
    return _answer_of(variant, [replace(layer, dilation=1) for layer in _layers(variant)])


def _span_d_times_k(variant: Variant) -> dict[str, int]:
    """A dilated kernel taken to span D·K pixels instead of D(K - 1) + 1."""
    return _answer_of(variant, [replace(layer, kernel_size=layer.dilation * layer.kernel_size, dilation=1)
                                for layer in _layers(variant)])


def _padding_forgotten(variant: Variant) -> dict[str, int] | None:
    """The output size without the zero padding (the receptive field does not depend on it)."""
    layers = _layers(variant)
    if not any(layer.padding for layer in layers):
        return None
    return _answer_of(variant, [replace(layer, padding=0) for layer in layers])


def _strides_ignored(variant: Variant) -> dict[str, int] | None:
    """The receptive field of a stack grown as if the first layer had stride 1 (only a stack has one)."""
    layers = _layers(variant)
    if len(layers) < 2 or layers[0].stride == 1:
        return None
    field = receptive_field([replace(layer, stride=1) for layer in layers])[0]
    return {**variant.answer, "receptive_field": field}


MISCONCEPTIONS = (
    mistake("dilation ignored", DILATION_IGNORED, _dilation_ignored),
    mistake("dilated span taken as D·K",
            "A dilated kernel has K − 1 gaps of D pixels between its K taps and none after the last one: a 3 × 3 "
            "kernel with dilation 2 spans 2 · (3 − 1) + 1 = 5 pixels, not 2 · 3 = 6.", _span_d_times_k),
    mistake("padding forgotten", PADDING_FORGOTTEN, _padding_forgotten),
    mistake("strides ignored", "After a stride-S layer neighbouring units are S input pixels apart, so the next "
            "layer's taps reach S times further: r grows by D(K − 1) times the product of the earlier strides.",
            _strides_ignored),
)
