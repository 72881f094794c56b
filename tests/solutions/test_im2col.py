"""im2col agrees with torch.nn.functional.unfold exactly (it only copies), and a convolution through it with
torch.nn.functional.conv2d in float64 to TOL (1e-10); the shapes agree with the matrices actually built."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings

from solutions import numpy_ref, torch_ref
from solutions.numpy_ref.im2col import conv2d_im2col, im2col, im2col_shapes
from tests.solutions.strategies import TOL, ConvCase, conv_cases
from tests.solutions.torch_oracle import one_torch_thread  # noqa: F401 (a fixture)


@settings(max_examples=200, deadline=None)
@given(conv_cases())
def test_patches_match_unfold_and_the_product_matches_conv2d(case: ConvCase) -> None:
    kernel, kwargs = case.w.shape[2:], case.kwargs
    out = conv2d_im2col(case.x, case.w, case.b, **kwargs)
    expected = F.conv2d(torch.from_numpy(case.x), torch.from_numpy(case.w), torch.from_numpy(case.b), **kwargs)
    np.testing.assert_allclose(out, expected.numpy(), rtol=0, atol=TOL)
    if isinstance(kwargs["padding"], str):  # unfold takes numbers only; 'same' and 'valid' are checked through conv
        return
    patches = im2col(case.x, kernel, **kwargs)
    np.testing.assert_array_equal(patches, F.unfold(torch.from_numpy(case.x), tuple(kernel), **kwargs).numpy())
    shapes = im2col_shapes(case.x.shape[1:], case.w.shape[0], tuple(kernel), **kwargs)
    assert patches.shape[1:] == shapes.patches
    assert case.w.reshape(case.w.shape[0], -1).shape == shapes.weights
    assert out.reshape(*out.shape[:2], -1).shape[1:] == shapes.product


def test_a_worked_example_reads_like_the_lecture() -> None:
    x = np.arange(1.0, 10.0).reshape(1, 1, 3, 3)  # 1 2 3 / 4 5 6 / 7 8 9
    patches = im2col(x, 2)
    np.testing.assert_array_equal(patches[0], [[1, 2, 4, 5], [2, 3, 5, 6], [4, 5, 7, 8], [5, 6, 8, 9]])
    w = np.array([[[[1.0, 0.0], [0.0, -1.0]]]])
    np.testing.assert_array_equal(conv2d_im2col(x, w), numpy_ref.conv2d(x, w))
    shapes = im2col_shapes((3, 32, 32), 16, 5, padding=2)
    assert (shapes.patches, shapes.weights, shapes.product) == ((75, 1024), (16, 75), (16, 1024))


@pytest.mark.parametrize("call, message", [
    (lambda: im2col(np.zeros((3, 4, 4)), 2), r"input must be 4-D \(N, C, H, W\), got shape \(3, 4, 4\)"),
    (lambda: im2col(np.zeros((1, 1, 4, 4)), 5), r"kernel \(5, 5\).*larger than the padded input of size 4"),
    (lambda: conv2d_im2col(np.zeros((1, 2, 4, 4)), np.zeros((3, 1, 2, 2))), r"input has 2 channels but weight "
                                                                             r"expects 1"),
    (lambda: im2col_shapes((3, 4, 4), 0, 2), r"out_channels must be positive, got 0"),
    (lambda: im2col_shapes((3, 4, 4), 2, 2, stride=0), r"stride must be positive, got 0"),
])
def test_bad_input_names_the_argument(call: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        call()  # type: ignore[operator]


@settings(max_examples=50, deadline=None)
@given(conv_cases())
def test_torch_ref_unfold_is_f_unfold_and_matches_ours(case: ConvCase) -> None:
    """solutions.torch_ref.unfold, the code exercise's second reference, passes its arguments to F.unfold right."""
    kwargs = case.kwargs
    if isinstance(kwargs["padding"], str):  # unfold takes numbers only
        return
    kernel = tuple(case.w.shape[2:])
    theirs = torch_ref.unfold(case.x, kernel, **kwargs)
    np.testing.assert_array_equal(theirs, F.unfold(torch.from_numpy(case.x), kernel, **kwargs).numpy())
    np.testing.assert_array_equal(theirs, im2col(case.x, kernel, **kwargs))
