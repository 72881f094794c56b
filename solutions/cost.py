"""What a layer and a network cost: multiply-accumulates (MACs), FLOPs and the activation memory of a batch.

Conventions, which a template states: one multiply-add is one MAC and counts as 2 FLOPs; adding a bias is 1 FLOP
per output element, counted only when count_bias is True (torch.utils.flop_counter.FlopCounterMode never counts
it, so its figure is 2 * MACs). Pooling (global too), batch norm, ReLU, dropout, flatten and a residual
block's addition cost no MACs (FlopCounterMode counts none either).
Every count is for the whole batch.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from math import prod

from solutions._args import IntOrPair, positive_pair
from solutions.layer_math import chw, conv_transpose_output_size
from solutions.shapes import (AvgPool2d, BatchNorm2d, Conv2d, ConvTranspose2d, Dense, Dropout, Flatten,
                              GlobalAvgPool2d, Layer, MaxPool2d, ReLU, Residual, Shape, check_groups,
                              conv_output_size, layer_table, residual_convs)

FLOAT32_BYTES = 4


@dataclass(frozen=True)
class Cost:
    """A layer's multiply-accumulates and bias additions, kept apart so either FLOP convention can be read off."""

    macs: int
    bias_adds: int

    def flops(self, count_bias: bool) -> int:
        """2 FLOPs per multiply-add, plus one per bias add when the convention counts them."""
        return 2 * self.macs + (self.bias_adds if count_bias else 0)

    def __add__(self, other: Cost) -> Cost:
        """Costs of layers run one after another add up."""
        return Cost(self.macs + other.macs, self.bias_adds + other.bias_adds)


NO_COST = Cost(0, 0)


def _check_batch(batch: int) -> None:
    """A batch holds at least one example."""
    if batch < 1:
        raise ValueError(f"batch must be at least 1, got {batch}")


