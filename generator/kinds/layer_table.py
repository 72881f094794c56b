"""Shapes and parameters through a stack of conv, pool and dense layers, filled in as a LeNet-5-style table."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import replace
from functools import partial
from typing import Any

import numpy as np

from generator.fields import Box, Group
from generator.grading.read import Follow, Path, as_number, axes_names, path_label, rules_for
from generator.grading.score import grade_answer
from generator.kinds._common import explain_answer, model_submission, near_miss, render, sample_variant, solution_source
from generator.kinds._layers import check_layers, layer_data, layer_names as params_in_keys, stack_in_words
from generator.kinds._mistakes import (BIASES_FORGOTTEN, DEPTH_FROM_INPUT, DEPTH_NAME, DILATION_IGNORED,
                                       PADDING_FORGOTTEN, ROUNDED_UP, STRIDE_IGNORED, mistake)
from generator.model import Score, Template, Variant
from solutions._args import positive_pair
from solutions.shapes import (AvgPool2d, Conv2d, Dense, Flatten, Layer, MaxPool2d, Shape, layer_table,
                              layers_from_data)

FORMATS = ("table",)
REQUIRED = ("input_shape",)
OPTIONAL_PARAMS: tuple[str, ...] = ()  # read when the template has them
EXTRA_KEYS = {"layers": True}
ASKS = ("output size", "parameter count")  # generator/media.py: code on the same paper omits its formula
AXES = "CHW"  # channels first, as solutions.shapes, PyTorch and the LeNet figure's "6@28x28" (the prompt says so)
__all__ = ["model_submission", "near_miss", "params_in_keys", "render", "solution_source"]


def check_template(template: Template) -> None:
    """The layers must be readable before any sampling."""
    check_layers(template)


def _compute(template: Template, params: dict[str, Any], rng: np.random.Generator) -> tuple[dict[str, Any], Any]:
    """Walk the stack with solutions.shapes.layer_table; a stack that does not fit its input raises ValueError."""
    layers = layer_data(template, params)
    table = layer_table(params["input_shape"], layers_from_data(layers))
    rows = [{"name": r.name, "description": r.description} for r in table.rows]
    stack = "\n".join(["| layer | description | output shape | parameters |", "|---|---|---|---|"] +
                      [f"| {r['name']} | {r['description']} | ? | ? |" for r in rows])
    answer = {"rows": [[list(r.output_shape), r.params.total] for r in table.rows], "total": table.total_params}
    return {**params, "rows": rows, "stack": stack, "layers": layers}, answer


def generate(template: Template, seed: int) -> Variant:
    """A stack with sampled sizes."""
    return sample_variant(template, seed, _compute)


def answer_stub(variant: Variant) -> str:
    """One (output shape, parameters) pair per layer, labelled with the shape's axis order, and the total."""
    lines = [f"{variant.variable} = {{", '    "rows": [']
    for row, (shape, _) in zip(variant.params["rows"], variant.answer["rows"]):
        order = axes_names(AXES) if len(shape) == len(AXES) else "(features,)"
        lines.append(f"        (None, None),  # {row['name']}: {row['description']} -> (output shape {order}, "
                     "parameters)")
    lines += ["    ],", '    "total": None,', "}"]
    return "\n".join(lines)


def fields(variant: Variant) -> Group:
    """The table itself: per layer, a box per output-shape axis (C, H, W, or features) and one for parameters."""
    qid, rows = variant.qid, []
    words = stack_in_words(variant.params["layers"]) if "layers" in variant.params else []
    for index, (row, (shape, count)) in enumerate(zip(variant.params["rows"], variant.answer["rows"])):
        axes = AXES if len(shape) == len(AXES) else ("features",)
        shape_boxes = tuple(Box(("rows", index, 0, i), axis, f"{qid}.{row['name']}.{axis}", size)
                            for i, (axis, size) in enumerate(zip(axes, shape)))
        rows.append(Group(row["name"], "row", (Group("output shape", "row", shape_boxes),
                                              Box(("rows", index, 1), "parameters", f"{qid}.{row['name']}.params",
                                                  count)), note=words[index] if words else row["description"]))
    total = Group("total", "row", (Box(("total",), "parameters", f"{qid}.total", variant.answer["total"]),))
    return Group("", "table", (*rows, total), header=("layer", "description", "output shape", "parameters"))


