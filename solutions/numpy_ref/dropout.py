"""Inverted dropout with a given keep mask, so that its outputs are deterministic and checkable.

Train mode keeps each unit with probability 1 - p and scales the kept ones by 1 / (1 - p), so the expected
train output equals the input and eval mode can pass the input through unchanged (torch.nn.Dropout's rule).
"""

from __future__ import annotations

import numpy as np


def _check_p(p: float) -> None:
    """The drop probability must leave something to keep."""
    if isinstance(p, bool) or not isinstance(p, (int, float, np.floating)) or not 0 <= p < 1:
        raise ValueError(f"p (the drop probability) must be a number in [0, 1), got {p!r}")


def _check_mask(keep_mask: np.ndarray, x: np.ndarray, name: str) -> np.ndarray:
    """The mask has x's shape and holds only 0 (dropped) and 1 (kept)."""
    keep_mask = np.asarray(keep_mask)
    if keep_mask.shape != x.shape:
        raise ValueError(f"keep_mask must have the shape of {name} {x.shape}, got {keep_mask.shape}")
    if not np.isin(keep_mask, (0, 1)).all():
        raise ValueError("keep_mask must hold only 0 (dropped) and 1 (kept)")
    return keep_mask


def dropout_forward(x: np.ndarray, keep_mask: np.ndarray, p: float, train: bool) -> np.ndarray:
    """Train: x * keep_mask / (1 - p); eval: x unchanged, because the train-time scaling already kept E[y] = x."""
    x = np.asarray(x)
    _check_p(p)
    keep_mask = _check_mask(keep_mask, x, "x")
    return x * keep_mask / (1 - p) if train else x.copy()


def dropout_backward(dout: np.ndarray, keep_mask: np.ndarray, p: float, train: bool) -> np.ndarray:
    """The gradient takes the forward pass's path: dout * keep_mask / (1 - p) in train mode, dout in eval mode."""
    dout = np.asarray(dout)
    _check_p(p)
    keep_mask = _check_mask(keep_mask, dout, "dout")
    return dout * keep_mask / (1 - p) if train else dout.copy()


def dropout_expected_output(x: np.ndarray, p: float) -> np.ndarray:
    """E[train output] = (1 - p) * x / (1 - p) + p * 0 = x: kept with probability 1 - p and scaled, else zero."""
    x = np.asarray(x, dtype=float)
    _check_p(p)
    return (1 - p) * (x / (1 - p)) + p * 0.0
