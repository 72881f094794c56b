"""Vectorised max and average pooling, forward and backward, for any window and stride (overlapping included).

Max-pool ties: the gradient goes to a single element, the first maximum of the window in row-major order,
which is what PyTorch's CPU kernel picks.
"""

from __future__ import annotations

import numpy as np

from solutions._args import IntOrPair, positive_pair, pair, require_ndim
from solutions.numpy_ref.windows import Geometry, make_geometry, pad, taps, unpad


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


def _lowest(dtype: np.dtype) -> float | int:
    """The padding value that can never win a max: -inf, or the smallest integer for integer images."""
    return np.iinfo(dtype).min if np.issubdtype(dtype, np.integer) else -np.inf


def _window_slices(x: np.ndarray, geo: Geometry) -> list[np.ndarray]:
    """The strided view each kernel tap sees, over the input padded so that padding never wins a max."""
    xp = pad(x, geo, _lowest(x.dtype))
    return [xp[:, :, rows, cols] for _, _, (rows, cols) in taps(geo)]


def max_pool2d(
    x: np.ndarray, kernel_size: IntOrPair, stride: IntOrPair | None = None, padding: IntOrPair = 0
) -> np.ndarray:
    """torch.nn.functional.max_pool2d in NumPy; padding never wins."""
    x = np.asarray(x)
    slices = _window_slices(x, _pool_setup(x, kernel_size, stride, padding))
    return np.maximum.reduce(slices) if len(slices) > 1 else slices[0].copy()


def max_pool2d_backward(
    dout: np.ndarray, x: np.ndarray, kernel_size: IntOrPair, stride: IntOrPair | None = None, padding: IntOrPair = 0
) -> np.ndarray:
    """Gradient of max_pool2d: each window's gradient goes to its first maximum; overlaps accumulate."""
    x, dout = np.asarray(x), np.asarray(dout)
    geo = _pool_setup(x, kernel_size, stride, padding)
    _check_dout(dout, x, geo)
    slices = _window_slices(x, geo)
    best = np.maximum.reduce(slices) if len(slices) > 1 else slices[0]
    unclaimed = dout.astype(np.result_type(dout, x))  # taps are visited in row-major order: the first max claims it
    grad = np.zeros((*x.shape[:2], *geo.padded_hw), dtype=unclaimed.dtype)
    for candidate, (_, _, (rows, cols)) in zip(slices, taps(geo)):
        claimed = unclaimed * (candidate == best)
        grad[:, :, rows, cols] += claimed
        unclaimed -= claimed
    return unpad(grad, geo)


def _window_sum(x: np.ndarray, geo: Geometry) -> np.ndarray:
    """Sum of each zero-padded window, one vectorised add per tap."""
    xp = pad(x, geo, 0)
    total = np.zeros((*x.shape[:2], *geo.out_hw), dtype=np.result_type(x, np.float32))
    for _, _, (rows, cols) in taps(geo):
        total += xp[:, :, rows, cols]
    return total


def _divisor(x: np.ndarray, geo: Geometry, count_include_pad: bool) -> np.ndarray | float:
    """How many elements each average divides by: the whole window, or only its unpadded part."""
    if count_include_pad or geo.pads == ((0, 0), (0, 0)):
        return float(geo.kernel[0] * geo.kernel[1])
    return _window_sum(np.ones((1, 1, *x.shape[2:])), geo)  # (1, 1, Ho, Wo)


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
    return _window_sum(x, geo) / _divisor(x, geo, count_include_pad)


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
    grad = np.zeros((*x.shape[:2], *geo.padded_hw), dtype=share.dtype)
    for _, _, (rows, cols) in taps(geo):
        grad[:, :, rows, cols] += share
    return unpad(grad, geo)
