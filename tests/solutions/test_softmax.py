"""Softmax, cross-entropy and its gradient p - y agree with torch.nn.functional and autograd in float64, to TOL
(1e-10), for one example and for batches, with logits large enough that an unshifted exp would overflow."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

from solutions.numpy_ref.softmax import cross_entropy, cross_entropy_grad, log_softmax, one_hot, softmax
from tests.solutions.strategies import TOL
from tests.solutions.torch_oracle import one_torch_thread  # noqa: F401 (a fixture)


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 4), st.integers(1, 10), st.sampled_from([1.0, 10.0, 1000.0]), st.integers(0, 2**32 - 1))
def test_probabilities_loss_and_gradient_match_torch(batch: int, classes: int, scale: float, seed: int) -> None:
    rng = np.random.default_rng(seed)
    shape = (classes,) if batch == 0 else (batch, classes)  # batch 0 stands for a single unbatched example
    logits = rng.normal(0, scale, shape)
    labels = rng.integers(0, classes, shape[:-1])
    logits_t = torch.from_numpy(logits).requires_grad_(True)
    loss_t = F.cross_entropy(logits_t, torch.from_numpy(labels))
    loss_t.backward()
    np.testing.assert_allclose(softmax(logits), F.softmax(torch.from_numpy(logits), dim=-1).numpy(), rtol=0, atol=TOL)
    np.testing.assert_allclose(log_softmax(logits), F.log_softmax(torch.from_numpy(logits), dim=-1).numpy(),
                               rtol=1e-12, atol=TOL)
    assert cross_entropy(logits, labels) == pytest.approx(loss_t.item(), rel=1e-12, abs=TOL)
    np.testing.assert_allclose(cross_entropy_grad(logits, labels), logits_t.grad.numpy(), rtol=0, atol=TOL)


def test_gradient_is_probabilities_minus_one_hot() -> None:
    logits = np.array([2.0, 1.0, 0.1])
    expected = softmax(logits) - np.array([0.0, 1.0, 0.0])
    np.testing.assert_array_equal(cross_entropy_grad(logits, 1), expected)
    np.testing.assert_array_equal(one_hot(np.array([2, 0]), 3), [[0, 0, 1], [1, 0, 0]])
    assert cross_entropy(logits, 0) == pytest.approx(-np.log(softmax(logits)[0]), rel=1e-15)


@pytest.mark.parametrize("call, message", [
    (lambda: softmax(np.zeros((2, 3, 4))), r"logits must be \(K,\) or \(N, K\) with N, K >= 1, got shape "
                                           r"\(2, 3, 4\)"),
    (lambda: cross_entropy(np.zeros((2, 3)), 1), r"labels must be integers of shape \(2,\) for logits of shape "
                                                 r"\(2, 3\), got int64 of shape \(\)"),
    (lambda: cross_entropy(np.zeros(3), 3), r"labels must be class indices in \[0, 3\), got 3"),
    (lambda: cross_entropy_grad(np.zeros(3), 1.0), r"labels must be integers of shape \(\)"),
    (lambda: one_hot(np.array([0, 4]), 4), r"labels must be class indices in \[0, 4\), got \[0, 4\]"),
])
def test_bad_input_names_the_argument(call: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        call()  # type: ignore[operator]
