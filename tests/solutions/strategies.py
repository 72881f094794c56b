"""Shared hypothesis strategies for the reference tests: random but valid conv and pool problems."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from hypothesis import strategies as st

TOL = 1e-10  # float64 agreement demanded between our NumPy references and torch


@dataclass(frozen=True)
class ConvCase:
    """One randomised conv2d problem."""

    x: np.ndarray
    w: np.ndarray
    b: np.ndarray
    kwargs: dict[str, Any]


@st.composite
def conv_cases(draw: st.DrawFn) -> ConvCase:
    """Shapes, strides, paddings (int, pair, 'valid', 'same') and dilations that torch accepts."""
    n, c, f = draw(st.integers(1, 3)), draw(st.integers(1, 3)), draw(st.integers(1, 3))
    kh, kw = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    dilation = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    style = draw(st.sampled_from(["int", "pair", "valid", "same"]))
    stride = (1, 1) if style == "same" else (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    padding: Any = {"int": draw(st.integers(0, 2)), "pair": (draw(st.integers(0, 2)), draw(st.integers(0, 2))),
                    "valid": "valid", "same": "same"}[style]
    pad_h, pad_w = (padding, padding) if isinstance(padding, int) else padding if isinstance(padding, tuple) \
        else (0, 0)
    h = draw(st.integers(max(1, dilation[0] * (kh - 1) + 1 - 2 * pad_h), 9))
    w = draw(st.integers(max(1, dilation[1] * (kw - 1) + 1 - 2 * pad_w), 9))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    return ConvCase(rng.standard_normal((n, c, h, w)), rng.standard_normal((f, c, kh, kw)),
                    rng.standard_normal(f), {"stride": stride, "padding": padding, "dilation": dilation})


@dataclass(frozen=True)
class PoolCase:
    """One randomised pooling problem."""

    x: np.ndarray
    kernel_size: tuple[int, int]
    stride: tuple[int, int] | None
    padding: tuple[int, int]


@st.composite
def pool_cases(draw: st.DrawFn) -> PoolCase:
    """Windows, strides (overlapping included) and paddings up to half the window, as torch allows."""
    kh, kw = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    stride = draw(st.none() | st.tuples(st.integers(1, 3), st.integers(1, 3)))
    padding = (draw(st.integers(0, kh // 2)), draw(st.integers(0, kw // 2)))
    h, w = draw(st.integers(max(1, kh - 2 * padding[0]), 9)), draw(st.integers(max(1, kw - 2 * padding[1]), 9))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    x = rng.standard_normal((draw(st.integers(1, 3)), draw(st.integers(1, 3)), h, w))
    return PoolCase(x, (kh, kw), stride, padding)
