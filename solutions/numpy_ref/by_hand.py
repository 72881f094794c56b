"""Backward passes as they are done on paper: one channel, stride 1 convolution, unpadded max-pooling.

For y = x ⋆ w (valid cross-correlation, as torch's conv2d) the chain rule gives
  dL/dw = x ⋆ dL/dy           (a valid cross-correlation of the input with the upstream gradient),
  dL/dx = pad(dL/dy, k - 1) ⋆ flip(w)   (a full convolution of the upstream gradient with the kernel),
  dL/db = sum(dL/dy).
Max-pooling routes each window's gradient to the position of the window's maximum; on a tie it goes to the first
maximum in row-major order, the one PyTorch's CPU kernel picks, and nowhere else.
"""

from __future__ import annotations

import numpy as np

from solutions._args import IntOrPair, positive_pair, require_ndim
from solutions.shapes import conv_output_size


def _fitting_pair(big: np.ndarray, small: np.ndarray, names: tuple[str, str],
                  layouts: tuple[str, str]) -> tuple[np.ndarray, np.ndarray]:
    """Both arguments as 2-D arrays, the second no larger than the first on either axis, else an error naming them."""
    big, small = np.asarray(big), np.asarray(small)
    require_ndim(big, 2, names[0], layouts[0])
    require_ndim(small, 2, names[1], layouts[1])
    if small.shape[0] > big.shape[0] or small.shape[1] > big.shape[1]:
        raise ValueError(f"{names[1]} of shape {small.shape} does not fit inside {names[0]} of shape {big.shape}")
    return big, small


def cross_correlate_valid(a: np.ndarray, k: np.ndarray) -> np.ndarray:
    """Slide k over a without padding and take the sum of products at each position: the lecture's convolution."""
    a, k = _fitting_pair(a, k, ("a", "k"), ("(H, W)", "(kh, kw)"))
    out_h, out_w = a.shape[0] - k.shape[0] + 1, a.shape[1] - k.shape[1] + 1
    out = np.zeros((out_h, out_w), dtype=np.result_type(a, k))
    for i in range(out_h):
        for j in range(out_w):
            out[i, j] = np.sum(a[i:i + k.shape[0], j:j + k.shape[1]] * k)
    return out


def conv_weight_grad_by_hand(x: np.ndarray, dy: np.ndarray) -> np.ndarray:
    """dL/dw[i, j] = sum over outputs of dL/dy[a, b] * x[a + i, b + j]: each weight saw those inputs."""
    return cross_correlate_valid(*_fitting_pair(x, dy, ("x", "dy"), ("(H, W)", "(H_out, W_out)")))


def conv_input_grad_by_hand(w: np.ndarray, dy: np.ndarray) -> np.ndarray:
    """dL/dx: every output sends dL/dy times each weight back to the input pixel that weight touched."""
    w, dy = np.asarray(w), np.asarray(dy)
    require_ndim(w, 2, "w", "(kh, kw)")
    require_ndim(dy, 2, "dy", "(H_out, W_out)")
    kh, kw = w.shape
    padded = np.pad(dy, ((kh - 1, kh - 1), (kw - 1, kw - 1)))
    return cross_correlate_valid(padded, w[::-1, ::-1])


def conv_bias_grad_by_hand(dy: np.ndarray) -> float:
    """dL/db = sum of dL/dy: the one bias is added at every output position, so each sends its gradient back."""
    dy = np.asarray(dy)
    require_ndim(dy, 2, "dy", "(H_out, W_out)")
    return float(dy.sum())


def max_pool_routes(x: np.ndarray, kernel_size: IntOrPair, stride: IntOrPair | None = None) -> np.ndarray:
    """(H_out, W_out, 2): the (row, col) of x that each window's gradient goes to, its first maximum on a tie."""
    x = np.asarray(x)
    require_ndim(x, 2, "x", "(H, W)")
    kh, kw = positive_pair(kernel_size, "kernel_size")
    sh, sw = (kh, kw) if stride is None else positive_pair(stride, "stride")
    out_h, out_w = conv_output_size(x.shape, (kh, kw), (sh, sw))  # type: ignore[misc]
    routes = np.zeros((out_h, out_w, 2), dtype=int)
    for i in range(out_h):
        for j in range(out_w):
            window = x[i * sh:i * sh + kh, j * sw:j * sw + kw]
            row, col = np.unravel_index(np.argmax(window), window.shape)  # argmax: first maximum, row-major
            routes[i, j] = (i * sh + row, j * sw + col)
    return routes


def max_pool_grad_by_hand(x: np.ndarray, dy: np.ndarray, kernel_size: IntOrPair,
                          stride: IntOrPair | None = None) -> np.ndarray:
    """dL/dx of max-pooling: zero except at each window's route, where dL/dy adds up (windows may overlap)."""
    routes = max_pool_routes(x, kernel_size, stride)
    dy = np.asarray(dy)
    if dy.shape != routes.shape[:2]:
        raise ValueError(f"dy must have the pooled output shape {routes.shape[:2]}, got {dy.shape}")
    dx = np.zeros(np.shape(x), dtype=np.result_type(dy, float))
    for (i, j), (row, col) in zip(np.ndindex(dy.shape), routes.reshape(-1, 2)):
        dx[row, col] += dy[i, j]
    return dx
