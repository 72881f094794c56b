"""Hidden test inputs for code exercises, built in the grader's process from the seed in the key.

Every student gets fixed edge cases (stride > 1, padding, non-square input, several channels, batch > 1,
overlapping pool windows) plus random cases drawn from their own seed, so two students' tests differ.
Expected outputs come from both the NumPy and the PyTorch reference, which must agree.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from solutions import numpy_ref, torch_ref

TOLERANCE = {"rtol": 1e-5, "atol": 1e-6}


@dataclass(frozen=True)
class Case:
    """One hidden call: positional arrays, keyword options, and what both references return."""

    name: str
    description: str
    args: tuple[np.ndarray, ...]
    kwargs: Mapping[str, Any] = field(default_factory=dict)
    expected: np.ndarray = field(default_factory=lambda: np.zeros(0), repr=False)


@dataclass(frozen=True)
class Operation:
    """A function students implement, its two references, and how to draw its inputs."""

    numpy_ref: Callable[..., np.ndarray]
    torch_ref: Callable[..., np.ndarray]
    edge_cases: tuple[tuple[str, dict[str, Any]], ...]  # (label, geometry) pinned for everyone
    random_geometry: Callable[[np.random.Generator], dict[str, Any]]
    inputs: Callable[[np.random.Generator, dict[str, Any]], tuple[tuple[np.ndarray, ...], dict[str, Any]]]


def _conv_inputs(rng: np.random.Generator, g: dict[str, Any]) -> tuple[tuple[np.ndarray, ...], dict[str, Any]]:
    """x (N, C, H, W), w (F, C, kh, kw), b (F,), with stride and padding as keywords."""
    x = rng.standard_normal((g["n"], g["c"], g["h"], g["w"]))
    w = rng.standard_normal((g["f"], g["c"], *g["k"]))
    b = rng.standard_normal(g["f"])
    return (x, w, b), {"stride": g["stride"], "padding": g["padding"]}


def _pool_inputs(rng: np.random.Generator, g: dict[str, Any]) -> tuple[tuple[np.ndarray, ...], dict[str, Any]]:
    """x (N, C, H, W) with negative values (a zero-initialised max is wrong), window options as keywords."""
    x = rng.standard_normal((g["n"], g["c"], g["h"], g["w"])) - 0.5
    return (x,), {"kernel_size": g["k"], "stride": g["stride"], "padding": g["padding"]}


def _random_conv(rng: np.random.Generator) -> dict[str, Any]:
    """A random convolution that always fits: kernel at most the padded input."""
    k = (int(rng.integers(1, 4)), int(rng.integers(1, 4)))
    return {"n": int(rng.integers(1, 4)), "c": int(rng.integers(1, 4)), "h": int(rng.integers(4, 9)),
            "w": int(rng.integers(4, 9)), "f": int(rng.integers(1, 5)), "k": k,
            "stride": int(rng.integers(1, 3)), "padding": int(rng.integers(0, 2))}


def _random_pool(rng: np.random.Generator) -> dict[str, Any]:
    """A random pooling window, sometimes overlapping (stride < kernel), padding at most half the window."""
    k = int(rng.integers(2, 4))
    return {"n": int(rng.integers(1, 4)), "c": int(rng.integers(1, 4)), "h": int(rng.integers(5, 10)),
            "w": int(rng.integers(5, 10)), "k": k, "stride": int(rng.integers(1, k + 1)),
            "padding": int(rng.integers(0, k // 2 + 1))}


def _g(n: int = 1, c: int = 1, h: int = 6, w: int = 6, **rest: Any) -> dict[str, Any]:
    """A geometry with small defaults, so each edge case states only what it is about."""
    return {"n": n, "c": c, "h": h, "w": w, **rest}


_CONV_EDGES = (
    ("basic 3x3", _g(f=1, k=(3, 3), stride=1, padding=0)),
    ("stride 2", _g(h=7, w=7, f=2, k=(3, 3), stride=2, padding=0)),
    ("padding 1", _g(f=2, k=(3, 3), stride=1, padding=1)),
    ("non-square input and kernel", _g(h=5, w=8, f=2, k=(2, 3), stride=1, padding=0)),
    ("3 input channels", _g(c=3, f=4, k=(3, 3), stride=1, padding=1)),
    ("batch of 3", _g(n=3, c=2, f=2, k=(3, 3), stride=2, padding=1)),
)
_POOL_EDGES = (
    ("2x2 stride 2", _g(k=2, stride=2, padding=0)),
    ("overlapping 3x3 stride 1", _g(k=3, stride=1, padding=0)),
    ("overlapping 3x3 stride 2", _g(h=7, w=7, k=3, stride=2, padding=0)),
    ("padding 1", _g(k=3, stride=2, padding=1)),
    ("non-square input", _g(h=4, w=9, k=2, stride=2, padding=0)),
    ("3 channels, batch of 2", _g(n=2, c=3, k=2, stride=1, padding=0)),
)

OPERATIONS: dict[str, Operation] = {
    "conv2d": Operation(numpy_ref.conv2d, torch_ref.conv2d, _CONV_EDGES, _random_conv, _conv_inputs),
    "max_pool2d": Operation(numpy_ref.max_pool2d, torch_ref.max_pool2d, _POOL_EDGES, _random_pool, _pool_inputs),
    "avg_pool2d": Operation(numpy_ref.avg_pool2d, torch_ref.avg_pool2d, _POOL_EDGES, _random_pool, _pool_inputs),
}


def _describe(args: tuple[np.ndarray, ...], kwargs: Mapping[str, Any]) -> str:
    """'input (2, 3, 7, 9), weight (4, 3, 3, 3), stride 2, padding 1': enough to reproduce the case."""
    names = ("input", "weight", "bias")
    shapes = [f"{names[i]} {tuple(a.shape)}" for i, a in enumerate(args)]
    return ", ".join(shapes + [f"{k.replace('_', ' ')} {v}" for k, v in kwargs.items()])


def expected_output(op: Operation, args: tuple[np.ndarray, ...], kwargs: Mapping[str, Any]) -> np.ndarray:
    """The NumPy reference's output, after checking the PyTorch reference agrees (else the grader is broken)."""
    ours, theirs = op.numpy_ref(*args, **kwargs), op.torch_ref(*args, **kwargs)
    if ours.shape != theirs.shape or not np.allclose(ours, theirs, **TOLERANCE):
        raise RuntimeError(f"the NumPy and PyTorch references disagree on {_describe(args, kwargs)}")
    return ours


def operation_for(entry_point: str, params: Mapping[str, Any]) -> Operation | None:
    """The operation a code question tests: params['op'] if given, else the entry point's name."""
    return OPERATIONS.get(str(params.get("op", entry_point)))


def build_cases(op: Operation, seed: int, random_cases: int = 4) -> tuple[Case, ...]:
    """The pinned edge cases then `random_cases` random ones, all values drawn from this student's seed."""
    rng = np.random.default_rng(seed)
    geometries = list(op.edge_cases) + [(f"random {i + 1}", op.random_geometry(rng)) for i in range(random_cases)]
    cases = []
    for index, (label, geometry) in enumerate(geometries, start=1):
        args, kwargs = op.inputs(rng, geometry)
        cases.append(Case(f"case{index}", f"{label}: {_describe(args, kwargs)}", args, kwargs,
                          expected_output(op, args, kwargs)))
    return tuple(cases)
