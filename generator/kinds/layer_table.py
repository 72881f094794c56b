"""Shapes and parameters through a stack of layers (conv, grouped and transposed conv, pooling, batch norm, ReLU,
dropout, residual blocks, flatten and dense), filled in as a LeNet-5-style table."""

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
from solutions.shapes import (AvgPool2d, BatchNorm2d, Conv2d, ConvTranspose2d, Dense, Dropout, Flatten,
                              GlobalAvgPool2d, Layer, MaxPool2d, ReLU, Residual, Shape, conv2d_params, layer_table,
                              layers_from_data, residual_convs, residual_params)

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
    layers = layers_from_data(variant.params.get("layers", []))  # older keys lack layers
    dilated = any(isinstance(layer, Conv2d) and positive_pair(layer.dilation, "dilation") != (1, 1)
                  for layer in layers)
    span = " ($K$ taken as the span $D(K - 1) + 1$ of a kernel of dilation $D$)" if dilated else ""
    extra = "".join(f" {text}" for applies, text in MODERN_RULES if any(map(applies, layers)))
    has_blocks = any(isinstance(layer, Residual) for layer in layers)
    return (f"Conv: $\\lfloor (W - K + 2P)/S \\rfloor + 1$ per side{span}, $F (K^2 C_{{in}} + 1)$ parameters. "
            f"Pooling: same size rule, no parameters. Dense: $n m + m$.{extra}\n\n" + "\n".join(lines) + "\n\n" +
            "".join(f"- {line}\n" for line in _block_sums(variant, layers)) + ("\n" if has_blocks else "") +
            explain_answer(variant))


def _block_sums(variant: Variant, layers: list[Layer]) -> list[str]:
    """Each residual block's parameters conv by conv, the sum its row adds up."""
    inputs = [variant.params["input_shape"], *(shape for shape, _ in variant.answer["rows"])]
    lines = []
    for row, layer, in_shape, (_, count) in zip(variant.params["rows"], layers, inputs, variant.answer["rows"]):
        if isinstance(layer, Residual):
            terms = [f"{'shortcut ' if conv.shortcut else ''}{conv.kernel_size} × {conv.kernel_size} conv "
                     f"{conv.in_channels} → {conv.out_channels}{f' (stride {conv.stride})' if conv.stride > 1 else ''}"
                     f": {conv2d_params(conv.in_channels, conv.out_channels, conv.kernel_size, False).total:,}, "
                     f"batch norm {2 * conv.out_channels:,}" for conv in residual_convs(in_shape[0], layer)]
            lines.append(f"{row['name']}: {'; '.join(terms)}; in all {count:,}.")
    return lines


MODERN_RULES: tuple[tuple[Callable[[Layer], bool], str], ...] = (  # stated where a stack has such a layer
    (lambda layer: isinstance(layer, Conv2d) and layer.groups != 1,
     "A conv in $g$ groups: $F (K^2 C_{in} / g + 1)$ parameters (depthwise: $g = C_{in}$)."),
    (lambda layer: isinstance(layer, ConvTranspose2d),
     "Transposed conv: $(W - 1) S - 2P + D(K - 1) + P_{out} + 1$ per side, $C_{in} F K^2 / g + F$ parameters."),
    (lambda layer: isinstance(layer, BatchNorm2d),
     "Batch norm: shape kept, $2C$ parameters ($\\gamma$ and $\\beta$ per channel; the running mean and variance "
     "are buffers, not parameters)."),
    (lambda layer: isinstance(layer, (ReLU, Dropout)), "ReLU and dropout: shape kept, no parameters."),
    (lambda layer: isinstance(layer, GlobalAvgPool2d),
     "Global average pooling: $C \\times 1 \\times 1$, no parameters."),
    (lambda layer: isinstance(layer, Residual),
     "Residual block (as torchvision): bias-free convs each followed by a batch norm ($2C$), the $3 \\times 3$ conv "
     "carrying the stride; a $1 \\times 1$ conv and a batch norm on the shortcut where the shape changes."),
)


POOLS = (MaxPool2d, AvgPool2d)


