"""Coding exercise: max pooling backward in NumPy, overlapping windows included; graded on hidden inputs against
solutions.numpy_ref.max_pool2d_backward and solutions.torch_ref.max_pool2d_backward (autograd), by CS231n's
rel_error (under 1e-6), with code_conv2d_backward's grading helpers."""

from __future__ import annotations

from typing import Any

import numpy as np

from generator.kinds._code import (FORMULAS, Exercise, HiddenCase, NO_MISCONCEPTIONS, answer_stub, array_literal,
                                   check_template, checks_source, explain, generate, render, render_for, request,
                                   rubric, solution_source)
from generator.kinds._pool import draw_pool_cases
from generator.kinds.code_conv2d_backward import CHECK_HELPERS, grade, model_submission, near_miss, score
from solutions.numpy_ref import max_pool2d, max_pool2d_backward

FORMATS = ("code",)
REQUIRED: tuple[str, ...] = ()
OPTIONAL_PARAMS = ("n_cases",)  # read when the template has them
EXTRA_KEYS: dict[str, bool] = {}
__all__ = ["FORMULAS", "answer_stub", "check_template", "checks_source", "explain", "generate", "grade",
           "model_submission", "near_miss", "render", "render_for", "request", "rubric", "score", "solution_source"]

SIGNATURE = '''def max_pool2d_backward(dout, x, kernel_size, stride=None):
    """Backward pass of max pooling over non-padded windows; windows may overlap (stride < kernel_size).

    The forward pass was out = max_pool2d(x, kernel_size, stride): x (N, C, H, W), out (N, C, H_out, W_out),
    H_out = (H - kernel_size) // stride + 1 (same for W); stride None means kernel_size.
    dout: the upstream gradient dL/dout, shape (N, C, H_out, W_out). Returns dx = dL/dx, shape of x.
    Each window's gradient goes to the input position of its maximum; where windows overlap, gradients add up.
    Ties: the first maximum in row-major order within the window gets all of it (as np.argmax picks).
    Use NumPy only; loops are fine.
    """'''

BODY = '''    stride = kernel_size if stride is None else stride
    dx = np.zeros(x.shape)
    for n in range(x.shape[0]):
        for c in range(x.shape[1]):
            for i in range(dout.shape[2]):
                for j in range(dout.shape[3]):
                    window = x[n, c, i * stride:i * stride + kernel_size, j * stride:j * stride + kernel_size]
                    r, s = np.unravel_index(np.argmax(window), window.shape)  # the first maximum, row-major
                    dx[n, c, i * stride + r, j * stride + s] += dout[n, c, i, j]  # overlaps add up
    return dx'''


def parts(case: HiddenCase) -> list[tuple[str, tuple[int, ...]]]:
    """The one gradient max_pool2d_backward returns: dx, of x's shape."""
    return [("dx", case.args[1].shape)]


def _stride(case: dict[str, Any]) -> int:
    return case["kernel_size"] if case["stride"] is None else case["stride"]


