"""The NumPy references agree with torch.nn.functional in float64, values and gradients, to 1e-10."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from solutions import numpy_ref, torch_ref
from tests.solutions.strategies import TOL, ConvCase, PoolCase, conv_cases, pool_cases


def assert_close(ours: np.ndarray, theirs: np.ndarray) -> None:
    """Same shape and every element within TOL."""
    assert ours.shape == theirs.shape
    np.testing.assert_allclose(ours, theirs, rtol=0, atol=TOL)


@settings(max_examples=150, deadline=None)
@given(conv_cases())
def test_conv2d_forward_and_backward_match_torch(case: ConvCase) -> None:
    out = numpy_ref.conv2d(case.x, case.w, case.b, **case.kwargs)
    assert_close(out, torch_ref.conv2d(case.x, case.w, case.b, **case.kwargs))
    dout = np.random.default_rng(0).standard_normal(out.shape)
    ours = numpy_ref.conv2d_backward(dout, case.x, case.w, **case.kwargs)
    theirs = torch_ref.conv2d_backward(dout, case.x, case.w, **case.kwargs)
    for mine, reference in zip(ours, theirs):
        assert_close(mine, reference)


@settings(max_examples=100, deadline=None)
@given(pool_cases())
def test_max_pool_forward_and_backward_match_torch(case: PoolCase) -> None:
    args = (case.kernel_size, case.stride, case.padding)
    out = numpy_ref.max_pool2d(case.x, *args)
    assert_close(out, torch_ref.max_pool2d(case.x, *args))
    dout = np.random.default_rng(1).standard_normal(out.shape)
    assert_close(numpy_ref.max_pool2d_backward(dout, case.x, *args),
                 torch_ref.max_pool2d_backward(dout, case.x, *args))


@settings(max_examples=100, deadline=None)
@given(pool_cases(), st.booleans())
def test_avg_pool_forward_and_backward_match_torch(case: PoolCase, count_include_pad: bool) -> None:
    args = (case.kernel_size, case.stride, case.padding, count_include_pad)
    out = numpy_ref.avg_pool2d(case.x, *args)
    assert_close(out, torch_ref.avg_pool2d(case.x, *args))
    dout = np.random.default_rng(2).standard_normal(out.shape)
    assert_close(numpy_ref.avg_pool2d_backward(dout, case.x, *args),
                 torch_ref.avg_pool2d_backward(dout, case.x, *args))


@settings(max_examples=100, deadline=None)
@given(st.integers(1, 3), st.integers(1, 3), st.integers(1, 5), st.integers(1, 3), st.integers(0, 2),
       st.integers(1, 2), st.integers(0, 2**32 - 1))
def test_conv1d_forward_and_backward_match_torch(channels: int, filters: int, k: int, stride: int, padding: int,
                                                 dilation: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    length = max(1, dilation * (k - 1) + 1 - 2 * padding) + int(rng.integers(0, 8))
    x, w, b = rng.standard_normal((2, channels, length)), rng.standard_normal((filters, channels, k)), \
        rng.standard_normal(filters)
    out = numpy_ref.conv1d(x, w, b, stride, padding, dilation)
    assert_close(out, torch_ref.conv1d(x, w, b, stride, padding, dilation))
    dout = rng.standard_normal(out.shape)
    for mine, reference in zip(numpy_ref.conv1d_backward(dout, x, w, stride, padding, dilation),
                               torch_ref.conv1d_backward(dout, x, w, stride, padding, dilation)):
        assert_close(mine, reference)


def test_max_pool_ties_send_the_gradient_to_one_element_like_torch() -> None:
    x = np.ones((1, 1, 4, 4))  # every window is one big tie; overlapping windows share elements
    dout = np.arange(1.0, 10.0).reshape(1, 1, 3, 3)
    ours = numpy_ref.max_pool2d_backward(dout, x, 2, 1)
    assert_close(ours, torch_ref.max_pool2d_backward(dout, x, 2, 1))
    assert ours.sum() == dout.sum()  # nothing duplicated, nothing lost
    assert np.count_nonzero(ours) == 9  # each window's first (top-left) element wins


def test_same_padding_with_even_kernel_puts_the_extra_pixel_at_the_end_like_torch() -> None:
    rng = np.random.default_rng(3)
    x, w = rng.standard_normal((1, 2, 6, 7)), rng.standard_normal((3, 2, 4, 2))
    out = numpy_ref.conv2d(x, w, padding="same")
    assert out.shape == (1, 3, 6, 7)
    assert_close(out, torch_ref.conv2d(x, w, padding="same"))


def test_integer_images_pool_without_changing_dtype() -> None:
    x = np.arange(16).reshape(1, 1, 4, 4)
    out = numpy_ref.max_pool2d(x, 3, 1, 1)
    assert out.dtype == x.dtype
    np.testing.assert_array_equal(out, torch_ref.max_pool2d(x.astype(float), 3, 1, 1))
