"""Batch normalisation's reference agrees with torch.nn.BatchNorm1d/2d in float64 to TOL (1e-10): outputs, running
statistics after one step, autograd's gradients in train and eval mode, the parameter and buffer counts, and the
number of values each statistic is taken over; and with solutions.torch_ref, which the code kind grades against."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

from solutions import torch_ref
from solutions.numpy_ref.batchnorm import (batch_statistics, batchnorm_backward, batchnorm_buffers, batchnorm_forward,
                                           batchnorm_params, values_per_statistic)
from tests.solutions.strategies import TOL
from tests.solutions.torch_oracle import one_torch_thread  # noqa: F401 (a fixture)

LAYERS = {2: nn.BatchNorm1d, 3: nn.BatchNorm1d, 4: nn.BatchNorm2d}


def torch_layer(ndim: int, channels: int, momentum: float, eps: float, arrays: dict[str, np.ndarray]) -> nn.Module:
    """A float64 torch layer holding the given gamma, beta and running statistics."""
    layer = LAYERS[ndim](channels, eps=eps, momentum=momentum).double()
    with torch.no_grad():
        layer.weight.copy_(torch.from_numpy(arrays["gamma"]))
        layer.bias.copy_(torch.from_numpy(arrays["beta"]))
        layer.running_mean.copy_(torch.from_numpy(arrays["running_mean"]))
        layer.running_var.copy_(torch.from_numpy(arrays["running_var"]))
    return layer


@settings(max_examples=200, deadline=None)
@given(st.sampled_from([2, 3, 4]), st.integers(1, 4), st.booleans(), st.sampled_from([0.0, 0.1, 0.3, 1.0]),
       st.sampled_from([1e-5, 1e-3, 0.1]), st.integers(0, 2**32 - 1))
def test_forward_running_statistics_and_gradients_match_torch(ndim: int, channels: int, train: bool,
                                                              momentum: float, eps: float, seed: int) -> None:
    rng = np.random.default_rng(seed)
    batch = int(rng.integers(2, 5))
    x = rng.normal(rng.normal(0, 3), rng.uniform(0.5, 4), (batch, channels, *rng.integers(1, 5, ndim - 2)))
    arrays = {"gamma": rng.normal(size=channels), "beta": rng.normal(size=channels),
              "running_mean": rng.normal(size=channels), "running_var": rng.uniform(0.2, 3, channels)}
    layer = torch_layer(ndim, channels, momentum, eps, arrays)
    layer.train(train)
    x_t = torch.from_numpy(x).requires_grad_(True)
    out_t = layer(x_t)
    dout = rng.normal(size=x.shape)
    out_t.backward(torch.from_numpy(dout))

    ours = batchnorm_forward(x, arrays["gamma"], arrays["beta"], arrays["running_mean"], arrays["running_var"],
                             train, momentum, eps)
    np.testing.assert_allclose(ours.out, out_t.detach().numpy(), rtol=0, atol=TOL)
    np.testing.assert_allclose(ours.running_mean, layer.running_mean.numpy(), rtol=0, atol=TOL)
    np.testing.assert_allclose(ours.running_var, layer.running_var.numpy(), rtol=0, atol=TOL)
    dx, dgamma, dbeta = batchnorm_backward(dout, x, arrays["gamma"], arrays["running_mean"], arrays["running_var"],
                                           train, eps)
    for mine, theirs in ((dx, x_t.grad), (dgamma, layer.weight.grad), (dbeta, layer.bias.grad)):
        np.testing.assert_allclose(mine, theirs.numpy(), rtol=0, atol=TOL)


def test_running_variance_is_unbiased_but_normalisation_uses_the_biased_one() -> None:
    x = np.array([[1.0], [3.0]])  # one channel, m = 2: biased variance 1, unbiased 2
    mean, var = batch_statistics(x)
    assert (mean.tolist(), var.tolist()) == ([2.0], [1.0])
    result = batchnorm_forward(x, np.ones(1), np.zeros(1), np.zeros(1), np.ones(1), train=True, momentum=1.0, eps=0)
    assert result.out.ravel().tolist() == [-1.0, 1.0]
    assert (result.running_mean.tolist(), result.running_var.tolist()) == ([2.0], [2.0])


@pytest.mark.parametrize("channels", [1, 3, 16, 64, 512])
@pytest.mark.parametrize("layer_type", [nn.BatchNorm1d, nn.BatchNorm2d])
def test_counts_match_torch_parameters_and_buffers(channels: int, layer_type: type[nn.Module]) -> None:
    layer = layer_type(channels)
    params = batchnorm_params(channels)
    assert (params.weights, params.biases) == (layer.weight.numel(), layer.bias.numel())
    assert params.total == sum(p.numel() for p in layer.parameters()) == 2 * channels
    buffers = dict(layer.named_buffers())
    assert set(buffers) == {"running_mean", "running_var", "num_batches_tracked"}
    assert buffers["num_batches_tracked"].numel() == 1  # a step counter, not a statistic: left out of the count
    assert batchnorm_buffers(channels) == buffers["running_mean"].numel() + buffers["running_var"].numel()


def test_train_mode_with_one_value_per_channel_is_refused_like_torch() -> None:
    with pytest.raises(ValueError):
        nn.BatchNorm1d(2).train()(torch.zeros(1, 2))
    with pytest.raises(ValueError, match=r"train mode needs more than 1 value per channel .* shape \(1, 2\)"):
        batchnorm_forward(np.zeros((1, 2)), np.ones(2), np.zeros(2), np.zeros(2), np.ones(2), train=True)


@pytest.mark.parametrize("call, message", [
    (lambda: batchnorm_forward(np.zeros(4), np.ones(4), np.zeros(4), np.zeros(4), np.ones(4), True),
     r"input must be \(N, C\), \(N, C, L\) or \(N, C, H, W\), got shape \(4,\)"),
    (lambda: batchnorm_forward(np.zeros((2, 3)), np.ones(2), np.zeros(3), np.zeros(3), np.ones(3), True),
     r"gamma must have shape \(3,\) for input of shape \(2, 3\), got \(2,\)"),
    (lambda: batchnorm_forward(np.zeros((2, 3)), np.ones(3), np.zeros(3), np.zeros(3), np.ones(3), True, 1.5),
     r"momentum must be in \[0, 1\], got 1.5"),
    (lambda: batchnorm_backward(np.zeros((2, 2)), np.zeros((2, 3)), np.ones(3), np.zeros(3), np.ones(3), True),
     r"dout must have the input's shape \(2, 3\), got \(2, 2\)"),
    (lambda: batchnorm_params(0), r"num_features must be a positive int, got 0"),
])
def test_bad_input_names_the_argument(call: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        call()  # type: ignore[operator]


@pytest.mark.parametrize("shape", [(4, 3), (2, 2, 5), (3, 2, 4, 5), (1, 1, 2, 3)])
def test_values_per_statistic_is_what_torch_averages_over(shape: tuple[int, ...]) -> None:
    """With momentum 1 torch stores the unbiased variance, m / (m - 1) times the biased one: that ratio gives m."""
    x = np.random.default_rng(0).normal(size=shape)
    layer = LAYERS[len(shape)](shape[1], momentum=1.0).double().train()
    layer(torch.from_numpy(x))
    ratio = layer.running_var.numpy() / batch_statistics(x)[1]
    np.testing.assert_allclose(ratio / (ratio - 1), values_per_statistic(shape), rtol=1e-9)


@pytest.mark.parametrize("shape", [(3,), (2, 0, 4), (2, 3, 4, 5, 6), (2.5, 3)])
def test_values_per_statistic_refuses_a_shape_batchnorm_cannot_take(shape: tuple[float, ...]) -> None:
    with pytest.raises(ValueError, match=r"input shape must be \(N, C\), \(N, C, L\) or \(N, C, H, W\)"):
        values_per_statistic(shape)  # type: ignore[arg-type]


@pytest.mark.parametrize("shape, train", [((4, 3), True), ((2, 3, 4, 5), True), ((3, 2, 5), False)])
def test_the_torch_reference_the_code_kind_grades_with_agrees(shape: tuple[int, ...], train: bool) -> None:
    rng = np.random.default_rng(len(shape))
    x, dout = rng.normal(size=shape), rng.normal(size=shape)
    channels = shape[1]
    gamma, beta, mean, var = (rng.normal(size=channels), rng.normal(size=channels), rng.normal(size=channels),
                              rng.uniform(0.5, 2, channels))
    ours = batchnorm_forward(x, gamma, beta, mean, var, train, 0.2, 1e-3)
    for mine, theirs in zip(ours, torch_ref.batchnorm_forward(x, gamma, beta, mean, var, train, 0.2, 1e-3)):
        np.testing.assert_allclose(mine, theirs, rtol=0, atol=TOL)
    for mine, theirs in zip(batchnorm_backward(dout, x, gamma, mean, var, train, 1e-3),
                            torch_ref.batchnorm_backward(dout, x, gamma, mean, var, train, 1e-3)):
        np.testing.assert_allclose(mine, theirs, rtol=0, atol=TOL)
