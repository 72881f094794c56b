"""The paper forms of the backward passes agree with autograd in float64 to TOL (1e-10): dL/dw as x ⋆ dL/dy,
dL/dx as the full convolution of dL/dy with the kernel, and max-pooling's routing, ties included (torch's CPU
kernel sends a tie's gradient to the window's first maximum in row-major order; integer inputs make many ties)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

from solutions import numpy_ref
from solutions.numpy_ref.by_hand import (conv_bias_grad_by_hand, conv_input_grad_by_hand, conv_weight_grad_by_hand,
                                         cross_correlate_valid, max_pool_grad_by_hand, max_pool_routes)
from tests.solutions.strategies import TOL
from tests.solutions.torch_oracle import one_torch_thread  # noqa: F401 (a fixture)


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 4), st.integers(1, 4), st.integers(0, 4), st.integers(0, 4), st.integers(0, 2**32 - 1))
def test_conv_gradients_by_hand_match_autograd(kh: int, kw: int, extra_h: int, extra_w: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    x, w = rng.integers(-3, 4, (kh + extra_h, kw + extra_w)).astype(float), rng.integers(-2, 3, (kh, kw)) * 1.0
    dy = rng.integers(-2, 3, (extra_h + 1, extra_w + 1)).astype(float)
    x_t, w_t = torch.from_numpy(x[None, None]).requires_grad_(True), torch.from_numpy(w[None, None]).requires_grad_()
    b_t = torch.zeros(1, dtype=torch.float64, requires_grad=True)
    F.conv2d(x_t, w_t, b_t).backward(torch.from_numpy(dy[None, None]))
    np.testing.assert_allclose(conv_weight_grad_by_hand(x, dy), w_t.grad[0, 0].numpy(), rtol=0, atol=TOL)
    np.testing.assert_allclose(conv_input_grad_by_hand(w, dy), x_t.grad[0, 0].numpy(), rtol=0, atol=TOL)
    assert conv_bias_grad_by_hand(dy) == pytest.approx(float(b_t.grad[0]), abs=TOL)
    dx, dw, _ = numpy_ref.conv2d_backward(dy[None, None], x[None, None], w[None, None])  # the vectorised reference
    np.testing.assert_allclose(conv_weight_grad_by_hand(x, dy), dw[0, 0], rtol=0, atol=TOL)
    np.testing.assert_allclose(conv_input_grad_by_hand(w, dy), dx[0, 0], rtol=0, atol=TOL)


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 3), st.integers(1, 3), st.none() | st.integers(1, 3), st.integers(0, 5), st.integers(0, 5),
       st.integers(1, 4), st.integers(0, 2**32 - 1))
def test_max_pool_routing_matches_autograd_ties_included(kh: int, kw: int, stride: int | None, extra_h: int,
                                                         extra_w: int, levels: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    x = rng.integers(0, levels, (kh + extra_h, kw + extra_w)).astype(float)  # few levels: many ties
    out_shape = numpy_ref.max_pool2d(x[None, None], (kh, kw), stride).shape[2:]
    dy = rng.integers(1, 10, out_shape).astype(float)
    x_t = torch.from_numpy(x[None, None]).requires_grad_(True)
    F.max_pool2d(x_t, (kh, kw), stride).backward(torch.from_numpy(dy[None, None]))
    ours = max_pool_grad_by_hand(x, dy, (kh, kw), stride)
    np.testing.assert_allclose(ours, x_t.grad[0, 0].numpy(), rtol=0, atol=TOL)
    routes = max_pool_routes(x, (kh, kw), stride)
    assert (x[routes[..., 0], routes[..., 1]] == numpy_ref.max_pool2d(x[None, None], (kh, kw), stride)[0, 0]).all()


def test_a_worked_example_on_paper() -> None:
    x = np.array([[1.0, 2, 0], [0, 1, 3], [2, 1, 1]])
    dy = np.array([[1.0, -1], [2, 0]])
    np.testing.assert_array_equal(conv_weight_grad_by_hand(x, dy), [[1 - 2 + 0, 2 - 0 + 2], [0 - 1 + 4, 1 - 3 + 2]])
    np.testing.assert_array_equal(cross_correlate_valid(x, np.ones((3, 3))), [[11.0]])
    tie = np.array([[5.0, 5], [1, 5]])
    assert max_pool_routes(tie, 2).tolist() == [[[0, 0]]]  # the first maximum in row-major order
    np.testing.assert_array_equal(max_pool_grad_by_hand(tie, np.array([[3.0]]), 2), [[3, 0], [0, 0]])


@pytest.mark.parametrize("call, message", [
    (lambda: cross_correlate_valid(np.zeros((2, 2)), np.zeros((3, 1))), r"k of shape \(3, 1\) does not fit inside "
                                                                        r"a of shape \(2, 2\)"),
    (lambda: conv_weight_grad_by_hand(np.zeros((1, 3, 3)), np.zeros((2, 2))), r"x must be 2-D \(H, W\)"),
    (lambda: conv_weight_grad_by_hand(np.zeros((3, 3)), np.zeros((4, 2))),
     r"dy of shape \(4, 2\) does not fit inside x of shape \(3, 3\)"),
    (lambda: conv_input_grad_by_hand(np.zeros((2, 2)), np.zeros(2)), r"dy must be 2-D \(H_out, W_out\)"),
    (lambda: max_pool_routes(np.zeros((3, 3)), 4), r"kernel_size \(4, 4\) is larger than the padded "
                                                                   r"input \(in_size \(3, 3\)"),
    (lambda: max_pool_grad_by_hand(np.zeros((4, 4)), np.zeros((3, 3)), 2), r"dy must have the pooled output shape "
                                                                           r"\(2, 2\), got \(3, 3\)"),
])
def test_bad_input_names_the_argument(call: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        call()  # type: ignore[operator]
