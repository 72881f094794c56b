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


def is_subsequence(wanted: Sequence[Any], seen: Sequence[Any]) -> bool:
    """Whether wanted appears in seen in order (other items may sit in between, e.g. activations)."""
    iterator = iter(seen)
    return all(any(w == s for s in iterator) for w in wanted)


def score_architecture(qid: str, points: float, summary: Any, problem: str | None, expected_params: int,
                       expected_shapes: Sequence[tuple[int, ...]]) -> QuestionScore:
    """Half the points for the parameter count, half shared over the per-layer output shapes, in order."""
    if problem or not isinstance(summary, Mapping):
        why = problem or f"the model summary is {type(summary).__name__}, not a mapping"
        return QuestionScore(qid, 0.0, points, f"could not build and run the model: {why}")
    params = summary.get("params")
    shapes = [s for s in (_shape(c.get("output_shape")) for c in summary.get("children", ())
                          if isinstance(c, Mapping)) if s is not None]
    final = _shape(summary.get("output_shape"))
    shapes = shapes + ([final] if final is not None else [])
    half = points / 2
    params_ok = params == expected_params
    found = [is_subsequence(expected_shapes[: i + 1], shapes) for i in range(len(expected_shapes))]
    matched = sum(found)
    lines = [f"{params} parameters" + ("" if params_ok else f", expected {expected_params:,}"),
             f"{matched}/{len(expected_shapes)} layer output shapes as expected"]
    if matched < len(expected_shapes):
        first_bad = expected_shapes[found.index(False)]
        lines.append(f"first missing shape {first_bad} (layer outputs seen: {shapes})")
    shape_points = round(half * matched / len(expected_shapes), 4)
    parts = (("parameter count", half if params_ok else 0.0, half), ("layer output shapes", shape_points, half))
    return QuestionScore(qid, round((half if params_ok else 0.0) + shape_points, 4), points, "; ".join(lines), parts)