def _walk(variant: Variant, bend: Callable[[Layer], Layer] = lambda layer: layer, *, pools_keep_size: bool = False,
          round_up: bool = False, depth_kept: bool = False, flatten_before_pool: bool = False,
          batch_norm_per_channel: int = 2, projection_forgotten: bool = False) -> dict[str, Any]:
    """The table a mistake fills in: each layer bent by `bend`, and each row computed from the mistaken row before;
    a batch norm counted with `batch_norm_per_channel` parameters per channel, a block's projection left out."""
    layers = layers_from_data(variant.params["layers"])
    shapes: list[Shape] = [tuple(variant.params["input_shape"])]
    rows = []
    for index, layer in enumerate(layers):
        layer, shape = bend(layer), shapes[-1]
        if pools_keep_size and isinstance(layer, POOLS):
            out, count = shape, 0
        elif flatten_before_pool and isinstance(layer, Flatten) and index and \
                isinstance(layers[index - 1], (*POOLS, GlobalAvgPool2d)):
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
            if isinstance(layer, BatchNorm2d):
                count = batch_norm_per_channel * shape[0]
            if projection_forgotten and isinstance(layer, Residual):
                count -= residual_params(shape[0], layer).shortcut
        rows.append([list(out), count])
        shapes.append(out)
    return {"rows": rows, "total": sum(count for _, count in rows)}


def _unbiased(layer: Layer) -> Layer:
    """Conv and dense layers without their biases."""
    return replace(layer, bias=False) if isinstance(layer, (Conv2d, ConvTranspose2d, Dense)) else layer


def _unpadded(layer: Layer) -> Layer:
    """Conv and pool layers without their padding."""
    return replace(layer, padding=0) if isinstance(layer, (Conv2d, ConvTranspose2d, MaxPool2d, AvgPool2d)) else layer


def _undilated(layer: Layer) -> Layer:
    """Conv layers without their dilation."""
    return replace(layer, dilation=1) if isinstance(layer, (Conv2d, ConvTranspose2d)) else layer


def _ungrouped(layer: Layer) -> Layer:
    """Grouped and depthwise convs taken as full convs, every filter seeing every input channel."""
    return replace(layer, groups=1) if isinstance(layer, (Conv2d, ConvTranspose2d)) else layer


def _forward_sized(layer: Layer) -> Layer:
    """A transposed conv sized (and counted) as the forward conv of the same kernel, stride and padding."""
    if not isinstance(layer, ConvTranspose2d):
        return layer
    return Conv2d(layer.out_channels, layer.kernel_size, layer.stride, layer.padding, layer.dilation, layer.bias,
                  layer.groups)


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
    mistake("batch norm counted as C parameters", "Batch normalisation learns two numbers per channel, a scale γ and "
            "a shift β: 2C parameters, not C.", partial(_walk, batch_norm_per_channel=1)),
    mistake("running statistics counted as parameters", "The running mean and variance that batch norm keeps for "
            "test time are statistics, not learnt (torch keeps them as buffers, not parameters): a batch norm layer "
            "has 2C parameters, not 4C.", partial(_walk, batch_norm_per_channel=4)),
    mistake("depthwise conv counted as a full conv", "A conv in g groups gives each filter only C_in / g input "
            "channels: F·(K·K·C_in / g + 1) parameters; a depthwise conv (g = C_in) has one K×K filter per channel, "
            "not a K×K×C_in one.", partial(_walk, bend=_ungrouped)),
    mistake("transposed conv sized by the forward rule", "A transposed convolution runs the size rule backwards: its "
            "output is (W − 1)·S − 2P + D(K − 1) + output padding + 1 per side, larger than its input when S > 1, "
            "not ⌊(W − K + 2P)/S⌋ + 1.", partial(_walk, bend=_forward_sized)),
    mistake("projection shortcut forgotten", "Where a residual block changes the shape (a stride or a new number of "
            "channels) its shortcut cannot be the identity: a 1×1 conv and a batch norm project it, and their "
            "parameters count.", partial(_walk, projection_forgotten=True)),
)
