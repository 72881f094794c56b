"""Shifting inside the frame, and what the lecture claims of it: conv is equivariant (stride 1, away from the
borders), global max pooling invariant."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from solutions.numpy_ref import conv1d, conv2d
from solutions.translation import shift


def test_shift_worked_by_hand() -> None:
    np.testing.assert_array_equal(shift(np.array([1, 2, 3, 4, 5]), 2), [0, 0, 1, 2, 3])
    np.testing.assert_array_equal(shift(np.array([1, 2, 3, 4, 5]), -1), [2, 3, 4, 5, 0])
    np.testing.assert_array_equal(shift(np.array([1, 2, 3]), 3), [0, 0, 0])
    np.testing.assert_array_equal(shift(np.arange(4).reshape(2, 2), 1, axis=0), [[0, 0], [0, 1]])


def test_conv1d_of_a_shifted_signal_worked_by_hand() -> None:
    """x = [1, 3, 0, 2, 4], w = [1, -1]: y = [-2, 3, -2, -2]. Shift x right by 1, [0, 1, 3, 0, 2]:
    y' = [-1, -2, 3, -2], y shifted right by one, except y'[0], which sees the zero that came in."""
    x, w = np.array([1, 3, 0, 2, 4.0]), np.array([1, -1.0])
    y = conv1d(x[None, None], w[None, None])[0, 0]
    moved = conv1d(shift(x, 1)[None, None], w[None, None])[0, 0]
    np.testing.assert_array_equal(y, [-2, 3, -2, -2])
    np.testing.assert_array_equal(moved, [-1, -2, 3, -2])
    assert y.max() == moved.max() == 3  # global max pooling does not see the shift


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(1, 4), st.integers(-3, 3))
def test_conv2d_is_equivariant_away_from_the_borders(seed: int, kernel: int, offset: int) -> None:
    rng = np.random.default_rng(seed)
    x, w = rng.standard_normal((1, 1, 9, 10)), rng.standard_normal((1, 1, kernel, kernel))
    moved = conv2d(shift(x, offset, axis=3), w)
    expected = shift(conv2d(x, w), offset, axis=3)
    inside = slice(max(0, offset), moved.shape[3] + min(0, offset))  # the border columns saw the zeros come in
    np.testing.assert_allclose(moved[..., inside], expected[..., inside], atol=1e-12)