def render_for(variant: Variant, medium: str) -> str:
    """On paper and in an LMS the answer table takes the place of the prompt's table of question marks."""
    return variant.prompt if medium == "notebook" else variant.prompt.replace(variant.params["stack"], "").strip()


def grade(variant: Variant, submitted: Any) -> Score:
    """The answer rules with C×H×W shapes, rows named in feedback, and follow-through from the student's own rows."""
    names = [row["name"] for row in variant.params["rows"]]
    rules = rules_for(variant, axes=AXES, label=partial(_label, names), follow=_follower(variant, names),
                      counts=_counts)
    return grade_answer(variant, submitted, rules)


def _label(names: list[str], path: Path) -> str:
    """('rows', 2, 0, 1) -> 'conv2 shape[1]', ('rows', 2, 1) -> 'conv2 parameters'."""
    if len(path) < 2 or path[0] != "rows" or not isinstance(path[1], int) or path[1] >= len(names):
        return path_label(path)
    name, rest = names[path[1]], path[2:]
    if not rest:
        return f"row {name}"
    what = {0: "shape", 1: "parameters"}.get(rest[0]) if isinstance(rest[0], int) else None
    return f"{name} {what}{path_label(rest[1:]) if rest[1:] else ''}" if what else path_label(path)


def _counts(table: dict[str, Any]) -> list[Any]:
    """What the total adds up: each row's parameters."""
    return [row[1] for row in table["rows"]]


def _sizes(value: Any) -> tuple[int, ...] | None:
    """A submitted shape as positive integers, or None when it is not one."""
    if not isinstance(value, list) or not value:
        return None
    numbers = [as_number(v) for v in value]
    if any(n is None or n < 1 or n != int(n) or n > 10**9 for n in numbers):
        return None
    return tuple(int(n) for n in numbers)  # type: ignore[arg-type]


def _follower(variant: Variant, names: list[str]) -> Follow | None:
    """Each row's key recomputed from the student's own previous output shape (keys from before it: none)."""
    if "layers" not in variant.params:
        return None
    layers = layers_from_data(variant.params["layers"])

    def follow(path: Path, index: int, rows: list[Any]) -> tuple[Any, str] | None:
        previous = rows[index - 1] if path == ("rows",) and 0 < index < len(layers) else None
        shape = _sizes(previous[0]) if isinstance(previous, list) and previous else None
        if shape is None:
            return None
        try:
            row = layer_table(shape, [layers[index]]).rows[0]
        except (ValueError, TypeError):
            return None
        return ([list(row.output_shape), row.params.total],
                f"row {names[index]}: follow-through from your {names[index - 1]} shape")

    return follow


def explain(variant: Variant) -> str:
    """The filled-in table."""
    return _filled_in(variant, [row["description"] for row in variant.params["rows"]])


def explain_for(variant: Variant, medium: str) -> str:
    """On paper the table's layers in words, as its question prints them."""
    return _filled_in(variant, stack_in_words(variant.params["layers"])) if medium == "paper" else explain(variant)


def _filled_in(variant: Variant, descriptions: list[str]) -> str:
    """The table with every shape and count, each layer described as given."""
    lines = ["| layer | description | output shape | parameters |", "|---|---|---|---:|",
             f"| input | | {' × '.join(map(str, variant.params['input_shape']))} | |"]
    for row, text, (shape, count) in zip(variant.params["rows"], descriptions, variant.answer["rows"]):
        lines.append(f"| {row['name']} | {text} | {' × '.join(map(str, shape))} | {count:,} |")
    lines.append(f"| **total** | | | **{variant.answer['total']:,}** |")
    dilated = any(isinstance(layer, Conv2d) and positive_pair(layer.dilation, "dilation") != (1, 1)
                  for layer in layers_from_data(variant.params.get("layers", [])))  # older keys lack layers
    span = " ($K$ taken as the span $D(K - 1) + 1$ of a kernel of dilation $D$)" if dilated else ""
    return (f"Conv: $\\lfloor (W - K + 2P)/S \\rfloor + 1$ per side{span}, $F (K^2 C_{{in}} + 1)$ parameters. "
            "Pooling: same size rule, no parameters. Dense: $n m + m$.\n\n" + "\n".join(lines) + "\n\n" +
            explain_answer(variant))


