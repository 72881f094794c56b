"""What a layer and a network cost: multiply-accumulates (MACs), FLOPs and the activation memory of a batch.

Conventions, which a template states: one multiply-add is one MAC and counts as 2 FLOPs; adding a bias is 1 FLOP
per output element, counted only when count_bias is True (torch.utils.flop_counter.FlopCounterMode never counts
it, so its figure is 2 * MACs). Pooling, ReLU and flatten cost no MACs (FlopCounterMode counts none either).
Every count is for the whole batch.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from math import prod

from solutions._args import IntOrPair, positive_pair
from solutions.layer_math import check_groups, chw, conv_transpose_output_size
from solutions.shapes import AvgPool2d, Conv2d, Dense, Flatten, Layer, MaxPool2d, Shape, conv_output_size, layer_table

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


def _layer_cost(in_shape: Shape, layer: Layer, batch: int, index: int) -> Cost:
    """The cost of one layer of a sequential network, given the shape that reaches it."""
    if isinstance(layer, Conv2d):
        return conv2d_cost(in_shape, layer.out_channels, layer.kernel_size, layer.stride, layer.padding,
                           layer.dilation, bias=layer.bias, batch=batch)
    if isinstance(layer, Dense):
        return dense_cost(in_shape[0], layer.out_features, layer.bias, batch)
    if isinstance(layer, (MaxPool2d, AvgPool2d, Flatten)):
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


def activation_bytes(input_shape: Sequence[int], layers: Sequence[Layer], batch: int = 1,
                     bytes_per_element: int = FLOAT32_BYTES, include_input: bool = False) -> int:
    """Memory of every layer's output for the whole batch, float32 by default: what training keeps for backward.

    Convention: each conv, pool and dense output is a new tensor of batch * C * H * W elements; flatten is a view
    of its input and takes no memory of its own; the input batch counts only when include_input is True.
    """
    _check_batch(batch)
    if bytes_per_element < 1:
        raise ValueError(f"bytes_per_element must be positive, got {bytes_per_element}")
    table = layer_table(input_shape, layers)
    elements = sum(prod(row.output_shape) for row, layer in zip(table.rows, layers) if not isinstance(layer, Flatten))
    if include_input:
        elements += prod(input_shape)
    return batch * elements * bytes_per_element
