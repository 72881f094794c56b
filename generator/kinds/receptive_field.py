"""The receptive field of one output unit of a stack of conv and pool layers (batch norm, ReLU and dropout between
them pass it on unchanged), in input pixels."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np

from generator.grading.read import rules_for
from generator.grading.score import grade_answer
from generator.kinds._common import (answer_stub as number_stub, explain_answer, model_submission, near_miss, render,
                                     sample_variant, solution_source)
from generator.kinds._layers import check_layers, layer_data, layer_names as params_in_keys, stack_in_words
from generator.kinds._mistakes import DILATION_IGNORED, mistake
from generator.kinds._size_text import field_step
from generator.model import Score, Template, Variant
from solutions._args import pair
from solutions.layers import PASS_THROUGH
from solutions.shapes import (AvgPool2d, Conv2d, Layer, MaxPool2d, describe_layer, layers_from_data, receptive_field,
                              receptive_fields, receptive_steps)

FORMATS = ("number",)
REQUIRED: tuple[str, ...] = ()
OPTIONAL_PARAMS: tuple[str, ...] = ()  # read when the template has them
EXTRA_KEYS = {"layers": True}
ASKS = ("receptive field",)  # generator/media.py: code on the same paper omits its formula
__all__ = ["model_submission", "near_miss", "params_in_keys", "render", "solution_source"]


def check_template(template: Template) -> None:
    """Conv and pool layers grow the field, batch norm, ReLU and dropout pass it on (the rest have none here); it
    does not depend on a conv layer's out_channels."""
    check_layers(template, ("conv2d", "maxpool2d", "avgpool2d", "batchnorm2d", "relu", "dropout"),
                 optional=("out_channels",))


def _compute(template: Template, params: dict[str, Any], rng: np.random.Generator) -> tuple[dict[str, Any], Any]:
    """solutions.shapes.receptive_fields after each layer; the answer is the last (side, or [h, w] if not square)."""
    data = [_channels_optional(layer) for layer in layer_data(template, params)]
    layers = layers_from_data(data)
    fields = receptive_fields(layers)
    descriptions = [describe_layer(layer) for layer in layers]
    stack = "\n".join(f"{i}. {text}" for i, text in enumerate(descriptions, start=1))
    height, width = fields[-1]
    drawn = {**params, "stack": stack, "descriptions": descriptions, "fields": [list(f) for f in fields],
             "layers": data}
    return drawn, _as_answer((height, width))


def _channels_optional(layer: dict[str, Any]) -> dict[str, Any]:
    """A conv layer may leave out out_channels: the field does not depend on it (None: 'conv 5x5' is printed)."""
    return {**layer, "out_channels": layer.get("out_channels")} if layer.get("type") == "conv2d" else layer


def _as_answer(field: tuple[int, int]) -> int | list[int]:
    """The side of a square field, else [height, width]."""
    height, width = field
    return height if height == width else [height, width]


def generate(template: Template, seed: int) -> Variant:
    """A stack with sampled kernels and strides."""
    return sample_variant(template, seed, _compute)


def answer_stub(variant: Variant) -> str:
    """A number; a (height, width) pair where the field is not square."""
    if isinstance(variant.answer, list):
        return f"{variant.variable} = None  # (height, width) in input pixels"
    return number_stub(variant)


def grade(variant: Variant, submitted: Any) -> Score:
    """The answer rules; a square field's width may also be given as an equal pair, (25, 25)."""
    return grade_answer(variant, submitted, rules_for(variant, square=True))


def explain(variant: Variant) -> str:
    """r grows by d (k - 1) times the product of the strides before the layer."""
    return _grown(variant, variant.params["descriptions"])


def explain_for(variant: Variant, medium: str) -> str:
    """On paper the layers in words, as its question prints them."""
    return _grown(variant, stack_in_words(variant.params["layers"])) if medium == "paper" else explain(variant)


