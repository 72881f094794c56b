"""Shape and parameter arithmetic for CNNs: output sizes, parameter counts, receptive fields, layer tables.

Architectures are plain data (frozen dataclasses, or dicts from YAML via `layers_from_data`), so the
generator, the grader and the lecture's worked examples all compute from one place. The work is split by job:
solutions/layers.py (the layer types as data), solutions/conv_arithmetic.py (one layer's sizes and counts),
solutions/receptive.py (receptive fields), solutions/layer_math.py (modern layers and ResNet blocks); this module
walks a whole stack (`layer_table`) and is where the rest of the code imports all of them from.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from math import prod
from numbers import Integral, Real

from solutions.conv_arithmetic import (ParamCount, Shape, check_groups, conv2d_params, conv_output_size,
                                       dense_params, output_size_is_exact)
from solutions.layer_math import (BlockCount, basic_block_params, bottleneck_block_params, chw,
                                  conv_transpose_output_size, global_avg_pool_shape, grouped_conv2d_params,
                                  residual_block_output_shape)
from solutions.layers import (BOTTLENECK_EXPANSION, LAYER_TYPES, AvgPool2d, BatchNorm2d, Conv2d,
                              ConvTranspose2d, Dense, Dropout, Flatten, GlobalAvgPool2d, Layer, LayerError, MaxPool2d,
                              ReLU, Residual, describe_layer, layer_keys, layers_from_data, pool_window)
from solutions.receptive import FieldStep, receptive_field, receptive_fields, receptive_steps

__all__ = ["LAYER_TYPES", "AvgPool2d", "BatchNorm2d", "BlockConv", "Conv2d", "ConvTranspose2d", "Dense", "Dropout", "FieldStep",
           "Flatten", "GlobalAvgPool2d", "Layer", "LayerError", "LayerRow", "LayerTable", "MaxPool2d", "ParamCount",
           "ReLU", "Residual", "Shape", "check_groups", "conv2d_params", "conv_output_size", "dense_params",
           "describe_layer", "layer_keys", "layer_table", "layers_from_data", "output_size_is_exact",
           "receptive_field", "receptive_fields", "receptive_steps", "residual_convs", "residual_params"]

_SHORT_NAMES: dict[type, str] = {Conv2d: "conv", ConvTranspose2d: "tconv", MaxPool2d: "pool", AvgPool2d: "pool",
                                 GlobalAvgPool2d: "pool", BatchNorm2d: "bn", ReLU: "relu", Dropout: "dropout",
                                 Residual: "block", Flatten: "flatten", Dense: "fc"}


@dataclass(frozen=True)
class LayerRow:
    """One row of a layer table."""

    name: str
    description: str
    output_shape: Shape
    params: ParamCount


@dataclass(frozen=True)
class LayerTable:
    """Output shape and parameters per layer of a sequential architecture, and the total.

    Parameters are what torch's `module.parameters()` holds: a batch norm layer's running mean and variance are
    buffers, not parameters, and no table counts them.
    """

    input_shape: Shape
    rows: tuple[LayerRow, ...]

    @property
    def total_params(self) -> int:
        """All learnable parameters of the network."""
        return sum(row.params.total for row in self.rows)

    @property
    def output_shape(self) -> Shape:
        """Shape of the network's output (per example)."""
        return self.rows[-1].output_shape if self.rows else self.input_shape


def _whole(value: object, name: str) -> int:
    """A positive whole number (a residual block's out_channels or stride), refused by name otherwise."""
    if not isinstance(value, Integral) or isinstance(value, bool) or value < 1:
        raise ValueError(f"{name} must be a positive whole number, got {value!r}")
    return int(value)


