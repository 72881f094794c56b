"""Coding exercise: conv2d backward in NumPy, returning (dx, dw, db); graded on hidden inputs against
solutions.numpy_ref.conv2d_backward and solutions.torch_ref.conv2d_backward (autograd).

The student's function returns a tuple of three arrays. The sandbox sends a tuple back as plain JSON (a list of
three nested lists), so `grade` takes either form, splits it into dx, dw and db, and reports each gradient's
relative error, CS231n's rel_error = max(|a - b| / max(1e-8, |a| + |b|)), against both references. A case passes
when every gradient's rel_error is under REL_TOLERANCE (1e-6). One share of the points per case.

The grading helpers here (`grade`, `score`, `model_submission`, `near_miss`) serve code_max_pool2d_backward too.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import Any

import numpy as np

from generator.kinds._code import (Exercise, HiddenCase, NO_MISCONCEPTIONS, answer_stub, array_literal, check_array,
                                   check_template, checks_source, explain, generate, hidden_cases, model_submission,
                                   render, render_for, request, results_of, rubric, solution_source)
from generator.kinds.code_conv2d import draw_conv_cases
from generator.model import Context, Returned, Score, Variant, shared_parts
from generator.render import plural
from solutions.numpy_ref import conv2d_backward

FORMATS = ("code",)
REQUIRED: tuple[str, ...] = ()
OPTIONAL_PARAMS = ("n_cases", "max_stride", "max_padding")  # read when the template has them
EXTRA_KEYS: dict[str, bool] = {}
__all__ = ["answer_stub", "check_template", "checks_source", "explain", "generate", "grade", "model_submission",
           "near_miss", "render", "render_for", "request", "rubric", "score", "solution_source"]

REL_TOLERANCE = 1e-6  # every gradient's rel_error must be under this, against both references

SIGNATURE = '''def conv2d_backward(dout, x, w, b, stride=1, padding=0):
    """Backward pass of a conv layer (cross-correlation, as PyTorch computes it: the kernel is not flipped).

    The forward pass was out = conv2d(x, w, b, stride, padding): x (N, C, H, W), w (F, C, KH, KW), b (F,),
    zero padding of `padding` rows/columns on every side, out (N, F, H_out, W_out).
    dout: the upstream gradient dL/dout, shape (N, F, H_out, W_out).
    Returns the tuple (dx, dw, db) of dL/dx (shape of x), dL/dw (shape of w) and dL/db (shape of b).
    Use NumPy only; loops are fine.
    """'''

BODY = '''    n, _, height, width = x.shape
    _, _, kh, kw = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    dxp, dw = np.zeros(xp.shape), np.zeros(w.shape)
    db = dout.sum(axis=(0, 2, 3))  # every output position adds its filter's bias once
    for i in range(dout.shape[2]):
        for j in range(dout.shape[3]):
            rows, cols = slice(i * stride, i * stride + kh), slice(j * stride, j * stride + kw)
            g = dout[:, :, i, j]  # (N, F): how much each output value matters
            dw += np.tensordot(g, xp[:, :, rows, cols], axes=([0], [0]))  # each filter saw this window
            dxp[:, :, rows, cols] += np.tensordot(g, w, axes=([1], [0]))  # the window got each filter back
    dx = dxp[:, :, padding:padding + height, padding:padding + width]  # padding has no gradient to keep
    return dx, dw, db'''


# --- grading shared with code_max_pool2d_backward --------------------------------------------------------------


def rel_error(a: np.ndarray, b: np.ndarray) -> float:
    """CS231n's relative error: max(|a - b| / max(1e-8, |a| + |b|)), 0 for empty arrays."""
    if a.size == 0:
        return 0.0
    return float(np.max(np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b))))


def gradient_parts(kind: str, case: HiddenCase) -> list[tuple[str, tuple[int, ...]]]:
    """(name, shape) of each gradient the student returns, in order."""
    return importlib.import_module(f"generator.kinds.{kind}").parts(case)


def _split(expected: np.ndarray, parts: list[tuple[str, tuple[int, ...]]]) -> list[np.ndarray]:
    """The references' flat concatenation of the gradients, split back into arrays of their shapes."""
    sizes = np.cumsum([int(np.prod(shape)) for _, shape in parts])[:-1]
    return [piece.reshape(shape) for piece, (_, shape) in zip(np.split(expected, sizes), parts)]


