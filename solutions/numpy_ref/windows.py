"""Sliding-window views and their adjoint: the one mechanism behind every vectorised conv and pool."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property

import numpy as np
from numpy.lib.stride_tricks import as_strided

from solutions._args import Pads, check_window_fits, output_extent


@dataclass(frozen=True)
class Geometry:
    """Where every window of a 2D sliding operation sits, resolved once per call."""

    kernel: tuple[int, int]
    stride: tuple[int, int]
    dilation: tuple[int, int]
    pads: Pads
    in_hw: tuple[int, int]

    @cached_property
    def out_hw(self) -> tuple[int, int]:
        """Output height and width, floored as PyTorch does."""
        return tuple(  # type: ignore[return-value]
            output_extent(size, lo, hi, k, s, d)
            for size, (lo, hi), k, s, d in zip(self.in_hw, self.pads, self.kernel, self.stride, self.dilation)
        )

    @property
    def padded_hw(self) -> tuple[int, int]:
        """Spatial size after padding."""
        (top, bottom), (left, right) = self.pads
        return self.in_hw[0] + top + bottom, self.in_hw[1] + left + right


def make_geometry(
    x: np.ndarray, kernel: tuple[int, int], stride: tuple[int, int], dilation: tuple[int, int], pads: Pads, name: str
) -> Geometry:
    """Build a Geometry for an (N, C, H, W) input, rejecting kernels that do not fit."""
    in_hw = (x.shape[2], x.shape[3])
    check_window_fits(in_hw, pads, kernel, dilation, name)
    return Geometry(kernel, stride, dilation, pads, in_hw)


def pad(x: np.ndarray, geo: Geometry, value: float = 0.0) -> np.ndarray:
    """Pad the two spatial axes of (N, C, H, W) with a constant."""
    (top, bottom), (left, right) = geo.pads
    if top == bottom == left == right == 0:
        return x
    height, width = x.shape[2:]
    padded = np.full((*x.shape[:2], height + top + bottom, width + left + right), value, dtype=x.dtype)
    padded[:, :, top:top + height, left:left + width] = x  # np.pad's result, without its generality's overhead
    return padded


def windows_view(x: np.ndarray, geo: Geometry, axes: tuple[int, int]) -> np.ndarray:
    """Every window of padded x as a read-only view: spatial `axes` cut to (Ho, Wo), then (kh, kw) at the end."""
    (kh, kw), (sh, sw), (dh, dw) = geo.kernel, geo.stride, geo.dilation
    shape, strides = list(x.shape), list(x.strides)
    for axis, extent, step in zip(axes, geo.out_hw, (sh, sw)):
        shape[axis], strides[axis] = extent, x.strides[axis] * step
    return as_strided(x, (*shape, kh, kw), (*strides, x.strides[axes[0]] * dh, x.strides[axes[1]] * dw),
                      writeable=False)


def taps(geo: Geometry) -> Iterator[tuple[int, int, tuple[slice, slice]]]:
    """For each kernel tap (i, j), the strided slice of the padded input that the tap sees at every output.

    Looping over taps (kh * kw iterations, each one vectorised over all outputs) is how pooling and the
    backward passes stay free of loops over pixels.
    """
    (kh, kw), (sh, sw), (dh, dw) = geo.kernel, geo.stride, geo.dilation
    ho, wo = geo.out_hw
    for i in range(kh):
        for j in range(kw):
            yield i, j, (slice(i * dh, i * dh + sh * (ho - 1) + 1, sh), slice(j * dw, j * dw + sw * (wo - 1) + 1, sw))


def unpad(grad_padded: np.ndarray, geo: Geometry) -> np.ndarray:
    """Drop the padded border of a gradient: padding is not an input, so it gets no gradient."""
    (top, bottom), (left, right) = geo.pads
    hp, wp = geo.padded_hw
    return grad_padded[:, :, top : hp - bottom, left : wp - right]


def im2col(x: np.ndarray, geo: Geometry) -> np.ndarray:
    """Copy every window into one column: (C * kh * kw, Ho * Wo * N), so a conv is one matrix product.

    The batch axis is innermost: each copy (and each add in col2im) then runs over N contiguous numbers
    instead of a handful of pixels, which is what keeps the NumPy reference within reach of torch.
    """
    kh, kw = geo.kernel
    batch_last = np.ascontiguousarray(pad(x, geo).transpose(1, 2, 3, 0))  # (C, Hp, Wp, N)
    win = windows_view(batch_last, geo, (1, 2))  # (C, Ho, Wo, N, kh, kw), no copy
    return win.transpose(0, 4, 5, 1, 2, 3).reshape(x.shape[1] * kh * kw, -1)


def col2im(columns: np.ndarray, geo: Geometry, n_images: int) -> np.ndarray:
    """Adjoint of im2col: sum each column entry back onto the input pixel it was copied from."""
    kh, kw = geo.kernel
    blocks = columns.reshape(-1, kh, kw, *geo.out_hw, n_images)  # (C, kh, kw, Ho, Wo, N)
    grad = np.zeros((blocks.shape[0], *geo.padded_hw, n_images), dtype=columns.dtype)  # (C, Hp, Wp, N)
    for i, j, (rows, cols) in taps(geo):
        grad[:, rows, cols] += blocks[:, i, j]  # same layout on both sides: long contiguous runs
    return np.ascontiguousarray(unpad(grad.transpose(3, 0, 1, 2), geo))
