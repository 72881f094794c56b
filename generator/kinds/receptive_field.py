"""The receptive field of one output unit of a stack of conv and pool layers, in input pixels."""

from __future__ import annotations

from typing import Any

import numpy as np

from generator.grading.read import rules_for
from generator.grading.score import grade_answer
from generator.kinds._common import (answer_stub as number_stub, explain_answer, model_submission, near_miss, render,
                                     sample_variant, solution_source)
from generator.kinds._layers import build_layers, check_layers
from generator.model import Score, Template, Variant
from solutions.shapes import layer_table, receptive_fields

FORMATS = ("number",)
REQUIRED: tuple[str, ...] = ()
EXTRA_KEYS = {"layers": True}
__all__ = ["model_submission", "near_miss", "render", "solution_source"]


def check_template(template: Template) -> None:
    """Only conv and pool layers have a receptive field."""
    check_layers(template, ("conv2d", "maxpool2d", "avgpool2d"))


def _compute(template: Template, params: dict[str, Any], rng: np.random.Generator) -> tuple[dict[str, Any], Any]:
    """solutions.shapes.receptive_fields after each layer; the answer is the last (side, or [h, w] if not square)."""
    layers = build_layers(template, params)
    fields = receptive_fields(layers)
    rows = layer_table((1, 10_000, 10_000), layers).rows  # only for the layers' printed descriptions
    stack = "\n".join(f"{i}. {row.description}" for i, row in enumerate(rows, start=1))
    height, width = fields[-1]
    drawn = {**params, "stack": stack, "descriptions": [r.description for r in rows],
             "fields": [list(f) for f in fields]}
    return drawn, height if height == width else [height, width]


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
    lines = ["$r_{out} = r_{in} + (k - 1)\\, j_{in}$ and $j_{out} = j_{in} s$, starting from $r = 1$, $j = 1$:", ""]
    for text, (height, width) in zip(variant.params["descriptions"], variant.params["fields"]):
        lines.append(f"- after {text}: {height} × {width}")
    return "\n".join(lines + ["", explain_answer(variant)])
