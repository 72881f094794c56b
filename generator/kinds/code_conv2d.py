"""Coding exercise: conv2d forward in NumPy, with stride and zero padding; graded against solutions.numpy_ref."""

from __future__ import annotations

from typing import Any

import numpy as np

from generator.kinds._code import (FORMULAS, Exercise, NO_MISCONCEPTIONS, answer_stub, array_literal, case_count,
                                   check_template, checks_source, draw_size, explain, generate, grade,
                                   model_submission, near_miss, render, render_for, request, rubric, score,
                                   solution_source)
from solutions.numpy_ref import conv2d

FORMATS = ("code",)
REQUIRED: tuple[str, ...] = ()
OPTIONAL_PARAMS = ("n_cases", "max_stride", "max_padding")  # read when the template has them
EXTRA_KEYS: dict[str, bool] = {}
__all__ = ["FORMULAS", "answer_stub", "check_template", "checks_source", "explain", "generate", "grade",
           "model_submission", "near_miss", "render", "render_for", "request", "rubric", "score", "solution_source"]

SIGNATURE = '''def conv2d_forward(x, w, b, stride=1, padding=0):
    """Forward pass of a conv layer (cross-correlation, as PyTorch computes it: the kernel is not flipped).

    x: input, shape (N, C, H, W); w: filters, shape (F, C, KH, KW); b: biases, shape (F,).
    stride: step between windows on both axes (int); padding: rows/columns of zeros added on every side (int).
    Returns the output, shape (N, F, H_out, W_out), H_out = (H + 2 * padding - KH) // stride + 1 (same for W).
    Use NumPy only.
    """'''

BODY = '''    n, _, height, width = x.shape
    filters, _, kh, kw = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    h_out = (height + 2 * padding - kh) // stride + 1
    w_out = (width + 2 * padding - kw) // stride + 1
    out = np.zeros((n, filters, h_out, w_out))
    for i in range(h_out):
        for j in range(w_out):
            window = xp[:, :, i * stride:i * stride + kh, j * stride:j * stride + kw]
            out[:, :, i, j] = np.tensordot(window, w, axes=([1, 2, 3], [1, 2, 3])) + b
    return out'''


def draw_conv_cases(params: dict[str, Any], rng: np.random.Generator, max_side: int = 9) -> list[dict[str, Any]]:
    """Shapes, strides and paddings of the hidden cases (the kernel always fits the padded input)."""
    cases = []
    for _ in range(case_count(params)):
        kernel, stride, padding = draw_size(rng, 1, 4), draw_size(rng, 1, params.get("max_stride", 3)), \
            draw_size(rng, 0, params.get("max_padding", 2))
        height, width = draw_size(rng, max(kernel, 3), max_side), draw_size(rng, max(kernel, 3), max_side)
        channels, filters = draw_size(rng, 1, 3), draw_size(rng, 1, 4)
        cases.append({"x_shape": [draw_size(rng, 1, 2), channels, height, width],
                      "w_shape": [filters, channels, kernel, kernel], "stride": stride, "padding": padding})
    return cases


def _inputs(case: dict[str, Any], rng: np.random.Generator) -> dict[str, Any]:
    """Standard-normal input, filters and biases of the described shapes."""
    return {"x": rng.standard_normal(case["x_shape"]), "w": rng.standard_normal(case["w_shape"]),
            "b": rng.standard_normal(case["w_shape"][0])}


def _call(candidate: Any, case: dict[str, Any], inputs: dict[str, Any]) -> Any:
    """conv2d_forward(x, w, b, stride=..., padding=...)."""
    return candidate(inputs["x"], inputs["w"], inputs["b"], stride=case["stride"], padding=case["padding"])


def _expected(case: dict[str, Any], inputs: dict[str, Any]) -> Any:
    """solutions.numpy_ref.conv2d on the same inputs."""
    return conv2d(inputs["x"], inputs["w"], inputs["b"], stride=case["stride"], padding=case["padding"])


def _checks(params: dict[str, Any], rng: np.random.Generator) -> str:
    """A small integer example with stride 2 and padding 1, its expected output computed by solutions/."""
    x, w, b = rng.integers(0, 4, (1, 1, 5, 5)).astype(float), rng.integers(-1, 2, (1, 1, 3, 3)).astype(float), \
        np.array([1.0])
    out = conv2d(x, w, b, stride=2, padding=1)
    return (f"# Visible sanity checks: these must pass (the hidden tests try other shapes, strides and paddings).\n"
            f"x = {array_literal(x)}\nw = {array_literal(w)}\nb = np.array([1.0])\n"
            f"out = conv2d_forward(x, w, b, stride=2, padding=1)\n"
            f"assert out.shape == {out.shape}, f\"wrong output shape {{out.shape}}\"\n"
            f"np.testing.assert_allclose(out, {array_literal(out)}, atol=1e-6)\n"
            f"print(\"conv2d_forward: sanity checks passed\")")


def _edge(x: list[int], w: list[int], stride: int, padding: int) -> dict[str, Any]:
    """A pinned case in the format of _draw_cases."""
    return {"x_shape": x, "w_shape": w, "stride": stride, "padding": padding}


def _torch_expected(case: dict[str, Any], inputs: dict[str, Any]) -> Any:
    """solutions.torch_ref.conv2d (torch's own kernel) on the same inputs: the second reference."""
    from solutions import torch_ref  # torch only when grading, never when generating

    return torch_ref.conv2d(inputs["x"], inputs["w"], inputs["b"], case["stride"], case["padding"])


# Few pinned cases, each covering several edges, because every sandbox call costs a few milliseconds per student.
EDGE_CASES = (_edge([1, 1, 7, 7], [2, 1, 3, 3], 2, 0),  # stride > 1
              _edge([1, 3, 5, 8], [4, 3, 3, 3], 1, 1),  # padding, non-square, several channels
              _edge([3, 2, 6, 7], [2, 2, 2, 2], 2, 1))  # batch > 1 with stride and padding
EXERCISE = Exercise("conv2d_forward", "solutions.numpy_ref.conv2d", lambda p: SIGNATURE, lambda p: BODY,
                    draw_conv_cases, _inputs, _call, _expected, _checks,
                    "Pad, then for every output position take the dot product of each filter with the window "
                    "under it and add the filter's bias.", edge_cases=EDGE_CASES, torch_expected=_torch_expected,
                    rubric=("zero padding of `padding` rows and columns on every side of H and W only "
                            "(not N or C)",
                            "the output shape: H_out = (H + 2 * padding - KH) // stride + 1, likewise W_out",
                            "windows that start at i * stride and j * stride, with no kernel flip",
                            "each output is the sum over C, KH and KW of window times filter, plus that filter's bias",
                            "NumPy only, and the output returned with shape (N, F, H_out, W_out)"))
