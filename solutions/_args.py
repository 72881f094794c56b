"""Argument normalisation and validation shared by the NumPy references, so every op reads and rejects input alike."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeAlias

import numpy as np

IntOrPair: TypeAlias = int | Sequence[int]
Padding: TypeAlias = int | Sequence[int] | str
Pads: TypeAlias = tuple[tuple[int, int], tuple[int, int]]  # ((top, bottom), (left, right))


def pair(value: IntOrPair, name: str) -> tuple[int, int]:
    """Turn torch's int-or-pair argument into a pair, rejecting anything else by name."""
    if type(value) is int:  # the common case, without the ABC checks below (hot in shape arithmetic)
        return value, value
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return int(value), int(value)
    if isinstance(value, Sequence) and not isinstance(value, str) and len(value) == 2:
        first, second = value
        if all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in (first, second)):
            return int(first), int(second)
    raise ValueError(f"{name} must be an int or a pair of ints, got {value!r}")


def positive_pair(value: IntOrPair, name: str) -> tuple[int, int]:
    """A pair whose entries must be at least 1 (stride, dilation, kernel size)."""
    result = pair(value, name)
    if min(result) <= 0:
        raise ValueError(f"{name} must be positive, got {value!r}")
    return result


def conv_pads(padding: Padding, kernel: tuple[int, int], stride: tuple[int, int], dilation: tuple[int, int]) -> Pads:
    """Resolve torch's padding argument (int, pair, 'valid' or 'same') into explicit per-side pads."""
    if isinstance(padding, str):
        if padding == "valid":
            return (0, 0), (0, 0)
        if padding == "same":
            if stride != (1, 1):
                raise ValueError(f"padding='same' needs stride 1 (as in torch), got stride={stride}")
            pads = []
            for k, d in zip(kernel, dilation):
                total = d * (k - 1)
                pads.append((total // 2, total - total // 2))  # torch puts the odd pixel at the end
            return pads[0], pads[1]
        raise ValueError(f"padding must be an int, a pair, 'valid' or 'same', got {padding!r}")
    ph, pw = pair(padding, "padding")
    if min(ph, pw) < 0:
        raise ValueError(f"padding must be non-negative, got {padding!r}")
    return (ph, ph), (pw, pw)


def require_ndim(x: np.ndarray, ndim: int, name: str, layout: str) -> None:
    """Reject arrays of the wrong rank with the expected layout in the message."""
    if x.ndim != ndim:
        raise ValueError(f"{name} must be {ndim}-D {layout}, got shape {x.shape}")


def check_window_fits(
    spatial: tuple[int, int], pads: Pads, kernel: tuple[int, int], dilation: tuple[int, int], name: str
) -> None:
    """Fail clearly when the (dilated) kernel is larger than the padded input."""
    for axis, (size, (lo, hi), k, d) in enumerate(zip(spatial, pads, kernel, dilation)):
        padded, span = size + lo + hi, d * (k - 1) + 1
        if span > padded:
            raise ValueError(
                f"{name} {kernel} (dilation {dilation}) spans {span} pixels on axis {axis}, "
                f"larger than the padded input of size {padded} (input spatial shape {spatial}, padding {pads})"
            )


def output_extent(size: int, lo: int, hi: int, k: int, stride: int, d: int) -> int:
    """Output length along one axis, floored as PyTorch does."""
    return (size + lo + hi - d * (k - 1) - 1) // stride + 1
