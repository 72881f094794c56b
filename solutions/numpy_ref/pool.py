"""Vectorised max and average pooling, forward and backward, for any window and stride (overlapping included).

Max-pool ties: the gradient goes to a single element, the first maximum of the window in row-major order,
which is what PyTorch's CPU kernel picks.
"""

from __future__ import annotations

import numpy as np

from solutions._args import IntOrPair, positive_pair, pair, require_ndim
from solutions.numpy_ref.windows import Geometry, make_geometry, pad, scatter_windows, windows


def _pool_setup(x: np.ndarray, kernel_size: IntOrPair, stride: IntOrPair | None, padding: IntOrPair) -> Geometry:
    """Validate pooling arguments (torch's rules) and resolve where the windows sit."""
    require_ndim(x, 4, "input", "(N, C, H, W)")
    kernel = positive_pair(kernel_size, "kernel_size")
    stride_ = kernel if stride is None else positive_pair(stride, "stride")
    ph, pw = pair(padding, "padding")
    if min(ph, pw) < 0:
        raise ValueError(f"padding must be non-negative, got {padding!r}")
    if ph > kernel[0] // 2 or pw > kernel[1] // 2:
        raise ValueError(f"padding {padding!r} must be at most half of kernel_size {kernel_size!r} (as in torch)")
    return make_geometry(x, kernel, stride_, (1, 1), ((ph, ph), (pw, pw)), "kernel_size")


def _check_dout(dout: np.ndarray, x: np.ndarray, geo: Geometry) -> None:
    """The upstream gradient must have the forward output's shape."""
    expected = (*x.shape[:2], *geo.out_hw)
    if dout.shape != expected:
        raise ValueError(f"dout must have the pooled output shape {expected}, got {dout.shape}")


def _flat_windows(x: np.ndarray, geo: Geometry, fill: float) -> np.ndarray:
    """Every window, flattened in row-major order: (N, C, Ho, Wo, kh * kw)."""
    win = windows(pad(x, geo, fill), geo)
    return win.reshape(*win.shape[:4], -1)


def _lowest(dtype: np.dtype) -> float | int:
    """The padding value that can never win a max: -inf, or the smallest integer for integer images."""
    return np.iinfo(dtype).min if np.issubdtype(dtype, np.integer) else -np.inf


def max_pool2d(
    x: np.ndarray, kernel_size: IntOrPair, stride: IntOrPair | None = None, padding: IntOrPair = 0
) -> np.ndarray:
    """torch.nn.functional.max_pool2d in NumPy; padding never wins."""
    x = np.asarray(x)
    geo = _pool_setup(x, kernel_size, stride, padding)
    return _flat_windows(x, geo, _lowest(x.dtype)).max(axis=-1)


def max_pool2d_backward(
    dout: np.ndarray, x: np.ndarray, kernel_size: IntOrPair, stride: IntOrPair | None = None, padding: IntOrPair = 0
) -> np.ndarray:
    """Gradient of max_pool2d: each window's gradient goes to its first maximum; overlaps accumulate."""
    x, dout = np.asarray(x), np.asarray(dout)
    geo = _pool_setup(x, kernel_size, stride, padding)
    _check_dout(dout, x, geo)
    n, c, (ho, wo), (hp, wp) = x.shape[0], x.shape[1], geo.out_hw, geo.padded_hw
    winner = _flat_windows(x, geo, _lowest(x.dtype)).argmax(axis=-1)  # (N, C, Ho, Wo), index inside the window
    rows = np.arange(ho)[:, None] * geo.stride[0] + winner // geo.kernel[1]
    cols = np.arange(wo)[None, :] * geo.stride[1] + winner % geo.kernel[1]
    plane = np.arange(n * c).reshape(n, c, 1, 1)
    flat_index = (plane * hp + rows) * wp + cols
    grad = np.bincount(flat_index.ravel(), weights=dout.ravel(), minlength=n * c * hp * wp)
    (top, _), (left, _) = geo.pads
    grad = grad.reshape(n, c, hp, wp)[:, :, top : top + x.shape[2], left : left + x.shape[3]]
    return grad.astype(np.result_type(dout, x), copy=False)


def _divisor(x: np.ndarray, geo: Geometry, count_include_pad: bool) -> np.ndarray | float:
    """How many elements each average divides by: the whole window, or only its unpadded part."""
    if count_include_pad or geo.pads == ((0, 0), (0, 0)):
        return float(geo.kernel[0] * geo.kernel[1])
    ones = np.ones((1, 1, *x.shape[2:]), dtype=x.dtype)
    return _flat_windows(ones, geo, 0.0).sum(axis=-1)  # (1, 1, Ho, Wo)


def avg_pool2d(
    x: np.ndarray,
    kernel_size: IntOrPair,
    stride: IntOrPair | None = None,
    padding: IntOrPair = 0,
    count_include_pad: bool = True,
) -> np.ndarray:
    """torch.nn.functional.avg_pool2d in NumPy; zero padding, counted in the divisor by default as in torch."""
    x = np.asarray(x)
    geo = _pool_setup(x, kernel_size, stride, padding)
    return _flat_windows(x, geo, 0.0).sum(axis=-1) / _divisor(x, geo, count_include_pad)


def avg_pool2d_backward(
    dout: np.ndarray,
    x: np.ndarray,
    kernel_size: IntOrPair,
    stride: IntOrPair | None = None,
    padding: IntOrPair = 0,
    count_include_pad: bool = True,
) -> np.ndarray:
    """Gradient of avg_pool2d: each window spreads its gradient evenly over its elements."""
    x, dout = np.asarray(x), np.asarray(dout)
    geo = _pool_setup(x, kernel_size, stride, padding)
    _check_dout(dout, x, geo)
    share = dout / _divisor(x, geo, count_include_pad)
    spread = np.broadcast_to(share[..., None, None], (*share.shape, *geo.kernel))
    return scatter_windows(spread, geo, share.dtype)