def _out_shape(case: dict[str, Any]) -> list[int]:
    """max_pool2d's output shape for a case."""
    n, channels, height, width = case["x_shape"]
    kernel, stride = case["kernel_size"], _stride(case)
    return [n, channels, (height - kernel) // stride + 1, (width - kernel) // stride + 1]


def _inputs(case: dict[str, Any], rng: np.random.Generator) -> dict[str, Any]:
    """x without ties (a shuffled, evenly spaced range, so the tie rule never decides) and a normal dout."""
    size = int(np.prod(case["x_shape"]))
    x = (rng.permutation(size).astype(float) - size / 2) / size * 4 + 0.01  # distinct, spread over about [-2, 2]
    return {"x": x.reshape(case["x_shape"]), "dout": rng.standard_normal(_out_shape(case))}


def _call(candidate: Any, case: dict[str, Any], inputs: dict[str, Any]) -> Any:
    """max_pool2d_backward(dout, x, kernel_size, stride=...)."""
    return candidate(inputs["dout"], inputs["x"], case["kernel_size"], stride=case["stride"])


def _expected(case: dict[str, Any], inputs: dict[str, Any]) -> Any:
    """solutions.numpy_ref.max_pool2d_backward on the same inputs."""
    return max_pool2d_backward(inputs["dout"], inputs["x"], case["kernel_size"], case["stride"])


def _torch_expected(case: dict[str, Any], inputs: dict[str, Any]) -> Any:
    """solutions.torch_ref.max_pool2d_backward (autograd) on the same inputs: the second reference."""
    from solutions import torch_ref  # torch only when grading, never when generating

    return torch_ref.max_pool2d_backward(inputs["dout"], inputs["x"], case["kernel_size"], case["stride"])


POOL_FORWARD = '''def pool_forward(x, k, stride):  # plain loops, only for this check
    out = np.zeros((*x.shape[:2], (x.shape[2] - k) // stride + 1, (x.shape[3] - k) // stride + 1))
    for i in range(out.shape[2]):
        for j in range(out.shape[3]):
            out[:, :, i, j] = x[:, :, i * stride:i * stride + k, j * stride:j * stride + k].max(axis=(2, 3))
    return out
'''


def _checks(params: dict[str, Any], rng: np.random.Generator) -> str:
    """A numeric gradient check with overlapping windows (2x2, stride 1): distinct values 0.25 apart, so a step
    of 1e-5 never changes a window's maximum, and a positive dout, so no overlapping sum cancels to 0."""
    x = (rng.permutation(2 * 4 * 4).reshape(1, 2, 4, 4) / 4.0).astype(float)
    dout = rng.uniform(0.5, 1.5, max_pool2d(x, 2, 1).shape).round(2)
    assert np.all(max_pool2d_backward(dout, x, 2, 1) >= 0)
    return (f"# Visible gradient check: your analytic dx against centered differences of a plain-loop forward\n"
            f"# pass, overlapping windows (2x2, stride 1). The hidden tests try other windows and strides.\n"
            f"{CHECK_HELPERS}\n\n{POOL_FORWARD}\n\n"
            f"x = {array_literal(x)}\ndout = {array_literal(dout)}\n"
            f"dx = max_pool2d_backward(dout, x.copy(), 2, stride=1)\n"
            f"numeric = numeric_gradient(lambda v: pool_forward(v, 2, 1), x, dout)\n"
            f"assert np.shape(dx) == x.shape, f\"dx has shape {{np.shape(dx)}}, expected {{x.shape}}\"\n"
            f"error = rel_error(np.asarray(dx, dtype=float), numeric)\n"
            f"assert error < 1e-6, f\"dx: rel_error {{error:.2e}} against the numeric gradient\"\n"
            f"print(\"max_pool2d_backward: sanity checks passed\")")


EDGE_CASES = ({"x_shape": [1, 1, 6, 6], "kernel_size": 3, "stride": 1},  # overlapping windows
              {"x_shape": [2, 1, 4, 9], "kernel_size": 2, "stride": None},  # default stride, non-square, batch > 1
              {"x_shape": [2, 3, 7, 8], "kernel_size": 3, "stride": 2})  # overlapping, stride > 1, several channels
EXERCISE = Exercise("max_pool2d_backward", "solutions.numpy_ref.max_pool2d_backward", lambda p: SIGNATURE,
                    lambda p: BODY, draw_pool_cases, _inputs, _call, _expected, _checks,
                    "Backpropagation through max pooling: a window's output is its maximum, so its gradient "
                    "`dout[n, c, i, j]` flows back to the position of that maximum only (the others had no effect "
                    "on the output) and `dx` is zero elsewhere. Where windows overlap, one input can be the maximum "
                    "of several windows: add their gradients up. Ties go to the first maximum in row-major order "
                    "(the hidden inputs have none). Graded by CS231n's relative error, "
                    "max(|a - b| / max(1e-8, |a| + |b|)), which must be under 1e-6.",
                    edge_cases=EDGE_CASES, torch_expected=_torch_expected,
                    rubric=("dx starts as zeros with the shape of x",
                            "each window's gradient goes to the position of its maximum only (the first on a tie)",
                            "overlapping windows add their gradients up (+=, not =)",
                            "dx returned"))