POOLS = (MaxPool2d, AvgPool2d)


def _walk(variant: Variant, bend: Callable[[Layer], Layer] = lambda layer: layer, *, pools_keep_size: bool = False,
          round_up: bool = False, depth_kept: bool = False, flatten_before_pool: bool = False) -> dict[str, Any]:
    """The table a mistake fills in: each layer bent by `bend`, and each row computed from the mistaken row before."""
    layers = layers_from_data(variant.params["layers"])
    shapes: list[Shape] = [tuple(variant.params["input_shape"])]
    rows = []
    for index, layer in enumerate(layers):
        layer, shape = bend(layer), shapes[-1]
        if pools_keep_size and isinstance(layer, POOLS):
            out, count = shape, 0
        elif flatten_before_pool and isinstance(layer, Flatten) and index and isinstance(layers[index - 1], POOLS):
            out, count = (math.prod(shapes[-2]),), 0  # the volume that went into the pool
        else:
            start = shape
            if round_up and isinstance(layer, (Conv2d, MaxPool2d, AvgPool2d)):  # ceil(x / s) = (x + s - 1) // s
                grow = positive_pair(layer.kernel_size if layer.stride is None else layer.stride, "stride")
                start = (shape[0], shape[1] + grow[0] - 1, shape[2] + grow[1] - 1)
            row = layer_table(start, [layer]).rows[0]
            out, count = row.output_shape, row.params.total
            if depth_kept and isinstance(layer, Conv2d):
                out = (shape[0], *out[1:])
        rows.append([list(out), count])
        shapes.append(out)
    return {"rows": rows, "total": sum(count for _, count in rows)}


def _unbiased(layer: Layer) -> Layer:
    """Conv and dense layers without their biases."""
    return replace(layer, bias=False) if isinstance(layer, (Conv2d, Dense)) else layer


def _unpadded(layer: Layer) -> Layer:
    """Conv and pool layers without their padding."""
    return replace(layer, padding=0) if isinstance(layer, (Conv2d, MaxPool2d, AvgPool2d)) else layer


def _undilated(layer: Layer) -> Layer:
    """Conv layers without their dilation."""
    return replace(layer, dilation=1) if isinstance(layer, Conv2d) else layer


def _stride_one(layer: Layer) -> Layer:
    """Conv layers at stride 1 (the pools' halving is a misconception of its own)."""
    return replace(layer, stride=1) if isinstance(layer, Conv2d) else layer


MISCONCEPTIONS = (
    mistake("flatten size from the wrong shape", "Flatten turns the volume that reaches it, after the last pool, into "
            "C·H·W features; counting the conv output before the pool gives the first dense layer too many inputs.",
            partial(_walk, flatten_before_pool=True)),
    mistake("pooling's halving forgotten", "Pooling downsamples along the spatial dimensions: a 2×2 pool with stride "
            "2 halves the height and the width (rounding down), and every later layer sees the smaller map.",
            partial(_walk, pools_keep_size=True)),
    mistake("biases forgotten", BIASES_FORGOTTEN, partial(_walk, bend=_unbiased)),
    mistake("padding forgotten", PADDING_FORGOTTEN, partial(_walk, bend=_unpadded)),
    mistake("stride ignored", STRIDE_IGNORED, partial(_walk, bend=_stride_one)),
    mistake("dilation ignored", DILATION_IGNORED, partial(_walk, bend=_undilated)),
    mistake("rounding up instead of down", ROUNDED_UP, partial(_walk, round_up=True)),
    mistake(DEPTH_NAME, DEPTH_FROM_INPUT, partial(_walk, depth_kept=True)),
)