def _pieces(got: Any, parts: list[tuple[str, tuple[int, ...]]]) -> tuple[list[Any] | None, str | None]:
    """The student's gradients in order: one array, or a tuple/list of them (a tuple comes back as a JSON list)."""
    if isinstance(got, dict) and "error" in got:
        return None, f"raised {str(got['error'])[:200]}"
    if len(parts) == 1:
        return [got], None
    names = ", ".join(name for name, _ in parts)
    if isinstance(got, (list, tuple)) and len(got) == len(parts):
        return list(got), None
    what = f"a sequence of {plural(len(got), 'item')}" if isinstance(got, (list, tuple)) else type(got).__name__
    return None, f"returned {what}, expected the tuple ({names})"


def check_case(kind: str, case: HiddenCase, got: Any, worst: dict[str, float] | None = None) -> tuple[str, bool]:
    """One case's verdict: ('dx rel_error 3.2e-09, dw rel_error 1.1e-01 (wrong), ...', passed); each gradient's
    rel_error also raises worst[name] to it, when given."""
    parts = gradient_parts(kind, case)
    pieces, why = _pieces(got, parts)
    if pieces is None:
        return str(why), False
    references = [_split(case.expected, parts)]
    if case.expected_torch is not None:
        references.append(_split(case.expected_torch, parts))
    words, passed = [], True
    for index, ((name, _), piece) in enumerate(zip(parts, pieces)):
        problem = check_array(piece, references[0][index])  # type, shape, NaN; the values by rel_error below
        if problem is not None and not problem.startswith("values differ"):
            words.append(f"{name} {problem}")
            passed = False
            continue
        value = np.asarray(piece, dtype=np.float64)
        error = max(rel_error(value, reference[index]) for reference in references)
        wrong = not error < REL_TOLERANCE
        if worst is not None:
            worst[name] = max(worst.get(name, 0.0), error)
        passed = passed and not wrong
        words.append(f"{name} rel_error {error:.1e}" + (" (wrong)" if wrong else ""))
    return ", ".join(words), passed


def grade(variant: Variant, submitted: Mapping[str, Any], torch_reference: bool = True) -> Score:
    """One equal share per hidden case whose every gradient has rel_error < 1e-6 against both references."""
    cases = hidden_cases(variant, torch_reference)
    earned: list[tuple[str, float]] = []
    failed: list[str] = []
    worst: dict[str, float] = {}
    for case in cases:
        got = submitted.get(case.name, {"error": "no result"}) if isinstance(submitted, Mapping) else None
        verdict, passed = check_case(variant.kind, case, got, worst) if got is not None else ("not run", False)
        earned.append((case.description, 1.0 if passed else 0.0))
        if not passed:
            failed.append(f"{case.name} ({case.description}): {verdict}")
    share = round(variant.points / len(cases), 6)
    parts = shared_parts(variant, [(label, share * credit) for label, credit in earned])
    points = variant.points if not failed else round(sum(p.points for p in parts), 6)
    lines = [f"{len(cases) - len(failed)}/{len(cases)} hidden test cases passed "
             f"(each gradient's rel_error must be under {REL_TOLERANCE:g})", *failed[:3]]
    if worst and not failed:
        lines.append("largest " + ", ".join(f"{name} rel_error {error:.1e}" for name, error in worst.items()))
    return Score(variant.qid, points, variant.points, "; ".join(lines) + ("; ..." if len(failed) > 3 else ""), parts)


def score(variant: Variant, returned: Returned, context: Context) -> Score:
    """grade() on what the sandbox returned."""
    return grade(variant, results_of(variant, returned, context.torch_reference), context.torch_reference)


def near_miss(variant: Variant) -> dict[str, Any]:
    """The correct results with the first case's dx scaled by 1.01 (rel_error about 5e-3): must lose that case."""
    return first_array_scaled(model_submission(variant))


def first_array_scaled(results: dict[str, Any]) -> dict[str, Any]:
    """Results as the sandbox returns them, with the first case's (first) array scaled by 1.01."""
    first = next(iter(results))
    value = results[first]
    if isinstance(value, list):
        results[first] = [(np.asarray(value[0]) * 1.01).tolist(), *value[1:]]
    else:
        results[first] = np.asarray(value, dtype=float) * 1.01
    return results


