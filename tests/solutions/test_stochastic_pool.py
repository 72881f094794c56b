"""Stochastic pooling with given draws, against a window worked by hand and against its own definition."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from solutions.numpy_ref import max_pool2d
from solutions.numpy_ref.stochastic import stochastic_pool2d, stochastic_pool_probabilities

X = np.array([[1, 2, 0, 3],
              [3, 0, 1, 1],
              [0, 0, 2, 2],
              [4, 1, 0, 2]], dtype=float)[None, None]
DRAWS = np.array([[0.3, 0.5], [0.9, 0.0]])[None, None]


def test_probabilities_worked_by_hand() -> None:
    """Top-left window 1, 2, 3, 0 (row-major) sums to 6: probabilities 1/6, 2/6, 3/6, 0."""
    probabilities = stochastic_pool_probabilities(X, 2)[0, 0]
    np.testing.assert_allclose(probabilities[0, 0], [1 / 6, 2 / 6, 3 / 6, 0])
    np.testing.assert_allclose(probabilities[1, 1], [1 / 3, 1 / 3, 0, 1 / 3])


def test_pooled_values_worked_by_hand() -> None:
    """Cumulative probabilities: [1/6, 1/2, 1, 1] > 0.3 first at 2; [0, .6, .8, 1] > .5 at 3;
    [0, 0, .8, 1] > .9 at 1; [1/3, ...] > 0 at 2."""
    np.testing.assert_array_equal(stochastic_pool2d(X, 2, 2, DRAWS)[0, 0], [[2, 3], [1, 2]])


def test_a_zero_activation_is_never_picked() -> None:
    """u = 0 skips the leading zeros: the cumulative probability must exceed u, not reach it."""
    x = np.array([[0, 0], [5, 1]], dtype=float)[None, None]
    assert stochastic_pool2d(x, 2, draws=np.zeros((1, 1, 1, 1)))[0, 0, 0, 0] == 5


def test_overlapping_windows() -> None:
    x = np.array([[1, 1, 2]], dtype=float)[None, None].repeat(2, axis=2)  # windows [1 1 1 1] and [1 2 1 2]
    np.testing.assert_array_equal(stochastic_pool2d(x, 2, 1, np.array([[[[0.6, 0.6]]]])), [[[[1, 1]]]])


@pytest.mark.parametrize(("x", "draws", "message"), [
    (-X, DRAWS, "non-negative"),
    (np.zeros((1, 1, 2, 2)), np.zeros((1, 1, 1, 1)), "all zeros"),
    (X, np.zeros((1, 1, 3, 3)), "pooled output shape"),
    (X, np.ones((1, 1, 2, 2)), r"\[0, 1\)"),
])
def test_bad_input_is_rejected(x: np.ndarray, draws: np.ndarray, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        stochastic_pool2d(x, 2, 2, draws)


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(1, 3), st.integers(1, 3))
def test_picks_follow_the_definition_window_by_window(seed: int, kernel: int, stride: int) -> None:
    """Plain loops over the windows: the pick is the first activation (row-major) whose cumulative share exceeds u;
    it never exceeds max pooling."""
    rng = np.random.default_rng(seed)
    x = rng.integers(1, 6, (2, 2, 5, 6)).astype(float)
    draws = rng.random(max_pool2d(x, kernel, stride).shape)
    pooled = stochastic_pool2d(x, kernel, stride, draws)
    for n, c, i, j in np.ndindex(*draws.shape):
        window = x[n, c, i * stride:i * stride + kernel, j * stride:j * stride + kernel].ravel()
        first = next(k for k in range(window.size) if window[:k + 1].sum() > draws[n, c, i, j] * window.sum())
        assert pooled[n, c, i, j] == window[first]
    assert (pooled <= max_pool2d(x, kernel, stride)).all()