def _grown(variant: Variant, descriptions: list[str]) -> str:
    """The recurrence computed layer by layer (both axes where they differ), each layer described as given."""
    steps = receptive_steps(_layers(variant))
    if any(height.dilation > 1 or width.dilation > 1 for height, width in steps):
        rule = ("$r_{out} = r_{in} + d\\,(k - 1)\\, j_{in}$ and $j_{out} = j_{in} s$ ($d$ the dilation: a "
                "dilated kernel spans $d(k - 1) + 1$ pixels), starting from $r = 1$, $j = 1$:")
    else:
        rule = "$r_{out} = r_{in} + (k - 1)\\, j_{in}$ and $j_{out} = j_{in} s$, starting from $r = 1$, $j = 1$:"
    lines = [rule, ""]
    for text, layer, (height, width) in zip(descriptions, _layers(variant), steps):
        if isinstance(layer, PASS_THROUGH):
            lines.append(f"- after {text}: unchanged (it acts on each pixel alone): {height.field_out} × "
                         f"{width.field_out}")
        elif height == width:
            lines.append(f"- after {text}: {field_step(height)}: {height.field_out} × {width.field_out}")
        else:
            lines.append(f"- after {text}: height {field_step(height)}; width {field_step(width)}: "
                         f"{height.field_out} × {width.field_out}")
    return "\n".join(lines + ["", explain_answer(variant)])


def render_for(variant: Variant, medium: str) -> str:
    """On paper the stack in words, padding stated ('16 filters, 7 × 7, stride 2, no padding'), not 'conv 16@7x7'."""
    if medium != "paper":
        return render(variant)
    words = "\n".join(f"{i}. {text}" for i, text in enumerate(stack_in_words(variant.params["layers"]), start=1))
    return variant.prompt.replace(variant.params["stack"], words)


def _layers(variant: Variant) -> list[Layer]:
    """The variant's stack, as drawn."""
    return layers_from_data(variant.params["layers"])


WINDOWS = (Conv2d, MaxPool2d, AvgPool2d)  # the layers with a kernel and a stride


def _strides_ignored(variant: Variant) -> int | list[int]:
    """1 + the sum of (k - 1): every layer taken at stride 1."""
    return _as_answer(receptive_field([replace(layer, stride=1) if isinstance(layer, WINDOWS) else layer
                                       for layer in _layers(variant)]))


def _dilation_ignored(variant: Variant) -> int | list[int]:
    """Every conv layer's kernel taken as k pixels wide, not the d(k - 1) + 1 its dilation spreads it over."""
    return _as_answer(receptive_field([replace(layer, dilation=1) if isinstance(layer, Conv2d) else layer
                                       for layer in _layers(variant)]))


def _kernels_added(variant: Variant) -> int | list[int]:
    """The sum of the kernel sizes."""
    sizes = [pair(layer.kernel_size, "kernel_size") for layer in _layers(variant) if isinstance(layer, WINDOWS)]
    return _as_answer((sum(h for h, _ in sizes), sum(w for _, w in sizes)))


def _from_zero(variant: Variant) -> int | list[int]:
    """The field one pixel short: the sum started from 0 instead of 1."""
    height, width = variant.params["fields"][-1]
    return _as_answer((height - 1, width - 1))


MISCONCEPTIONS = (
    mistake("strides ignored", "Each layer adds (k − 1) times the product of the strides before it: after a stride-2 "
            "layer or a 2×2 pool, one step in the feature map is 2 input pixels, so the later kernels reach further "
            "than 1 + Σ(k − 1).", _strides_ignored),
    mistake("kernel sizes added", "Consecutive windows overlap: a 3×3 filter on a 3×3 field sees 5 pixels, not 6. "
            "Start from 1 and add (k − 1) per layer, times the product of the earlier strides.", _kernels_added),
    mistake("dilation ignored", DILATION_IGNORED, _dilation_ignored),
    mistake("off by one", "One input pixel is a receptive field of 1: start from r = 1 before the first layer, then "
            "add (k − 1)·j per layer, j the product of the earlier strides.", _from_zero),
)
