"""Checkers for code exercises: hidden cases compared with both references, and the LeNet-5 architecture probe.

Everything here runs in the grader's process on plain data the sandbox returned, so a student's
monkeypatched numpy or custom __eq__ never takes part in a comparison.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from generator.model import Variant
from grader.hidden_tests import TOLERANCE, Case
from grader.records import KeyQuestion, QuestionScore


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


def score_cases(question: KeyQuestion, hidden_tests: Mapping[str, Any], cases: Sequence[Case],
                results: Mapping[str, Any], problems: Mapping[str, str]) -> QuestionScore:
    """The generator's per-case grade (NumPy reference), then each passing case checked against PyTorch too."""
    from generator.kinds import KINDS

    names = [f"{question.qid}/{case.name}" for case in cases]
    submitted = [{"error": problems[n]} if n in problems else results.get(n, {"error": "no result"}) for n in names]
    variant = Variant.from_key({**question.raw, "hidden_tests": {"exercise": question.kind, **hidden_tests}})
    score = KINDS[question.kind].grade(variant, submitted)
    share = question.points / len(cases)
    parts, failed = [], []
    for case, part, got in zip(cases, score.parts, submitted):
        if isinstance(got, dict) and "error" in got:
            why = f"raised {str(got['error'])[:200]}"
        elif part["points"] <= 0:
            why = check_array(got, case.expected) or "differs from the NumPy reference"
        else:
            why = check_array(got, case.expected_torch)  # the PyTorch reference must agree as well
        parts.append((case.description, 0.0 if why else round(share, 6), round(share, 6)))
        if why:
            failed.append(f"{case.name} ({case.description}): {why}")
    points = question.points if not failed else round(sum(p for _, p, _ in parts), 6)
    lines = [f"{len(cases) - len(failed)}/{len(cases)} hidden test cases passed", *failed[:3]]
    return QuestionScore(question.qid, points, question.points,
                         "; ".join(lines) + ("; ..." if len(failed) > 3 else ""), tuple(parts))


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
