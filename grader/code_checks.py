"""Checkers for code exercises: hidden cases compared with both references, and the LeNet-5 architecture probe.

Everything here runs in the grader's process on plain data the sandbox returned, so a student's
monkeypatched numpy or custom __eq__ never takes part in a comparison.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from grader.hidden_tests import TOLERANCE, Case
from grader.records import QuestionScore


def check_array(result: Any, expected: np.ndarray) -> str | None:
    """None when result matches expected within tolerance, else one line saying how it differs."""
    if not isinstance(result, np.ndarray) or result.dtype.kind not in "biuf":
        return f"returned {type(result).__name__}, expected a float array of shape {expected.shape}"
    if result.shape != expected.shape:
        return f"wrong shape {result.shape}, expected {expected.shape}"
    if not np.all(np.isfinite(result)):
        return "output contains NaN or inf"
    error = float(np.max(np.abs(result.astype(np.float64) - expected))) if expected.size else 0.0
    if not np.allclose(result.astype(np.float64), expected, **TOLERANCE):
        return f"values differ: max abs error {error:.3g} (tolerance {TOLERANCE['atol']:g} + {TOLERANCE['rtol']:g}*|x|)"
    return None


def score_cases(qid: str, points: float, cases: Sequence[Case], results: Mapping[str, Any],
                problems: Mapping[str, str], prefix: str) -> QuestionScore:
    """Partial credit: the share of hidden cases whose output matches, with one line per failed case."""
    parts, lines = [], []
    for case in cases:
        name = f"{prefix}/{case.name}"
        why = problems.get(name) or ("no result" if name not in results else check_array(results[name], case.expected))
        parts.append((case.description, 0.0 if why else 1.0, 1.0))
        if why:
            lines.append(f"{case.name} ({case.description}): {why}")
    passed = sum(p for _, p, _ in parts)
    earned = round(points * passed / len(cases), 4) if cases else 0.0
    summary = f"{int(passed)}/{len(cases)} hidden test cases passed"
    return QuestionScore(qid, earned, points, "; ".join([summary, *lines[:3]]) + ("; ..." if len(lines) > 3 else ""),
                         tuple((label, round(points * p / len(cases), 4), round(points / len(cases), 4))
                               for label, p, _ in parts))


def _shape(value: Any) -> tuple[int, ...] | None:
    """A shape from JSON (a list of ints), without the batch dimension; None when it is not one."""
    if isinstance(value, (list, tuple)) and value and all(isinstance(v, int) and not isinstance(v, bool)
                                                          for v in value):
        return tuple(value[1:])
    return None


def fit_in_order(seen: Sequence[tuple[int, ...]], expected: Sequence[tuple[int, ...]]) -> int:
    """How many of the seen shapes, in order, walk along the expected layer shapes (containers may skip layers)."""
    position, fitted = 0, 0
    for shape in seen:
        while position < len(expected) and expected[position] != shape:
            position += 1
        if position == len(expected):
            break
        fitted += 1
    return fitted


def _dedupe(shapes: Sequence[tuple[int, ...]]) -> list[tuple[int, ...]]:
    """Drop repeats in a row: an activation after a layer keeps its shape."""
    return [s for i, s in enumerate(shapes) if i == 0 or shapes[i - 1] != s]


def score_architecture(qid: str, points: float, summary: Any, problem: str | None, expected_params: int,
                       expected_shapes: Sequence[tuple[int, ...]]) -> QuestionScore:
    """Half the points for the parameter count; half for child output shapes that follow the reference's layers."""
    if problem or not isinstance(summary, Mapping):
        why = problem or f"the model summary is {type(summary).__name__}, not a mapping"
        return QuestionScore(qid, 0.0, points, f"could not build and run the model: {why}")
    params = summary.get("params")
    children = [c for c in summary.get("children", ()) if isinstance(c, Mapping)]
    shapes = [s for s in (_shape(c.get("output_shape")) for c in children) if s is not None]
    final = _shape(summary.get("output_shape"))
    seen = _dedupe(shapes + ([final] if final is not None else []))
    fitted = fit_in_order(seen, expected_shapes) if final == expected_shapes[-1] else 0
    half = points / 2
    params_ok = params == expected_params
    lines = [f"{params} parameters" + (" as expected" if params_ok else f", expected {expected_params:,}")]
    if final != expected_shapes[-1]:
        lines.append(f"output shape {final}, expected {expected_shapes[-1]} per example")
    elif fitted < len(seen):
        lines.append(f"layer output {seen[fitted]} does not follow the expected layers {list(expected_shapes)}")
    else:
        lines.append("every layer output shape as expected")
    shape_points = round(half * fitted / len(seen), 4) if seen else 0.0
    parts = (("parameter count", half if params_ok else 0.0, half), ("layer output shapes", shape_points, half))
    return QuestionScore(qid, round((half if params_ok else 0.0) + shape_points, 4), points, "; ".join(lines), parts)
