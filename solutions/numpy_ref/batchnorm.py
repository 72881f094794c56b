"""Batch normalisation as torch.nn.BatchNorm1d and BatchNorm2d compute it: counts, forward and backward.

Statistics are per channel (axis 1), taken over the batch and every spatial position. Train mode normalises with
the batch's mean and biased variance (divide by m) and moves the running statistics towards the batch's with
`momentum`, storing the unbiased variance (divide by m - 1) as torch does; eval mode normalises with the running
statistics and leaves them alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

from solutions.shapes import ParamCount

LAYOUTS = "(N, C), (N, C, L) or (N, C, H, W)"


class BatchNormResult(NamedTuple):
    """The layer's output and the running statistics it leaves behind (new arrays; the inputs are not changed)."""

    out: np.ndarray
    running_mean: np.ndarray
    running_var: np.ndarray


def batchnorm_params(num_features: int) -> ParamCount:
    """Learnable parameters: a scale gamma (counted as weights) and a shift beta (biases) per channel, 2C in all."""
    _check_count(num_features)
    return ParamCount(num_features, num_features)


def batchnorm_buffers(num_features: int) -> int:
    """Running statistics, state that is not learned: a mean and a variance per channel, 2C numbers.

    torch also keeps num_batches_tracked, one integer that only momentum=None reads; it is not counted here.
    """
    _check_count(num_features)
    return 2 * num_features


def _check_count(num_features: int) -> None:
    """A layer needs at least one channel."""
    if isinstance(num_features, bool) or not isinstance(num_features, (int, np.integer)) or num_features < 1:
        raise ValueError(f"num_features must be a positive int, got {num_features!r}")


def _reduce_axes(x: np.ndarray) -> tuple[int, ...]:
    """Every axis except the channel axis 1: the batch and the spatial positions share one statistic."""
    return (0, *range(2, x.ndim))


def _per_channel(values: np.ndarray, ndim: int) -> np.ndarray:
    """Shape a (C,) vector so it broadcasts along axis 1 of an ndim-D input."""
    return values.reshape(1, -1, *([1] * (ndim - 2)))


def _check_inputs(x: np.ndarray, per_channel: dict[str, np.ndarray]) -> None:
    """The input has a channel axis and every per-channel array has one entry per channel."""
    if x.ndim not in (2, 3, 4):
        raise ValueError(f"input must be {LAYOUTS}, got shape {x.shape}")
    for name, values in per_channel.items():
        if values.shape != (x.shape[1],):
            raise ValueError(f"{name} must have shape ({x.shape[1]},) for input of shape {x.shape}, got {values.shape}")


def batch_statistics(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-channel mean and biased variance (divide by m) of a batch: what train mode normalises with."""
    x = np.asarray(x)
    _check_inputs(x, {})
    axes = _reduce_axes(x)
    return x.mean(axis=axes), x.var(axis=axes)


def values_per_statistic(input_shape: Sequence[int]) -> int:
    """m: how many numbers one channel's mean and variance are taken over, N times the spatial positions (H x W)."""
    if len(input_shape) not in (2, 3, 4) or any(isinstance(n, bool) or int(n) != n or n < 1 for n in input_shape):
        raise ValueError(f"input shape must be {LAYOUTS} of positive ints, got {tuple(input_shape)}")
    return int(np.prod(input_shape)) // int(input_shape[1])


def batchnorm_forward(
    x: np.ndarray,
    gamma: np.ndarray,
    beta: np.ndarray,
    running_mean: np.ndarray,
    running_var: np.ndarray,
    train: bool,
    momentum: float = 0.1,
    eps: float = 1e-5,
) -> BatchNormResult:
    """y = gamma * (x - mean) / sqrt(var + eps) + beta, with batch statistics in train mode, running ones in eval."""
    x, gamma, beta = np.asarray(x), np.asarray(gamma), np.asarray(beta)
    running_mean, running_var = np.asarray(running_mean), np.asarray(running_var)
    _check_inputs(x, {"gamma": gamma, "beta": beta, "running_mean": running_mean, "running_var": running_var})
    if not 0 <= momentum <= 1:
        raise ValueError(f"momentum must be in [0, 1], got {momentum!r}")
    if train:
        m = values_per_statistic(x.shape)
        if m < 2:
            raise ValueError(f"train mode needs more than 1 value per channel (as in torch), got input shape {x.shape}")
        mean, var = batch_statistics(x)
        new_mean = (1 - momentum) * running_mean + momentum * mean
        new_var = (1 - momentum) * running_var + momentum * var * m / (m - 1)  # unbiased, as torch stores it
    else:
        mean, var = running_mean, running_var
        new_mean, new_var = running_mean.copy(), running_var.copy()
    x_hat = (x - _per_channel(mean, x.ndim)) / np.sqrt(_per_channel(var, x.ndim) + eps)
    out = _per_channel(gamma, x.ndim) * x_hat + _per_channel(beta, x.ndim)
    return BatchNormResult(out, new_mean, new_var)


def batchnorm_backward(
    dout: np.ndarray,
    x: np.ndarray,
    gamma: np.ndarray,
    running_mean: np.ndarray,
    running_var: np.ndarray,
    train: bool,
    eps: float = 1e-5,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Gradients (dx, dgamma, dbeta) of batchnorm_forward; in train mode dx also flows through the batch statistics.

    Train: dx = gamma / sqrt(var + eps) * (dout - mean(dout) - x_hat * mean(dout * x_hat)), means per channel.
    Eval: the statistics are constants, so dx = gamma / sqrt(running_var + eps) * dout.
    """
    x, dout, gamma = np.asarray(x), np.asarray(dout), np.asarray(gamma)
    running_mean, running_var = np.asarray(running_mean), np.asarray(running_var)
    _check_inputs(x, {"gamma": gamma, "running_mean": running_mean, "running_var": running_var})
    if dout.shape != x.shape:
        raise ValueError(f"dout must have the input's shape {x.shape}, got {dout.shape}")
    axes = _reduce_axes(x)
    mean, var = batch_statistics(x) if train else (running_mean, running_var)
    inv_std = 1 / np.sqrt(_per_channel(var, x.ndim) + eps)
    x_hat = (x - _per_channel(mean, x.ndim)) * inv_std
    dgamma, dbeta = (dout * x_hat).sum(axis=axes), dout.sum(axis=axes)
    if train:
        centred = dout - dout.mean(axis=axes, keepdims=True) - x_hat * (dout * x_hat).mean(axis=axes, keepdims=True)
        dx = _per_channel(gamma, x.ndim) * inv_std * centred
    else:
        dx = _per_channel(gamma, x.ndim) * inv_std * dout
    return dx, dgamma, dbeta