def conv2d_cost(in_shape: Shape, out_channels: int, kernel_size: IntOrPair, stride: IntOrPair = 1,
                padding: IntOrPair = 0, dilation: IntOrPair = 1, groups: int = 1, bias: bool = True,
                batch: int = 1) -> Cost:
    """Every output element is one dot product of C_in / groups * kh * kw multiply-adds, plus its bias."""
    channels, height, width = chw(in_shape)
    check_groups(channels, out_channels, groups)
    _check_batch(batch)
    kh, kw = positive_pair(kernel_size, "kernel_size")
    out_h, out_w = conv_output_size((height, width), kernel_size, stride, padding, dilation)  # type: ignore[misc]
    outputs = batch * out_channels * out_h * out_w
    return Cost(outputs * (channels // groups) * kh * kw, outputs if bias else 0)


def conv_transpose2d_cost(in_shape: Shape, out_channels: int, kernel_size: IntOrPair, stride: IntOrPair = 1,
                          padding: IntOrPair = 0, output_padding: IntOrPair = 0, dilation: IntOrPair = 1,
                          groups: int = 1, bias: bool = True, batch: int = 1) -> Cost:
    """Every input element is multiplied by a whole C_out / groups * kh * kw slice of the kernel and scattered.

    Counting by input elements is torch's convention; the cropped padding still costs its multiplications.
    """
    channels, height, width = chw(in_shape)
    check_groups(channels, out_channels, groups)
    _check_batch(batch)
    kh, kw = positive_pair(kernel_size, "kernel_size")
    out_h, out_w = conv_transpose_output_size((height, width), kernel_size, stride, padding,  # type: ignore[misc]
                                              output_padding, dilation)
    macs = batch * channels * height * width * (out_channels // groups) * kh * kw
    return Cost(macs, batch * out_channels * out_h * out_w if bias else 0)


def dense_cost(in_features: int, out_features: int, bias: bool = True, batch: int = 1) -> Cost:
    """Each of the out_features outputs is a dot product of in_features multiply-adds, plus its bias."""
    if min(in_features, out_features) < 1:
        raise ValueError(f"in_features and out_features must be positive, got {in_features} and {out_features}")
    _check_batch(batch)
    return Cost(batch * in_features * out_features, batch * out_features if bias else 0)


def separable_conv2d_cost(in_shape: Shape, out_channels: int, kernel_size: IntOrPair, stride: IntOrPair = 1,
                          padding: IntOrPair = 0, dilation: IntOrPair = 1, bias: bool = True,
                          batch: int = 1) -> Cost:
    """A depthwise k x k conv (which strides and pads) and then a pointwise 1 x 1 conv on its output."""
    channels = chw(in_shape)[0]
    depthwise = conv2d_cost(in_shape, channels, kernel_size, stride, padding, dilation, channels, bias, batch)
    height, width = conv_output_size(in_shape[1:], kernel_size, stride, padding, dilation)  # type: ignore[misc]
    return depthwise + conv2d_cost((channels, height, width), out_channels, 1, bias=bias, batch=batch)


def reduced_conv2d_cost(in_shape: Shape, reduced_channels: int, out_channels: int, kernel_size: IntOrPair,
                        stride: IntOrPair = 1, padding: IntOrPair = 0, dilation: IntOrPair = 1, bias: bool = True,
                        batch: int = 1) -> Cost:
    """A 1 x 1 conv down to reduced_channels at the input's size, then the k x k conv (which strides and pads).

    The cost side of layer_math.reduced_conv_params: Inception's 1 x 1 reductions, ResNet's bottleneck entry.
    """
    _, height, width = chw(in_shape)
    reduce = conv2d_cost(in_shape, reduced_channels, 1, bias=bias, batch=batch)
    return reduce + conv2d_cost((reduced_channels, height, width), out_channels, kernel_size, stride, padding,
                                dilation, bias=bias, batch=batch)


def residual_cost(in_shape: Shape, layer: Residual, batch: int = 1) -> Cost:
    """A residual block's bias-free convs, main path and projection shortcut; its batch norms, the addition and
    the ReLUs cost no MACs (FlopCounterMode counts none either)."""
    block_input = shape = chw(in_shape)
    total = NO_COST
    for conv in residual_convs(shape[0], layer):  # a 3 x 3 conv is padded by 1, as in torchvision
        seen = block_input if conv.shortcut else shape
        padding = conv.kernel_size // 2
        total += conv2d_cost(seen, conv.out_channels, conv.kernel_size, conv.stride, padding, bias=False,
                             batch=batch)
        if not conv.shortcut:
            shape = (conv.out_channels, *conv_output_size(shape[1:], conv.kernel_size,  # type: ignore[misc]
                                                          conv.stride, padding))
    return total


def _layer_cost(in_shape: Shape, layer: Layer, batch: int, index: int) -> Cost:
    """The cost of one layer of a sequential network, given the shape that reaches it."""
    if isinstance(layer, Conv2d):
        return conv2d_cost(in_shape, layer.out_channels, layer.kernel_size, layer.stride, layer.padding,
                           layer.dilation, layer.groups, layer.bias, batch)
    if isinstance(layer, ConvTranspose2d):
        return conv_transpose2d_cost(in_shape, layer.out_channels, layer.kernel_size, layer.stride, layer.padding,
                                     layer.output_padding, layer.dilation, layer.groups, layer.bias, batch)
    if isinstance(layer, Residual):
        return residual_cost(in_shape, layer, batch)
    if isinstance(layer, Dense):
        return dense_cost(in_shape[0], layer.out_features, layer.bias, batch)
    if isinstance(layer, (MaxPool2d, AvgPool2d, GlobalAvgPool2d, BatchNorm2d, ReLU, Dropout, Flatten)):
        return NO_COST
    raise ValueError(f"layer {index + 1}: the cost of {type(layer).__name__} layers is not defined in "
                     "solutions/cost.py")


def network_costs(input_shape: Sequence[int], layers: Sequence[Layer], batch: int = 1) -> list[Cost]:
    """Each layer's cost in order (pooling and flatten cost nothing); sum them for the network's."""
    _check_batch(batch)
    shapes = [tuple(input_shape), *(row.output_shape for row in layer_table(input_shape, layers).rows)]
    return [_layer_cost(shapes[index], layer, batch, index) for index, layer in enumerate(layers)]


def network_cost(input_shape: Sequence[int], layers: Sequence[Layer], batch: int = 1) -> Cost:
    """The whole network's MACs and bias adds for one forward pass of the batch."""
    return sum(network_costs(input_shape, layers, batch), NO_COST)


def _returns_its_input(layer: Layer) -> bool:
    """Layers whose output is their input's memory: flatten (a view) and dropout with p = 0 (torch returns x)."""
    return isinstance(layer, Flatten) or (isinstance(layer, Dropout) and layer.p == 0)


def activation_bytes(input_shape: Sequence[int], layers: Sequence[Layer], batch: int = 1,
                     bytes_per_element: int = FLOAT32_BYTES, include_input: bool = False) -> int:
    """Memory of every layer's output for the whole batch, float32 by default: what training keeps for backward.

    Convention: each layer's output is a new tensor of batch * C * H * W elements (batch norm, ReLU and dropout
    included, as torch's modules make them in training) but flatten's, a view of its input that takes no memory of
    its own, and a dropout's of p = 0, which torch returns as its input; a residual block is one layer: its output
    counts, the tensors inside it do not; the input batch counts only when include_input is True.
    """
    _check_batch(batch)
    if bytes_per_element < 1:
        raise ValueError(f"bytes_per_element must be positive, got {bytes_per_element}")
    table = layer_table(input_shape, layers)
    elements = sum(prod(row.output_shape) for row, layer in zip(table.rows, layers) if not _returns_its_input(layer))
    if include_input:
        elements += prod(input_shape)
    return batch * elements * bytes_per_element
