"""One layer's arithmetic: the output size of a conv or pool window and the parameters of a conv or dense layer.

The modules above (solutions/layer_math.py, solutions/shapes.py) build blocks and whole stacks from these;
solutions/shapes.py re-exports them, the names the rest of the code imports.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeAlias

from solutions._args import IntOrPair, pair, positive_pair

Shape: TypeAlias = tuple[int, ...]


def _axis_args(in_size: IntOrPair, kernel_size: IntOrPair, stride: IntOrPair, padding: IntOrPair,
               dilation: IntOrPair) -> tuple[list[tuple[int, int, int, int, int]], bool]:
    """Zip int-or-pair arguments into per-axis tuples, and say whether the caller used pairs at all."""
    args = (in_size, kernel_size, stride, padding, dilation)
    paired = any(not isinstance(a, int) for a in args)
    sizes = pair(in_size, "in_size")
    kernel, strides, dils = positive_pair(kernel_size, "kernel_size"), positive_pair(stride, "stride"), \
        positive_pair(dilation, "dilation")
    pads = pair(padding, "padding")
    if min(pads) < 0:
        raise ValueError(f"padding must be non-negative, got {padding!r}")
    axes = list(zip(sizes, kernel, strides, pads, dils))
    for size, k, _, p, d in axes:
        if d * (k - 1) + 1 > size + 2 * p:
            raise ValueError(f"kernel_size {kernel_size!r} is larger than the padded input (in_size {in_size!r}, "
                             f"padding {padding!r}, dilation {dilation!r})")
    return axes, paired


def conv_output_size(in_size: IntOrPair, kernel_size: IntOrPair, stride: IntOrPair = 1, padding: IntOrPair = 0,
                     dilation: IntOrPair = 1) -> int | tuple[int, int]:
    """floor((W - D(K-1) - 1 + 2P) / S) + 1, as PyTorch computes it; pairs in give a pair out."""
    axes, paired = _axis_args(in_size, kernel_size, stride, padding, dilation)
    sizes = tuple((w + 2 * p - d * (k - 1) - 1) // s + 1 for w, k, s, p, d in axes)
    return sizes if paired else sizes[0]  # type: ignore[return-value]


def output_size_is_exact(in_size: IntOrPair, kernel_size: IntOrPair, stride: IntOrPair = 1, padding: IntOrPair = 0,
                         dilation: IntOrPair = 1) -> bool:
    """True when the stride divides (W - D(K-1) - 1 + 2P) exactly, i.e. no input pixel is dropped by the floor."""
    axes, _ = _axis_args(in_size, kernel_size, stride, padding, dilation)
    return all((w + 2 * p - d * (k - 1) - 1) % s == 0 for w, k, s, p, d in axes)


@dataclass(frozen=True)
class ParamCount:
    """Learnable parameters of a layer, weights and biases kept apart as the lecture counts them (as torch names
    them: a batch norm's scale gamma is its `weight`, its shift beta its `bias`)."""

    weights: int
    biases: int

    @property
    def total(self) -> int:
        """Weights plus biases."""
        return self.weights + self.biases


def dense_params(in_features: int, out_features: int, bias: bool = True) -> ParamCount:
    """A fully connected layer: in * out weights and one bias per output."""
    return ParamCount(in_features * out_features, out_features if bias else 0)


def check_groups(in_channels: int, out_channels: int, groups: int) -> None:
    """Both channel counts must split evenly into the groups, as torch requires."""
    if groups < 1 or in_channels % groups or out_channels % groups:
        raise ValueError(f"groups {groups} must be positive and divide both in_channels {in_channels} and "
                         f"out_channels {out_channels}")


def conv2d_params(in_channels: int, out_channels: int, kernel_size: IntOrPair, bias: bool = True,
                  groups: int = 1) -> ParamCount:
    """A conv layer: one kh x kw x (C_in / groups) filter and one bias per output channel, shared over all
    positions; groups = 1 is the lecture's full conv, groups = C_in a depthwise one."""
    kh, kw = positive_pair(kernel_size, "kernel_size")
    if groups != 1:
        check_groups(in_channels, out_channels, groups)
    return ParamCount(out_channels * (in_channels // groups) * kh * kw, out_channels if bias else 0)
