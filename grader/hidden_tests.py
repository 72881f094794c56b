"""Hidden test cases for the array exercises: the key's random cases plus pinned edge cases, as sandbox calls.

The generator (generator/kinds/code_*.py) owns the case format, how inputs are rebuilt from the key's seed,
how a candidate is called and its NumPy reference. The grader adds the edge cases every student must pass
(stride > 1, padding, non-square input, several channels, batch > 1, overlapping windows) and a second,
PyTorch reference: both references must agree, and a student's output must match both.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from generator.kinds._code import exercise, hidden_inputs
from solutions import torch_ref

TOLERANCE = {"rtol": 1e-5, "atol": 1e-6}
GeneratorCase = dict[str, Any]


def _conv(x: list[int], w: list[int], stride: int, padding: int) -> GeneratorCase:
    """A conv2d case in the generator's format."""
    return {"x_shape": x, "w_shape": w, "stride": stride, "padding": padding}


def _pool(x: list[int], kernel: int, stride: int | None) -> GeneratorCase:
    """A pooling case in the generator's format."""
    return {"x_shape": x, "kernel_size": kernel, "stride": stride}


# Few cases, each covering several edges, because every sandbox call costs a few milliseconds per student.
_POOL_EDGES = (_pool([1, 1, 6, 6], 3, 1),  # overlapping windows
               _pool([2, 1, 4, 9], 2, None),  # default stride, non-square, batch > 1
               _pool([2, 3, 7, 8], 3, 2))  # overlapping with stride > 1, several channels
EDGE_CASES: dict[str, tuple[GeneratorCase, ...]] = {
    "code_conv2d": (_conv([1, 1, 7, 7], [2, 1, 3, 3], 2, 0),  # stride > 1
                    _conv([1, 3, 5, 8], [4, 3, 3, 3], 1, 1),  # padding, non-square, several channels
                    _conv([3, 2, 6, 7], [2, 2, 2, 2], 2, 1)),  # batch > 1 with stride and padding
    "code_max_pool2d": _POOL_EDGES,
    "code_avg_pool2d": _POOL_EDGES,
}
TORCH_REFERENCES: dict[str, Callable[[GeneratorCase, Mapping[str, Any]], np.ndarray]] = {
    "code_conv2d": lambda c, i: torch_ref.conv2d(i["x"], i["w"], i["b"], c["stride"], c["padding"]),
    "code_max_pool2d": lambda c, i: torch_ref.max_pool2d(i["x"], c["kernel_size"], c["stride"]),
    "code_avg_pool2d": lambda c, i: torch_ref.avg_pool2d(i["x"], c["kernel_size"], c["stride"]),
}


@dataclass(frozen=True)
class Case:
    """One hidden call with what both references return for it."""

    name: str
    description: str
    args: tuple[Any, ...]
    kwargs: Mapping[str, Any] = field(default_factory=dict)
    expected: np.ndarray = field(default_factory=lambda: np.zeros(0), repr=False)  # NumPy reference
    expected_torch: np.ndarray = field(default_factory=lambda: np.zeros(0), repr=False)


def recorded_call(call: Callable[..., Any], case: GeneratorCase, inputs: Mapping[str, Any]
                  ) -> tuple[tuple[Any, ...], dict[str, Any]]:
    """The (args, kwargs) the generator's call would pass to a candidate, to send to the sandbox instead."""
    seen: list[tuple[tuple[Any, ...], dict[str, Any]]] = []
    call(lambda *args, **kwargs: seen.append((args, kwargs)), case, inputs)
    return seen[0]


def describe(case: GeneratorCase) -> str:
    """'x_shape [1, 3, 6, 6], w_shape [4, 3, 3, 3], stride 1, padding 1': enough to reproduce the case."""
    return ", ".join(f"{k} {v}" for k, v in case.items())


def with_edge_cases(kind: str, hidden_tests: Mapping[str, Any]) -> dict[str, Any]:
    """The key's hidden tests with the pinned edge cases appended (inputs still drawn from the key's seed)."""
    return {**hidden_tests, "cases": [*hidden_tests["cases"], *EDGE_CASES[kind]]}


def build_cases(kind: str, hidden_tests: Mapping[str, Any]) -> tuple[Case, ...]:
    """Every case's inputs (rebuilt from the seed), call arguments and both references, which must agree."""
    ex, torch_reference = exercise(kind), TORCH_REFERENCES[kind]
    hidden = {"exercise": kind, **hidden_tests}
    cases = []
    for index, (case, inputs) in enumerate(zip(hidden["cases"], hidden_inputs(hidden))):
        ours, theirs = np.asarray(ex.expected(case, inputs)), torch_reference(case, inputs)
        if ours.shape != theirs.shape or not np.allclose(ours, theirs, **TOLERANCE):
            raise ValueError(f"the NumPy and PyTorch references disagree on hidden case {describe(case)}")
        args, kwargs = recorded_call(ex.call, case, inputs)
        cases.append(Case(f"case{index}", describe(case), args, kwargs, ours, theirs))
    return tuple(cases)
