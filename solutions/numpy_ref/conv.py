"""Vectorised 1D and 2D convolution (cross-correlation, as in torch), forward and backward, by im2col + matmul."""

from __future__ import annotations

import numpy as np

from solutions._args import IntOrPair, Padding, conv_pads, positive_pair, require_ndim
from solutions.numpy_ref.windows import Geometry, col2im, im2col, make_geometry


def conv_geometry(
    x: np.ndarray, w: np.ndarray, stride: IntOrPair, padding: Padding, dilation: IntOrPair
) -> Geometry:
    """Validate conv2d's arguments and resolve where the windows sit."""
    require_ndim(x, 4, "input", "(N, C, H, W)")
    require_ndim(w, 4, "weight", "(out_channels, in_channels, kH, kW)")
    if x.shape[1] != w.shape[1]:
        raise ValueError(
            f"input has {x.shape[1]} channels but weight expects {w.shape[1]} "
            f"(input shape {x.shape}, weight shape {w.shape})"
        )
    if min(w.shape[2:]) <= 0:
        raise ValueError(f"weight must have a non-empty kernel, got shape {w.shape}")
    kernel = (w.shape[2], w.shape[3])
    stride_, dilation_ = positive_pair(stride, "stride"), positive_pair(dilation, "dilation")
    pads = conv_pads(padding, kernel, stride_, dilation_)
    return make_geometry(x, kernel, stride_, dilation_, pads, "kernel")


def conv2d(
    x: np.ndarray,
    w: np.ndarray,
    b: np.ndarray | None = None,
    stride: IntOrPair = 1,
    padding: Padding = 0,
    dilation: IntOrPair = 1,
) -> np.ndarray:
    """torch.nn.functional.conv2d in NumPy: x (N, C, H, W), w (F, C, kh, kw), b (F,) -> (N, F, Ho, Wo)."""
    x, w = np.asarray(x), np.asarray(w)
    geo = conv_geometry(x, w, stride, padding, dilation)
    out = w.reshape(w.shape[0], -1) @ im2col(x, geo)  # (F, Ho * Wo * N)
    if b is not None:
        b = np.asarray(b)
        if b.shape != (w.shape[0],):
            raise ValueError(f"bias must have shape ({w.shape[0]},) to match weight {w.shape}, got {b.shape}")
        out += b[:, None]
    return np.ascontiguousarray(out.reshape(w.shape[0], *geo.out_hw, x.shape[0]).transpose(3, 0, 1, 2))


def conv2d_backward(
    dout: np.ndarray,
    x: np.ndarray,
    w: np.ndarray,
    stride: IntOrPair = 1,
    padding: Padding = 0,
    dilation: IntOrPair = 1,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Gradients (dx, dw, db) of conv2d's output, given the upstream gradient dout (N, F, Ho, Wo)."""
    x, w, dout = np.asarray(x), np.asarray(w), np.asarray(dout)
    geo = conv_geometry(x, w, stride, padding, dilation)
    n, f = x.shape[0], w.shape[0]
    expected = (n, f, *geo.out_hw)
    if dout.shape != expected:
        raise ValueError(f"dout must have conv2d's output shape {expected}, got {dout.shape}")
    dout_cols = dout.transpose(1, 2, 3, 0).reshape(f, -1)  # (F, Ho * Wo * N), im2col's column order
    dw = (dout_cols @ im2col(x, geo).T).reshape(w.shape)
    db = dout.sum(axis=(0, 2, 3))
    dx = col2im(w.reshape(f, -1).T @ dout_cols, geo, n)
    return dx, dw, db


def _as_2d_args(
    x: np.ndarray, w: np.ndarray, stride: int, padding: int | str, dilation: int
) -> tuple[np.ndarray, np.ndarray, tuple[int, int], tuple[int, int] | str, tuple[int, int]]:
    """Express a 1D convolution as a 2D one of height 1."""
    x, w = np.asarray(x), np.asarray(w)
    require_ndim(x, 3, "input", "(N, C, L)")
    require_ndim(w, 3, "weight", "(out_channels, in_channels, K)")
    for name, value in (("stride", stride), ("dilation", dilation), ("padding", padding)):
        if not isinstance(value, (int, np.integer, str)) or isinstance(value, bool):
            raise ValueError(f"{name} of a 1D convolution must be an int, got {value!r}")
    padding_2d = padding if isinstance(padding, str) else (0, int(padding))
    return x[:, :, None, :], w[:, :, None, :], (1, int(stride)), padding_2d, (1, int(dilation))


def conv1d(
    x: np.ndarray,
    w: np.ndarray,
    b: np.ndarray | None = None,
    stride: int = 1,
    padding: int | str = 0,
    dilation: int = 1,
) -> np.ndarray:
    """torch.nn.functional.conv1d in NumPy: x (N, C, L), w (F, C, K) -> (N, F, Lo), zero padding both ends."""
    x2, w2, stride2, padding2, dilation2 = _as_2d_args(x, w, stride, padding, dilation)
    return conv2d(x2, w2, b, stride2, padding2, dilation2)[:, :, 0, :]


def conv1d_backward(
    dout: np.ndarray, x: np.ndarray, w: np.ndarray, stride: int = 1, padding: int | str = 0, dilation: int = 1
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Gradients (dx, dw, db) of conv1d's output, given dout (N, F, Lo)."""
    x2, w2, stride2, padding2, dilation2 = _as_2d_args(x, w, stride, padding, dilation)
    dout = np.asarray(dout)
    require_ndim(dout, 3, "dout", "(N, F, Lo)")
    dout2 = dout[:, :, None, :]
    dx, dw, db = conv2d_backward(dout2, x2, w2, stride2, padding2, dilation2)
    return dx[:, :, 0, :], dw[:, :, 0, :], db
