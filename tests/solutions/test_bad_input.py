"""Bad arguments raise a ValueError that names the argument and the shapes involved."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from solutions import numpy_ref

X = np.zeros((2, 3, 8, 8))
W = np.zeros((4, 3, 3, 3))


@pytest.mark.parametrize("call, message", [
    (lambda: numpy_ref.conv2d(np.zeros((3, 8, 8)), W), r"input must be 4-D \(N, C, H, W\), got shape \(3, 8, 8\)"),
    (lambda: numpy_ref.conv2d(X, np.zeros((4, 3, 3))), r"weight must be 4-D .* got shape \(4, 3, 3\)"),
    (lambda: numpy_ref.conv2d(X, np.zeros((4, 2, 3, 3))),
     r"input has 3 channels but weight expects 2 \(input shape \(2, 3, 8, 8\), weight shape \(4, 2, 3, 3\)\)"),
    (lambda: numpy_ref.conv2d(X, np.zeros((4, 3, 9, 9))), r"kernel \(9, 9\).*larger than the padded input of size 8"),
    (lambda: numpy_ref.conv2d(X, W, stride=0), r"stride must be positive, got 0"),
    (lambda: numpy_ref.conv2d(X, W, stride=(1, -2)), r"stride must be positive"),
    (lambda: numpy_ref.conv2d(X, W, padding=-1), r"padding must be non-negative, got -1"),
    (lambda: numpy_ref.conv2d(X, W, padding="full"), r"padding must be an int, a pair, 'valid' or 'same'"),
    (lambda: numpy_ref.conv2d(X, W, stride=2, padding="same"), r"padding='same' needs stride 1"),
    (lambda: numpy_ref.conv2d(X, W, dilation=(1, 2, 3)), r"dilation must be an int or a pair of ints"),
    (lambda: numpy_ref.conv2d(X, W, b=np.zeros(3)), r"bias must have shape \(4,\).*got \(3,\)"),
    (lambda: numpy_ref.conv2d_backward(np.zeros((2, 4, 5, 5)), X, W), r"dout must have conv2d's output shape "
                                                                        r"\(2, 4, 6, 6\), got \(2, 4, 5, 5\)"),
    (lambda: numpy_ref.conv1d(np.zeros((1, 8)), np.zeros((1, 1, 3))), r"input must be 3-D \(N, C, L\)"),
    (lambda: numpy_ref.conv1d(np.zeros((1, 1, 8)), np.zeros((1, 1, 3)), stride=(1, 2)),
     r"stride of a 1D convolution must be an int"),
    (lambda: numpy_ref.max_pool2d(np.zeros((8, 8)), 2), r"input must be 4-D \(N, C, H, W\), got shape \(8, 8\)"),
    (lambda: numpy_ref.max_pool2d(X, 9), r"kernel_size \(9, 9\).*larger than the padded input"),
    (lambda: numpy_ref.max_pool2d(X, 2, stride=0), r"stride must be positive"),
    (lambda: numpy_ref.avg_pool2d(X, 2, padding=-1), r"padding must be non-negative"),
    (lambda: numpy_ref.avg_pool2d(X, 2, padding=2), r"padding 2 must be at most half of kernel_size 2"),
    (lambda: numpy_ref.max_pool2d_backward(np.zeros((2, 3, 3, 3)), X, 2), r"dout must have the pooled output shape "
                                                                            r"\(2, 3, 4, 4\)"),
    (lambda: numpy_ref.conv_output_size(4, 7), r"kernel_size 7 is larger than the padded input"),
])
def test_bad_input_raises_a_value_error_naming_the_argument(call: Callable[[], object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        call()
