"""Translating a signal or an image inside its frame: what equivariance and invariance are stated against."""

from __future__ import annotations

import numpy as np


def shift(x: np.ndarray, offset: int, axis: int = -1) -> np.ndarray:
    """x moved `offset` places along an axis (positive: towards higher indices); zeros enter, values pushed out drop."""
    x = np.asarray(x)
    size = x.shape[axis]
    out = np.zeros_like(x)
    if abs(offset) >= size:
        return out
    source = [slice(None)] * x.ndim
    target = [slice(None)] * x.ndim
    source[axis] = slice(max(0, -offset), size - max(0, offset))
    target[axis] = slice(max(0, offset), size - max(0, -offset))
    out[tuple(target)] = x[tuple(source)]
    return out
