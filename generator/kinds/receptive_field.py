"""The receptive field of one output unit of a stack of conv and pool layers, in input pixels."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np

from generator.grading.read import rules_for
from generator.grading.score import grade_answer
from generator.kinds._common import (answer_stub as number_stub, explain_answer, model_submission, near_miss, render,
                                     sample_variant, solution_source)
from generator.kinds._layers import check_layers, layer_data, stack_in_words
from generator.kinds._mistakes import mistake
from generator.model import Score, Template, Variant
from solutions._args import pair
from solutions.shapes import Layer, layer_table, layers_from_data, receptive_field, receptive_fields

FORMATS = ("number",)
REQUIRED: tuple[str, ...] = ()
EXTRA_KEYS = {"layers": True}
ASKS = ("receptive field",)  # generator/media.py: code on the same paper omits its formula
__all__ = ["model_submission", "near_miss", "render", "solution_source"]


def check_template(template: Template) -> None:
    """Only conv and pool layers have a receptive field."""
    check_layers(template, ("conv2d", "maxpool2d", "avgpool2d"))


def _compute(template: Template, params: dict[str, Any], rng: np.random.Generator) -> tuple[dict[str, Any], Any]:
    """solutions.shapes.receptive_fields after each layer; the answer is the last (side, or [h, w] if not square)."""
    data = layer_data(template, params)
    layers = layers_from_data(data)
    fields = receptive_fields(layers)
    rows = layer_table((1, 10_000, 10_000), layers).rows  # only for the layers' printed descriptions
    stack = "\n".join(f"{i}. {row.description}" for i, row in enumerate(rows, start=1))
    height, width = fields[-1]
    drawn = {**params, "stack": stack, "descriptions": [r.description for r in rows],
             "fields": [list(f) for f in fields], "layers": data}
    return drawn, _as_answer((height, width))


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
    """r grows by (k - 1) times the product of the strides before the layer."""
    return _grown(variant, variant.params["descriptions"])


def explain_for(variant: Variant, medium: str) -> str:
    """On paper the layers in words, as its question prints them."""
    return _grown(variant, stack_in_words(variant.params["layers"])) if medium == "paper" else explain(variant)


def _grown(variant: Variant, descriptions: list[str]) -> str:
    """The field after each layer, each layer described as given."""
    lines = ["$r_{out} = r_{in} + (k - 1)\\, j_{in}$ and $j_{out} = j_{in} s$, starting from $r = 1$, $j = 1$:", ""]
    for text, (height, width) in zip(descriptions, variant.params["fields"]):
        lines.append(f"- after {text}: {height} × {width}")
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


def _strides_ignored(variant: Variant) -> int | list[int]:
    """1 + the sum of (k - 1): every layer taken at stride 1."""
    return _as_answer(receptive_field([replace(layer, stride=1) for layer in _layers(variant)]))


def _kernels_added(variant: Variant) -> int | list[int]:
    """The sum of the kernel sizes."""
    sizes = [pair(layer.kernel_size, "kernel_size") for layer in _layers(variant)]
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
    mistake("off by one", "One input pixel is a receptive field of 1: start from r = 1 before the first layer, then "
            "add (k − 1)·j per layer, j the product of the earlier strides.", _from_zero),
)
