"""Torch as the oracle for shape arithmetic: a layer's output shape from the real module, and a stack's receptive
field from a gradient (backprop a one-hot at the centre output unit through all-ones weights)."""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from solutions.shapes import AvgPool2d, Conv2d, Layer, MaxPool2d


def torch_module(layer: Layer, in_channels: int = 1) -> nn.Module:
    """The torch module a layer of solutions.shapes stands for (channels 1 where the layer leaves them out)."""
    if isinstance(layer, Conv2d):
        return nn.Conv2d(in_channels, layer.out_channels or 1, layer.kernel_size, layer.stride, layer.padding,
                         layer.dilation, bias=False)
    pool = nn.MaxPool2d if isinstance(layer, MaxPool2d) else nn.AvgPool2d
    return pool(layer.kernel_size, layer.stride, layer.padding)


def torch_receptive_field(layers: Sequence[Conv2d | MaxPool2d | AvgPool2d]) -> tuple[int, int]:
    """Rows and columns spanned by the input pixels whose gradient reaches the centre output unit.

    One channel throughout, every weight 1 and the input all ones, so no path cancels; max pools become average
    pools of the same window and stride (a max sends its gradient to one tied pixel only, an average to all), and
    padding is dropped (it changes no field's size, and without it every output unit's field lies inside the input).
    The input doubles from 64 pixels until the stack fits it. The span, not the count: a dilated kernel leaves holes.
    """
    modules: list[nn.Module] = []
    for layer in layers:
        if isinstance(layer, Conv2d):
            module = nn.Conv2d(1, 1, layer.kernel_size, layer.stride, 0, layer.dilation, bias=False)
            nn.init.ones_(module.weight)
        else:
            module = nn.AvgPool2d(layer.kernel_size, layer.stride)
        modules.append(module)
    stack, size = nn.Sequential(*modules).double(), 64
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
