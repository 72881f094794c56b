"""Plain-loop conv2d and max-pool: slow, but obviously right. Tests hold the vectorised versions to these."""

from __future__ import annotations

import numpy as np

from solutions._args import IntOrPair, Padding, conv_pads, pair, positive_pair, require_ndim


def conv2d_naive(
    x: np.ndarray,
    w: np.ndarray,
    b: np.ndarray | None = None,
    stride: IntOrPair = 1,
    padding: Padding = 0,
    dilation: IntOrPair = 1,
) -> np.ndarray:
    """Slide each filter over each image one output position at a time."""
    x, w = np.asarray(x), np.asarray(w)
    require_ndim(x, 4, "input", "(N, C, H, W)")
    require_ndim(w, 4, "weight", "(out_channels, in_channels, kH, kW)")
    n_images, _, height, width = x.shape
    n_filters, _, kh, kw = w.shape
    sh, sw = positive_pair(stride, "stride")
    dh, dw = positive_pair(dilation, "dilation")
    (top, bottom), (left, right) = conv_pads(padding, (kh, kw), (sh, sw), (dh, dw))
    xp = np.pad(x, ((0, 0), (0, 0), (top, bottom), (left, right)))
    out_h = (height + top + bottom - dh * (kh - 1) - 1) // sh + 1
    out_w = (width + left + right - dw * (kw - 1) - 1) // sw + 1
    out = np.zeros((n_images, n_filters, out_h, out_w), dtype=np.result_type(x, w))
    for n in range(n_images):
        for f in range(n_filters):
            for i in range(out_h):
                for j in range(out_w):
                    patch = xp[n, :, i * sh : i * sh + dh * (kh - 1) + 1 : dh, j * sw : j * sw + dw * (kw - 1) + 1 : dw]
                    out[n, f, i, j] = np.sum(patch * w[f]) + (0 if b is None else b[f])
    return out


def max_pool2d_naive(
    x: np.ndarray, kernel_size: IntOrPair, stride: IntOrPair | None = None, padding: IntOrPair = 0
) -> np.ndarray:
    """Take the maximum of each window one output position at a time; padding never wins."""
    x = np.asarray(x, dtype=float)
    require_ndim(x, 4, "input", "(N, C, H, W)")
    kh, kw = positive_pair(kernel_size, "kernel_size")
    sh, sw = (kh, kw) if stride is None else positive_pair(stride, "stride")
    ph, pw = pair(padding, "padding")
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)), constant_values=-np.inf)
    n_images, channels = x.shape[:2]
    out_h = (x.shape[2] + 2 * ph - kh) // sh + 1
    out_w = (x.shape[3] + 2 * pw - kw) // sw + 1
    out = np.empty((n_images, channels, out_h, out_w))
    for n in range(n_images):
        for c in range(channels):
            for i in range(out_h):
                for j in range(out_w):
                    out[n, c, i, j] = xp[n, c, i * sh : i * sh + kh, j * sw : j * sw + kw].max()
    return out
