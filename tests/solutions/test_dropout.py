"""Inverted dropout's reference agrees with torch.nn.functional.dropout.

torch draws its own mask, so each check recovers the mask from torch's output (x has no zeros, so a zero in the
output means a dropped unit) and holds our formula to torch's output and autograd's gradient to TOL (1e-10,
float64). A seeded statistical check then confirms that torch keeps units with probability 1 - p and that the
mean train output approaches x, as dropout_expected_output says.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

from solutions import torch_ref
from solutions.numpy_ref.dropout import dropout_backward, dropout_expected_output, dropout_forward
from tests.solutions.strategies import TOL
from tests.solutions.torch_oracle import one_torch_thread  # noqa: F401 (a fixture)


def nonzero_input(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """Values at least 0.5 away from zero, so a zero in dropout's output can only be a dropped unit."""
    return rng.choice([-1.0, 1.0], shape) * rng.uniform(0.5, 3.0, shape)


@settings(max_examples=200, deadline=None)
@given(st.sampled_from([0.0, 0.1, 0.25, 0.5, 0.8]), st.booleans(), st.integers(0, 2**32 - 1))
def test_forward_and_backward_match_torch_with_its_own_mask(p: float, train: bool, seed: int) -> None:
    rng = np.random.default_rng(seed)
    x = nonzero_input(rng, tuple(rng.integers(1, 6, int(rng.integers(1, 5)))))
    torch.manual_seed(seed)
    x_t = torch.from_numpy(x).requires_grad_(True)
    out_t = F.dropout(x_t, p, training=train)
    dout = rng.normal(size=x.shape)
    out_t.backward(torch.from_numpy(dout))
    keep_mask = (out_t.detach().numpy() != 0).astype(float)
    if not train:
        assert keep_mask.all()
    np.testing.assert_allclose(dropout_forward(x, keep_mask, p, train), out_t.detach().numpy(), rtol=0, atol=TOL)
    np.testing.assert_allclose(dropout_backward(dout, keep_mask, p, train), x_t.grad.numpy(), rtol=0, atol=TOL)


@pytest.mark.parametrize("p", [0.1, 0.3, 0.5, 0.75])
def test_torch_keeps_one_minus_p_and_its_mean_output_is_the_expected_value(p: float) -> None:
    draws, units = 4000, 6
    x = nonzero_input(np.random.default_rng(7), (units,))
    generator = torch.Generator().manual_seed(11)
    masks = torch.bernoulli(torch.full((draws, units), 1 - p, dtype=torch.float64), generator=generator)
    torch.manual_seed(11)
    outputs = F.dropout(torch.from_numpy(x).expand(draws, units), p, training=True).numpy()
    kept = outputs != 0
    keep_rate = kept.mean()
    assert abs(keep_rate - (1 - p)) < 5 * np.sqrt(p * (1 - p) / kept.size)  # 5 standard errors
    # the mean of N outputs per unit has standard deviation |x| sqrt(p / (1 - p) / N): allow 5 of them
    error = np.abs(outputs.mean(axis=0) - dropout_expected_output(x, p))
    assert (error < 5 * np.abs(x) * np.sqrt(p / (1 - p) / draws)).all()
    # and our forward, fed masks of the same law, averages to the same expected value
    ours = dropout_forward(np.broadcast_to(x, (draws, units)), masks.numpy(), p, train=True).mean(axis=0)
    assert (np.abs(ours - x) < 5 * np.abs(x) * np.sqrt(p / (1 - p) / draws)).all()


def test_expected_output_is_the_input_and_eval_passes_it_through() -> None:
    x = np.array([[2.0, -1.5], [0.25, 4.0]])
    for p in (0.0, 0.2, 0.5, 0.9):
        np.testing.assert_allclose(dropout_expected_output(x, p), x, rtol=1e-15)
        np.testing.assert_array_equal(dropout_forward(x, np.zeros_like(x), p, train=False), x)


@pytest.mark.parametrize("call, message", [
    (lambda: dropout_forward(np.ones(3), np.ones(3), 1.0, True), r"p \(the drop probability\) must be a number in "
                                                                 r"\[0, 1\), got 1.0"),
    (lambda: dropout_forward(np.ones(3), np.ones(2), 0.5, True), r"keep_mask must have the shape of x \(3,\), "
                                                                 r"got \(2,\)"),
    (lambda: dropout_forward(np.ones(2), np.array([1, 2]), 0.5, True), r"keep_mask must hold only 0 \(dropped\) "
                                                                       r"and 1 \(kept\)"),
    (lambda: dropout_backward(np.ones(2), np.ones(3), 0.5, True), r"keep_mask must have the shape of dout"),
])
def test_bad_input_names_the_argument(call: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        call()  # type: ignore[operator]


@pytest.mark.parametrize("p, train", [(0.2, True), (0.5, True), (0.75, True), (0.4, False)])
def test_the_torch_reference_is_f_dropout_given_its_own_mask(p: float, train: bool) -> None:
    """solutions.torch_ref applies a given mask with the kernel of F.dropout's backward: given the mask F.dropout
    drew, it reproduces F.dropout's output and autograd's gradient, and agrees with our formula."""
    rng = np.random.default_rng(int(p * 100))
    x, dout = nonzero_input(rng, (3, 5)), rng.normal(size=(3, 5))
    torch.manual_seed(3)
    x_t = torch.from_numpy(x).requires_grad_(True)
    out_t = F.dropout(x_t, p, training=train)
    out_t.backward(torch.from_numpy(dout))
    keep_mask = (out_t.detach().numpy() != 0).astype(float)
    np.testing.assert_allclose(torch_ref.dropout_forward(x, keep_mask, p, train), out_t.detach().numpy(),
                               rtol=0, atol=TOL)
    np.testing.assert_allclose(torch_ref.dropout_backward(dout, keep_mask, p, train), x_t.grad.numpy(), rtol=0,
                               atol=TOL)
    np.testing.assert_allclose(torch_ref.dropout_forward(x, keep_mask, p, train),
                               dropout_forward(x, keep_mask, p, train), rtol=0, atol=TOL)