def residual_params(in_channels: int, layer: Residual) -> BlockCount:
    """A residual block's parameters (main path and shortcut, torchvision's rule: a projection exactly where the
    shape changes) and running statistics, from solutions/layer_math.py."""
    out_channels, stride = _whole(layer.out_channels, "out_channels"), _whole(layer.stride, "stride")
    if layer.block == "basic":
        return basic_block_params(in_channels, out_channels, stride)
    if out_channels % BOTTLENECK_EXPANSION:
        raise ValueError(f"a bottleneck block's out_channels must be a multiple of {BOTTLENECK_EXPANSION} (its inner "
                         f"width is out_channels / {BOTTLENECK_EXPANSION}, as in torchvision), got {out_channels}")
    return bottleneck_block_params(in_channels, out_channels // BOTTLENECK_EXPANSION, stride)


@dataclass(frozen=True)
class BlockConv:
    """One bias-free conv of a residual block (each is followed by a batch norm of its out_channels)."""

    in_channels: int
    out_channels: int
    kernel_size: int  # 3 x 3 convs are padded by 1, 1 x 1 convs not
    stride: int
    shortcut: bool  # the projection, which sees the block's input; the main path's convs run one after another


def residual_convs(in_channels: int, layer: Residual) -> list[BlockConv]:
    """The block's convs in order, main path then the projection where it has one (what a cost or a worked
    solution walks); their parameters and batch norms add up to residual_params' total."""
    counts = residual_params(in_channels, layer)
    out, stride = layer.out_channels, layer.stride
    if layer.block == "basic":
        main = [BlockConv(in_channels, out, 3, stride, False), BlockConv(out, out, 3, 1, False)]
    else:
        inner = out // BOTTLENECK_EXPANSION
        main = [BlockConv(in_channels, inner, 1, 1, False), BlockConv(inner, inner, 3, stride, False),
                BlockConv(inner, out, 1, 1, False)]
    return main + ([BlockConv(in_channels, out, 1, stride, True)] if counts.shortcut else [])


def _propagate(shape: Shape, layer: Layer) -> tuple[Shape, ParamCount]:
    """One example's shape after one layer, and that layer's parameters; ValueError says what does not fit."""
    if isinstance(layer, Dense):
        if len(shape) != 1:
            raise ValueError("a dense layer needs a flat input; add a flatten layer first")
        return (layer.out_features,), dense_params(shape[0], layer.out_features, layer.bias)
    if isinstance(layer, Flatten):
        return (prod(shape),), ParamCount(0, 0)
    if isinstance(layer, Dropout) and (not isinstance(layer.p, Real) or not 0 <= layer.p <= 1):
        raise ValueError(f"p must be between 0 and 1 (the probability of dropping a unit), got {layer.p!r}")
    if isinstance(layer, (ReLU, Dropout)):
        return shape, ParamCount(0, 0)
    if len(shape) != 3:
        raise ValueError("needs a (C, H, W) input")
    channels, height, width = shape
    if isinstance(layer, (Conv2d, ConvTranspose2d)) and layer.out_channels is None:
        raise ValueError("out_channels is needed for the output shape and the parameter count")
    if isinstance(layer, Conv2d):
        h, w = conv_output_size((height, width), layer.kernel_size, layer.stride, layer.padding,  # type: ignore[misc]
                                layer.dilation)
        return (layer.out_channels, h, w), conv2d_params(channels, layer.out_channels, layer.kernel_size,
                                                         layer.bias, layer.groups)
    if isinstance(layer, ConvTranspose2d):
        params = grouped_conv2d_params(channels, layer.out_channels, layer.kernel_size, layer.groups, layer.bias)
        h, w = conv_transpose_output_size((height, width), layer.kernel_size, layer.stride,  # type: ignore[misc]
                                          layer.padding, layer.output_padding, layer.dilation)
        return (layer.out_channels, h, w), params
    if isinstance(layer, BatchNorm2d):
        return shape, ParamCount(channels, channels)  # gamma and beta per channel
    if isinstance(layer, GlobalAvgPool2d):
        return global_avg_pool_shape(chw(shape)), ParamCount(0, 0)
    if isinstance(layer, Residual):
        counts = residual_params(channels, layer)
        batch_norms = counts.running_stats // 2  # channels under batch norm: one beta each (and a mean, a variance)
        return (residual_block_output_shape(shape, layer.out_channels, layer.stride),
                ParamCount(counts.total - batch_norms, batch_norms))
    kernel, stride, padding = pool_window(layer)
    h, w = conv_output_size((height, width), kernel, stride, padding)  # type: ignore[misc]
    return (channels, h, w), ParamCount(0, 0)


def _next_shape(shape: Shape, layer: Layer, index: int) -> tuple[Shape, ParamCount]:
    """Propagate one example's shape through one layer, an error naming the layer and the shape that reached it."""
    try:
        return _propagate(shape, layer)
    except ValueError as error:  # describing the layer costs more than the arithmetic: only on errors
        raise LayerError(index, f"layer {index + 1} ({describe_layer(layer)}) with input shape {shape}: "
                                f"{error}") from None


def layer_table(input_shape: Sequence[int], layers: Sequence[Layer]) -> LayerTable:
    """Walk a sequential architecture, giving each layer's output shape and parameters (conv1, pool1, fc1, ...)."""
    shape: Shape = tuple(input_shape)
    counters: dict[str, int] = {}
    rows = []
    for index, layer in enumerate(layers):
        shape, params = _next_shape(shape, layer, index)
        short = _SHORT_NAMES[type(layer)]
        counters[short] = counters.get(short, 0) + 1
        rows.append(LayerRow(f"{short}{counters[short]}", describe_layer(layer), shape, params))
    return LayerTable(tuple(input_shape), tuple(rows))

