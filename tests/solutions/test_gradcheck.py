"""Backward passes agree with central finite differences of their own forward passes (no torch involved)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from solutions import numpy_ref


def numeric_grad(f: Callable[[np.ndarray], float], a: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    """Central differences of scalar f with respect to every element of a."""
    grad = np.zeros_like(a)
    for index in np.ndindex(a.shape):
        saved = a[index]
        a[index] = saved + eps
        up = f(a)
        a[index] = saved - eps
        down = f(a)
        a[index] = saved
        grad[index] = (up - down) / (2 * eps)
    return grad


@pytest.mark.parametrize("kwargs", [{}, {"stride": 2, "padding": 1}, {"stride": (1, 2), "padding": "valid",
                                                                       "dilation": 2}, {"padding": "same"}])
def test_conv2d_backward_matches_finite_differences(kwargs: dict) -> None:
    rng = np.random.default_rng(0)
    x, w, b = rng.standard_normal((2, 2, 6, 5)), rng.standard_normal((3, 2, 3, 2)), rng.standard_normal(3)
    probe = rng.standard_normal(numpy_ref.conv2d(x, w, b, **kwargs).shape)  # loss = <probe, conv(x)>
    dx, dw, db = numpy_ref.conv2d_backward(probe, x, w, **kwargs)
    np.testing.assert_allclose(dx, numeric_grad(lambda x_: float((numpy_ref.conv2d(x_, w, b, **kwargs) * probe)
                                                                  .sum()), x), atol=1e-7)
    np.testing.assert_allclose(dw, numeric_grad(lambda w_: float((numpy_ref.conv2d(x, w_, b, **kwargs) * probe)
                                                                  .sum()), w), atol=1e-7)
    np.testing.assert_allclose(db, numeric_grad(lambda b_: float((numpy_ref.conv2d(x, w, b_, **kwargs) * probe)
                                                                  .sum()), b), atol=1e-7)


@pytest.mark.parametrize("window", [(2, None, 0), (3, 1, 1), ((3, 2), (2, 1), (1, 0))])
@pytest.mark.parametrize("op", ["max", "avg"])
def test_pool_backward_matches_finite_differences(window: tuple, op: str) -> None:
    forward = {"max": numpy_ref.max_pool2d, "avg": numpy_ref.avg_pool2d}[op]
    backward = {"max": numpy_ref.max_pool2d_backward, "avg": numpy_ref.avg_pool2d_backward}[op]
    rng = np.random.default_rng(1)
    x = rng.permutation(np.arange(2 * 2 * 5 * 6, dtype=float)).reshape(2, 2, 5, 6) / 7  # distinct: no ties
    probe = rng.standard_normal(forward(x, *window).shape)
    numeric = numeric_grad(lambda x_: float((forward(x_, *window) * probe).sum()), x)
    np.testing.assert_allclose(backward(probe, x, *window), numeric, atol=1e-7)
