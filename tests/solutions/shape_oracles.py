"""Torch as the oracle for shape arithmetic: a layer's output shape from the real module (every layer type of
solutions.shapes, ResNet blocks built as torchvision builds them), and a stack's receptive field from a gradient
(backprop a one-hot at the centre output unit through all-ones weights)."""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from solutions.layers import BOTTLENECK_EXPANSION
from solutions.shapes import (AvgPool2d, BatchNorm2d, Conv2d, ConvTranspose2d, Dense, Dropout, Flatten,
                              GlobalAvgPool2d, Layer, MaxPool2d, ReLU, Residual, residual_params)


def conv_bn(c_in: int, c_out: int, kernel: int, stride: int = 1) -> list[nn.Module]:
    """torchvision's unit: a bias-free conv (3 x 3 padded by 1, or 1 x 1) followed by BatchNorm2d."""
    return [nn.Conv2d(c_in, c_out, kernel, stride, padding=kernel // 2, bias=False), nn.BatchNorm2d(c_out)]


class ResidualModule(nn.Module):
    """relu(main(x) + shortcut(x)), the residual block as torchvision builds it."""

    def __init__(self, main: list[nn.Module], shortcut: list[nn.Module]) -> None:
        super().__init__()
        self.main, self.shortcut = nn.Sequential(*main), nn.Sequential(*shortcut)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Add the shortcut (identity when empty) to the main path."""
        return torch.relu(self.main(x) + self.shortcut(x))


def torch_block(kind: str, c_in: int, width: int, stride: int, projection: bool) -> tuple[ResidualModule, int]:
    """torchvision's BasicBlock (width = out channels) or Bottleneck (out = 4 * width); and its out channels."""
    if kind == "basic":
        c_out = width
        main = [*conv_bn(c_in, width, 3, stride), nn.ReLU(), *conv_bn(width, width, 3)]
    else:
        c_out = 4 * width
        main = [*conv_bn(c_in, width, 1), nn.ReLU(), *conv_bn(width, width, 3, stride), nn.ReLU(),
                *conv_bn(width, c_out, 1)]
    return ResidualModule(main, conv_bn(c_in, c_out, 1, stride) if projection else []), c_out


def torch_module(layer: Layer, in_channels: int = 1) -> nn.Module:
    """The torch module a layer of solutions.shapes stands for, given its input's channels (a dense layer: its
    features); out channels 1 where a conv leaves them out."""
    if isinstance(layer, Conv2d):
        return nn.Conv2d(in_channels, layer.out_channels or 1, layer.kernel_size, layer.stride, layer.padding,
                         layer.dilation, layer.groups, layer.bias)
    if isinstance(layer, ConvTranspose2d):
        return nn.ConvTranspose2d(in_channels, layer.out_channels, layer.kernel_size, layer.stride, layer.padding,
                                  layer.output_padding, layer.groups, layer.bias, layer.dilation)
    if isinstance(layer, (MaxPool2d, AvgPool2d)):
        pool = nn.MaxPool2d if isinstance(layer, MaxPool2d) else nn.AvgPool2d
        return pool(layer.kernel_size, layer.stride, layer.padding)
    if isinstance(layer, Residual):
        projection = residual_params(in_channels, layer).shortcut > 0
        width = layer.out_channels if layer.block == "basic" else layer.out_channels // BOTTLENECK_EXPANSION
        return torch_block(layer.block, in_channels, width, layer.stride, projection)[0]
    if isinstance(layer, Dense):
        return nn.Linear(in_channels, layer.out_features, layer.bias)
    if isinstance(layer, Dropout):
        return nn.Dropout(layer.p)
    if isinstance(layer, BatchNorm2d):
        return nn.BatchNorm2d(in_channels)
    simple: dict[type, type[nn.Module]] = {ReLU: nn.ReLU, Flatten: nn.Flatten}
    return nn.AdaptiveAvgPool2d(1) if isinstance(layer, GlobalAvgPool2d) else simple[type(layer)]()


def torch_network(shape: Sequence[int], layers: Sequence[Layer]) -> nn.Sequential:
    """The same network in torch, each module sized by running a probe batch of 2 along (a batch norm in training
    mode needs more than one value per channel)."""
    modules: list[nn.Module] = []
    probe = torch.zeros(2, *shape)
    with torch.no_grad():
        for layer in layers:
            module = torch_module(layer, in_channels=probe.shape[1])
            probe = module(probe)
            modules.append(module)
    return nn.Sequential(*modules)


def torch_receptive_field(layers: Sequence[Layer]) -> tuple[int, int]:
    """Rows and columns spanned by the input pixels whose gradient reaches the centre output unit.

    One channel throughout, every weight 1 and the input all ones, so no path cancels; max pools become average
    pools of the same window and stride (a max sends its gradient to one tied pixel only, an average to all), and
    padding is dropped (it changes no field's size, and without it every output unit's field lies inside the input).
    Batch norm, ReLU and dropout are the real modules in eval mode (positive values pass every one of them).
    The input doubles from 64 pixels until the stack fits it. The span, not the count: a dilated kernel leaves holes.
    """
    modules: list[nn.Module] = []
    for layer in layers:
        if isinstance(layer, Conv2d):
            module = nn.Conv2d(1, 1, layer.kernel_size, layer.stride, 0, layer.dilation, bias=False)
            nn.init.ones_(module.weight)
        elif isinstance(layer, (MaxPool2d, AvgPool2d)):
            module = nn.AvgPool2d(layer.kernel_size, layer.stride)
        else:
            module = torch_module(layer)
        modules.append(module)
    stack, size = nn.Sequential(*modules).double().eval(), 64
    while (ran := _run(stack, size)) is None:
        size *= 2
    image, out = ran
    height, width = out.shape[-2:]
    out[0, 0, height // 2, width // 2].backward()
    assert image.grad is not None
    rows, columns = torch.nonzero(image.grad[0, 0], as_tuple=True)
    return int(rows.max() - rows.min() + 1), int(columns.max() - columns.min() + 1)


def _run(stack: nn.Module, size: int) -> tuple[torch.Tensor, torch.Tensor] | None:
    """(input, output) of the stack on a size x size image of ones, or None where the stack does not fit it."""
    image = torch.ones(1, 1, size, size, dtype=torch.float64, requires_grad=True)
    try:
        out = stack(image)
    except RuntimeError:  # the input is smaller than a window somewhere in the stack
        return None
    return (image, out) if min(out.shape[-2:]) >= 1 else None


def torch_output_hw(layer: Layer, height: int, width: int) -> tuple[int, int]:
    """Height and width of the real module's output on a (1, 1, height, width) input."""
    out = torch_module(layer)(torch.zeros(1, 1, height, width))
    return int(out.shape[-2]), int(out.shape[-1])
