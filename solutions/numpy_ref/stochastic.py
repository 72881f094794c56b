"""Stochastic pooling (Zeiler & Fergus, 2013), made deterministic by giving the draws: one uniform u per window.

In each window the probabilities are the (non-negative) activations over their sum; the pooled value is the
first activation, in row-major order within the window, whose cumulative probability exceeds u.
"""

from __future__ import annotations

import numpy as np

from solutions._args import IntOrPair, positive_pair, require_ndim
from solutions.numpy_ref.windows import make_geometry, windows_view


def pool_windows(x: np.ndarray, kernel_size: IntOrPair, stride: IntOrPair | None = None) -> np.ndarray:
    """Every unpadded window's activations, row-major within it: (N, C, H, W) -> (N, C, Ho, Wo, kh * kw)."""
    x = np.asarray(x)
    require_ndim(x, 4, "input", "(N, C, H, W)")
    kernel = positive_pair(kernel_size, "kernel_size")
    steps = kernel if stride is None else positive_pair(stride, "stride")
    geo = make_geometry(x, kernel, steps, (1, 1), ((0, 0), (0, 0)), "kernel_size")
    return windows_view(x, geo, (2, 3)).copy().reshape(*x.shape[:2], *geo.out_hw, kernel[0] * kernel[1])


def window_probabilities(windows: np.ndarray) -> np.ndarray:
    """The sampling probabilities of pool_windows' windows, activation / window sum (same shape)."""
    windows = windows.astype(float)
    if (windows < 0).any():
        raise ValueError("stochastic pooling needs non-negative activations (e.g. after a ReLU)")
    totals = windows.sum(axis=-1, keepdims=True)
    if (totals == 0).any():
        raise ValueError("a window is all zeros: its probabilities are undefined")
    return windows / totals


def stochastic_pool_probabilities(x: np.ndarray, kernel_size: IntOrPair,
                                  stride: IntOrPair | None = None) -> np.ndarray:
    """Each window's sampling probabilities, activation / window sum: shape (N, C, Ho, Wo, kh * kw)."""
    return window_probabilities(pool_windows(x, kernel_size, stride))


def stochastic_pool2d(x: np.ndarray, kernel_size: IntOrPair, stride: IntOrPair | None = None,
                      draws: np.ndarray | None = None) -> np.ndarray:
    """Pool each window to the first activation whose cumulative probability exceeds the window's draw u in [0, 1).

    draws has the output's shape (N, C, Ho, Wo); None draws them uniformly (numpy's default generator, unseeded).
    """
    windows = pool_windows(x, kernel_size, stride)
    window_probabilities(windows)  # rejects negative activations and all-zero windows
    u = np.random.default_rng().random(windows.shape[:-1]) if draws is None else draws
    return pick(windows, u)


def pick(windows: np.ndarray, draws: np.ndarray) -> np.ndarray:
    """stochastic_pool2d on pool_windows' (checked) windows, given their draws: shape (N, C, Ho, Wo)."""
    u = np.asarray(draws, dtype=float)
    if u.shape != windows.shape[:-1]:
        raise ValueError(f"draws must have the pooled output shape {windows.shape[:-1]}, got {u.shape}")
    if ((u < 0) | (u >= 1)).any():
        raise ValueError("every draw must lie in [0, 1)")
    cumulative = np.cumsum(windows, axis=-1)  # in activations, not probabilities: no rounding for integer inputs
    chosen = np.argmax(cumulative > u[..., None] * cumulative[..., -1:], axis=-1)
    return np.take_along_axis(windows, chosen[..., None], axis=-1)[..., 0]
