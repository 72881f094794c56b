"""Receptive fields of a stack of conv and pool layers, by the recurrence r_out = r_in + d (k - 1) j_in, j_out = j_in s.

Batch norm, ReLU and dropout act on each position alone and leave the field as it is; transposed convolutions,
residual blocks, global pooling, flatten and dense layers have no field here (a clear error says so).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from solutions._args import positive_pair
from solutions.layers import (PASS_THROUGH, AvgPool2d, Conv2d, ConvTranspose2d, Dense, Flatten, GlobalAvgPool2d, Layer,
                              LayerError, MaxPool2d, Residual, describe_layer, pool_window)

_NO_FIELD = {ConvTranspose2d: "a transposed convolution", Residual: "a residual block",
             GlobalAvgPool2d: "global average pooling (it sees the whole input)", Flatten: "a flatten layer",
             Dense: "a dense layer"}


@dataclass(frozen=True)
class FieldStep:
    """One layer on one axis of the receptive-field recurrence, kept whole so a worked solution can show it."""

    field_in: int
    jump_in: int
    kernel: int
    stride: int
    dilation: int

    @property
    def field_out(self) -> int:
        """r_out = r_in + d (k - 1) j_in: the (dilated) kernel's extra taps, each j_in input pixels apart."""
        return self.field_in + self.dilation * (self.kernel - 1) * self.jump_in

    @property
    def jump_out(self) -> int:
        """j_out = j_in s: input pixels between neighbouring outputs."""
        return self.jump_in * self.stride


def receptive_steps(layers: Sequence[Layer]) -> list[tuple[FieldStep, FieldStep]]:
    """The recurrence's (height, width) step for each layer, from r = 1, j = 1; a batch norm, ReLU or dropout
    layer is a 1 x 1 step at stride 1 (the field unchanged)."""
    steps: list[tuple[FieldStep, FieldStep]] = []
    field, jump = (1, 1), (1, 1)
    for index, layer in enumerate(layers):
        if isinstance(layer, Conv2d):
            kernel, stride, dilation = layer.kernel_size, layer.stride, layer.dilation
        elif isinstance(layer, (MaxPool2d, AvgPool2d)):
            kernel, stride, _ = pool_window(layer)
            dilation = 1
        elif isinstance(layer, PASS_THROUGH):
            kernel, stride, dilation = 1, 1, 1
        else:
            raise LayerError(index, f"layer {index + 1} ({describe_layer(layer)}): the receptive field of "
                                    f"{_NO_FIELD.get(type(layer), type(layer).__name__)} is not defined here; "
                                    "receptive fields are defined for conv and pool layers only (batch norm, ReLU "
                                    "and dropout between them leave the field unchanged)")
        try:
            ks, ss, ds = positive_pair(kernel, "kernel_size"), positive_pair(stride, "stride"), \
                positive_pair(dilation, "dilation")
        except ValueError as error:
            raise LayerError(index, f"layer {index + 1}: {error}") from None
        height, width = (FieldStep(field[axis], jump[axis], ks[axis], ss[axis], ds[axis]) for axis in range(2))
        steps.append((height, width))
        field, jump = (height.field_out, width.field_out), (height.jump_out, width.jump_out)
    return steps


def receptive_fields(layers: Sequence[Layer]) -> list[tuple[int, int]]:
    """Receptive field (height, width) in input pixels after each layer (conv, pool, or one that passes it on).

    r_out = r_in + (d * (k - 1)) * j_in and j_out = j_in * s, where j is the product of the strides so far.
    """
    return [(height.field_out, width.field_out) for height, width in receptive_steps(layers)]


def receptive_field(layers: Sequence[Layer]) -> tuple[int, int]:
    """Receptive field (height, width) of one output unit of a stack of conv and pool layers."""
    if not layers:
        return (1, 1)
    return receptive_fields(layers)[-1]
