"""Sliding-window views and their adjoint: the one mechanism behind every vectorised conv and pool."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from solutions._args import Pads, check_window_fits, output_extent


@dataclass(frozen=True)
class Geometry:
    """Where every window of a 2D sliding operation sits, resolved once per call."""

    kernel: tuple[int, int]
    stride: tuple[int, int]
    dilation: tuple[int, int]
    pads: Pads
    in_hw: tuple[int, int]

    @property
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
    return np.pad(x, ((0, 0), (0, 0), (top, bottom), (left, right)), constant_values=value)


def windows(x_padded: np.ndarray, geo: Geometry) -> np.ndarray:
    """A read-only (N, C, Ho, Wo, kh, kw) view of every window; no data is copied."""
    (kh, kw), (sh, sw), (dh, dw) = geo.kernel, geo.stride, geo.dilation
    span = (dh * (kh - 1) + 1, dw * (kw - 1) + 1)
    view = sliding_window_view(x_padded, span, axis=(2, 3))
    ho, wo = geo.out_hw
    return view[:, :, : sh * (ho - 1) + 1 : sh, : sw * (wo - 1) + 1 : sw, ::dh, ::dw]


def scatter_windows(grad_windows: np.ndarray, geo: Geometry, dtype: np.dtype) -> np.ndarray:
    """Adjoint of `windows` then un-pad: sum each window's gradient back onto the input (col2im).

    Loops over kernel taps only (kh * kw iterations); each iteration is one strided, vectorised add.
    """
    n, c = grad_windows.shape[:2]
    (kh, kw), (sh, sw), (dh, dw) = geo.kernel, geo.stride, geo.dilation
    ho, wo = geo.out_hw
    grad = np.zeros((n, c, *geo.padded_hw), dtype=dtype)
    for i in range(kh):
        for j in range(kw):
            rows = slice(i * dh, i * dh + sh * (ho - 1) + 1, sh)
            cols = slice(j * dw, j * dw + sw * (wo - 1) + 1, sw)
            grad[:, :, rows, cols] += grad_windows[:, :, :, :, i, j]
    (top, bottom), (left, right) = geo.pads
    hp, wp = geo.padded_hw
    return grad[:, :, top : hp - bottom, left : wp - right]