# --- the exercise ------------------------------------------------------------------------------------------------


def _out_shape(case: dict[str, Any]) -> list[int]:
    """conv2d's output shape for a case."""
    (n, _, height, width), (filters, _, kh, kw) = case["x_shape"], case["w_shape"]
    stride, padding = case["stride"], case["padding"]
    return [n, filters, (height + 2 * padding - kh) // stride + 1, (width + 2 * padding - kw) // stride + 1]


def _draw_cases(params: dict[str, Any], rng: np.random.Generator) -> list[dict[str, Any]]:
    """conv2d_forward's cases, at most 8 pixels a side (every gradient entry is checked)."""
    return draw_conv_cases(params, rng, max_side=8)


def _inputs(case: dict[str, Any], rng: np.random.Generator) -> dict[str, Any]:
    """Standard-normal input, filters, biases and upstream gradient of the described shapes."""
    return {"x": rng.standard_normal(case["x_shape"]), "w": rng.standard_normal(case["w_shape"]),
            "b": rng.standard_normal(case["w_shape"][0]), "dout": rng.standard_normal(_out_shape(case))}


def _call(candidate: Any, case: dict[str, Any], inputs: dict[str, Any]) -> Any:
    """conv2d_backward(dout, x, w, b, stride=..., padding=...)."""
    return candidate(inputs["dout"], inputs["x"], inputs["w"], inputs["b"], stride=case["stride"],
                     padding=case["padding"])


def _flat(grads: Any) -> np.ndarray:
    """(dx, dw, db) as one 1D array: how the key stores a case's expected gradients."""
    return np.concatenate([np.asarray(g, dtype=np.float64).ravel() for g in grads])


def _expected(case: dict[str, Any], inputs: dict[str, Any]) -> Any:
    """solutions.numpy_ref.conv2d_backward on the same inputs, flattened."""
    return _flat(conv2d_backward(inputs["dout"], inputs["x"], inputs["w"], case["stride"], case["padding"]))


def _torch_expected(case: dict[str, Any], inputs: dict[str, Any]) -> Any:
    """solutions.torch_ref.conv2d_backward (autograd) on the same inputs, flattened: the second reference."""
    from solutions import torch_ref  # torch only when grading, never when generating

    return _flat(torch_ref.conv2d_backward(inputs["dout"], inputs["x"], inputs["w"], case["stride"],
                                           case["padding"]))


def parts(case: HiddenCase) -> list[tuple[str, tuple[int, ...]]]:
    """The gradients conv2d_backward returns, with their shapes (those of x, w and b)."""
    _, x, w, b = case.args
    return [("dx", x.shape), ("dw", w.shape), ("db", b.shape)]


CHECK_HELPERS = '''def numeric_gradient(f, x, dout, h=1e-5):
    """Centered differences of sum(f(x) * dout), one entry of x at a time (x is restored)."""
    grad = np.zeros(x.shape)
    for index in np.ndindex(x.shape):
        old = x[index]
        x[index] = old + h
        plus = np.sum(f(x) * dout)
        x[index] = old - h
        minus = np.sum(f(x) * dout)
        x[index] = old
        grad[index] = (plus - minus) / (2 * h)
    return grad


def rel_error(a, b):
    return np.max(np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b)))
'''

CONV_FORWARD = '''def conv_forward(x, w, b, stride, padding):  # plain loops, only for this check
    xp = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    kh, kw = w.shape[2:]
    out = np.zeros((x.shape[0], w.shape[0], (xp.shape[2] - kh) // stride + 1, (xp.shape[3] - kw) // stride + 1))
    for i in range(out.shape[2]):
        for j in range(out.shape[3]):
            window = xp[:, :, i * stride:i * stride + kh, j * stride:j * stride + kw]
            for f in range(w.shape[0]):
                out[:, f, i, j] = np.sum(window * w[f], axis=(1, 2, 3)) + b[f]
    return out
'''


def _checks(params: dict[str, Any], rng: np.random.Generator) -> str:
    """A numeric gradient check on a tiny input with stride 2 and padding 1; no true gradient is near 0 (there
    centered differences carry only rounding noise and rel_error would be meaningless)."""
    out_shape = _out_shape({"x_shape": [1, 2, 5, 5], "w_shape": [2, 2, 3, 3], "stride": 2, "padding": 1})
    while True:  # about nine tries: only the draws differ, so the output's shape is worked out once
        x, w, b = (rng.standard_normal(shape).round(2) for shape in ((1, 2, 5, 5), (2, 2, 3, 3), (2,)))
        dout = rng.standard_normal(out_shape).round(2)
        grads = conv2d_backward(dout, x, w, 2, 1)
        if min(float(np.min(np.abs(g))) for g in grads) > 0.05:
            break
    return (f"# Visible gradient check: your analytic gradients against centered differences of a plain-loop\n"
            f"# forward pass (stride 2, padding 1). The hidden tests try other shapes, strides and paddings.\n"
            f"{CHECK_HELPERS}\n\n{CONV_FORWARD}\n\n"
            f"x = {array_literal(x)}\nw = {array_literal(w)}\nb = {array_literal(b)}\ndout = {array_literal(dout)}\n"
            f"dx, dw, db = conv2d_backward(dout, x.copy(), w.copy(), b.copy(), stride=2, padding=1)\n"
            f"for name, analytic, numeric in (\n"
            f"        (\"dx\", dx, numeric_gradient(lambda v: conv_forward(v, w, b, 2, 1), x, dout)),\n"
            f"        (\"dw\", dw, numeric_gradient(lambda v: conv_forward(x, v, b, 2, 1), w, dout)),\n"
            f"        (\"db\", db, numeric_gradient(lambda v: conv_forward(x, w, v, 2, 1), b, dout))):\n"
            f"    assert np.shape(analytic) == numeric.shape, f\"{{name}} has shape {{np.shape(analytic)}}, "
            f"expected {{numeric.shape}}\"\n"
            f"    error = rel_error(np.asarray(analytic, dtype=float), numeric)\n"
            f"    assert error < 1e-6, f\"{{name}}: rel_error {{error:.2e}} against the numeric gradient\"\n"
            f"print(\"conv2d_backward: sanity checks passed\")")


def _edge(x: list[int], w: list[int], stride: int, padding: int) -> dict[str, Any]:
    """A pinned case in the format of _draw_cases."""
    return {"x_shape": x, "w_shape": w, "stride": stride, "padding": padding}


# Few pinned cases, each covering several edges, because every sandbox call costs a few milliseconds per student.
EDGE_CASES = (_edge([1, 1, 7, 7], [2, 1, 3, 3], 2, 0),  # stride > 1 (the last column is never in a window)
              _edge([1, 3, 5, 6], [4, 3, 3, 3], 1, 1),  # padding, non-square, several channels
              _edge([3, 2, 6, 7], [2, 2, 2, 2], 2, 1))  # batch > 1 with stride and padding
EXERCISE = Exercise("conv2d_backward", "solutions.numpy_ref.conv2d_backward", lambda p: SIGNATURE, lambda p: BODY,
                    _draw_cases, _inputs, _call, _expected, _checks,
                    "Backpropagation through a conv layer: every output position (n, f, i, j) sent "
                    "`dout[n, f, i, j]` back along the products that made it. So `db[f]` sums `dout` over "
                    "n, i, j; `dw[f]` adds `dout[n, f, i, j]` times the window of the padded input it saw; and the "
                    "window's part of the padded `dx` adds `dout[n, f, i, j]` times `w[f]`. Finally cut the padding "
                    "off `dx`. Each gradient has the shape of what it differentiates. Graded by CS231n's relative "
                    "error, max(|a - b| / max(1e-8, |a| + |b|)), which must be under 1e-6 for dx, dw and db.",
                    edge_cases=EDGE_CASES, torch_expected=_torch_expected,
                    rubric=("db[f]: dout summed over n, i and j",
                            "dw[f]: dout[n, f, i, j] times the window of the padded input it saw, added up",
                            "dx: dout[n, f, i, j] times w[f] added into the padded window, then the padding cut off",
                            "each gradient has the shape of what it differentiates; (dx, dw, db) returned"))
