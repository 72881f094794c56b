"""im2col, one image at a time: the patch matrix, the weight matrix, and a convolution as one matrix product.

Per image the patch matrix is (C * kh * kw) x (H_out * W_out): one column per output position, holding that
window's pixels channel by channel, row-major within the window (torch.nn.functional.unfold's layout). The
weight matrix is F x (C * kh * kw), each filter flattened the same way, so their product is F x (H_out * W_out).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from solutions._args import IntOrPair, Padding, conv_pads, positive_pair, require_ndim
from solutions.layer_math import chw
from solutions.numpy_ref.conv import conv_geometry
from solutions.numpy_ref.windows import Geometry, make_geometry
from solutions.numpy_ref.windows import im2col as batch_last_columns
from solutions.shapes import Shape, conv_output_size


@dataclass(frozen=True)
class Im2colShapes:
    """The three matrices of a convolution done as weights @ patches, for one image."""

    patches: tuple[int, int]
    weights: tuple[int, int]
    product: tuple[int, int]


def im2col_shapes(in_shape: Shape, out_channels: int, kernel_size: IntOrPair, stride: IntOrPair = 1,
                  padding: IntOrPair = 0, dilation: IntOrPair = 1) -> Im2colShapes:
    """Patches (C*kh*kw, Ho*Wo), weights (F, C*kh*kw) and their product (F, Ho*Wo) for a (C, H, W) input."""
    channels, height, width = chw(in_shape)
    if out_channels < 1:
        raise ValueError(f"out_channels must be positive, got {out_channels}")
    kh, kw = positive_pair(kernel_size, "kernel_size")
    out_h, out_w = conv_output_size((height, width), kernel_size, stride, padding, dilation)  # type: ignore[misc]
    rows = channels * kh * kw
    return Im2colShapes((rows, out_h * out_w), (out_channels, rows), (out_channels, out_h * out_w))


def _columns(x: np.ndarray, geo: Geometry) -> np.ndarray:
    """(N, C*kh*kw, Ho*Wo): each image's patch matrix, from the batch-last columns the vectorised conv uses."""
    columns = batch_last_columns(x, geo)  # (C*kh*kw, Ho*Wo*N), the batch innermost
    return np.ascontiguousarray(columns.reshape(columns.shape[0], -1, x.shape[0]).transpose(2, 0, 1))


def im2col(x: np.ndarray, kernel_size: IntOrPair, stride: IntOrPair = 1, padding: Padding = 0,
           dilation: IntOrPair = 1) -> np.ndarray:
    """torch.nn.functional.unfold in NumPy: (N, C, H, W) -> (N, C*kh*kw, Ho*Wo), zero padding."""
    x = np.asarray(x)
    require_ndim(x, 4, "input", "(N, C, H, W)")
    kernel = positive_pair(kernel_size, "kernel_size")
    strides, dilations = positive_pair(stride, "stride"), positive_pair(dilation, "dilation")
    geo = make_geometry(x, kernel, strides, dilations, conv_pads(padding, kernel, strides, dilations), "kernel")
    return _columns(x, geo)


def conv2d_im2col(x: np.ndarray, w: np.ndarray, b: np.ndarray | None = None, stride: IntOrPair = 1,
                  padding: Padding = 0, dilation: IntOrPair = 1) -> np.ndarray:
    """A convolution as weights (F, C*kh*kw) @ patches (C*kh*kw, Ho*Wo) per image, reshaped to (N, F, Ho, Wo)."""
    x, w = np.asarray(x), np.asarray(w)
    geo = conv_geometry(x, w, stride, padding, dilation)
    out = w.reshape(w.shape[0], -1) @ _columns(x, geo)  # (N, F, Ho*Wo): one product, broadcast over images
    if b is not None:
        b = np.asarray(b)
        if b.shape != (w.shape[0],):
            raise ValueError(f"bias must have shape ({w.shape[0]},) to match weight {w.shape}, got {b.shape}")
        out = out + b[:, None]
    return out.reshape(x.shape[0], w.shape[0], *geo.out_hw)
