"""The vectorised references agree with the obviously-right plain loops."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings

from solutions import numpy_ref
from tests.solutions.strategies import ConvCase, PoolCase, conv_cases, pool_cases


@settings(max_examples=80, deadline=None)
@given(conv_cases())
def test_vectorised_conv2d_equals_loops(case: ConvCase) -> None:
    np.testing.assert_allclose(numpy_ref.conv2d(case.x, case.w, case.b, **case.kwargs),
                               numpy_ref.conv2d_naive(case.x, case.w, case.b, **case.kwargs), rtol=0, atol=1e-12)


@settings(max_examples=80, deadline=None)
@given(pool_cases())
def test_vectorised_max_pool_equals_loops(case: PoolCase) -> None:
    args = (case.kernel_size, case.stride, case.padding)
    np.testing.assert_array_equal(numpy_ref.max_pool2d(case.x, *args), numpy_ref.max_pool2d_naive(case.x, *args))
