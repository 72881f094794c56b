"""Batch normalisation's reference agrees with torch.nn.BatchNorm1d/2d in float64 to TOL (1e-10): outputs, running
statistics after one step, autograd's gradients in train and eval mode, and the parameter and buffer counts."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

from solutions.numpy_ref.batchnorm import (batch_statistics, batchnorm_backward, batchnorm_buffers, batchnorm_forward,
                                           batchnorm_params)
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
