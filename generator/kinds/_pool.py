"""The two pooling coding exercises differ only in the reduction (max or mean); this builds either."""

from __future__ import annotations

from typing import Any

import numpy as np

from generator.kinds._code import Exercise, array_literal, case_count, draw_size
from solutions.numpy_ref import avg_pool2d, max_pool2d

REFERENCES = {"max": max_pool2d, "avg": avg_pool2d}
EDGE_CASES = ({"x_shape": [1, 1, 6, 6], "kernel_size": 3, "stride": 1},  # overlapping windows
              {"x_shape": [2, 1, 4, 9], "kernel_size": 2, "stride": None},  # default stride, non-square, batch > 1
              {"x_shape": [2, 3, 7, 8], "kernel_size": 3, "stride": 2})  # overlapping, stride > 1, several channels
WORDS = {"max": ("max", "maximum", "max"), "avg": ("avg", "mean", "mean")}


def draw_pool_cases(params: dict[str, Any], rng: np.random.Generator) -> list[dict[str, Any]]:
    """Window and stride per case; the first case overlaps, the second uses the default stride."""
    cases = []
    for index in range(case_count(params)):
        kernel = draw_size(rng, 2, 3)
        stride = [kernel - 1, None][index] if index < 2 else draw_size(rng, 1, 3)
        size = [draw_size(rng, kernel + 1, 9) for _ in range(2)]
        cases.append({"x_shape": [draw_size(rng, 1, 2), draw_size(rng, 1, 3), *size], "kernel_size": kernel,
                      "stride": stride})
    return cases


def pool_exercise(mode: str) -> Exercise:
    """The Exercise for max_pool2d_forward or avg_pool2d_forward."""
    short, word, numpy_name = WORDS[mode]
    name, reference = f"{short}_pool2d_forward", REFERENCES[mode]
    signature = f'''def {name}(x, kernel_size, stride=None):
    """Forward pass of {word} pooling over non-padded windows; windows may overlap (stride < kernel_size).

    x: input, shape (N, C, H, W); kernel_size: window side (int); stride: step (int), None means kernel_size.
    Returns shape (N, C, H_out, W_out), H_out = (H - kernel_size) // stride + 1 (same for W); channels are
    pooled independently. Use NumPy only.
    """'''
    body = f'''    stride = kernel_size if stride is None else stride
    n, channels, height, width = x.shape
    h_out = (height - kernel_size) // stride + 1
    w_out = (width - kernel_size) // stride + 1
    out = np.zeros((n, channels, h_out, w_out))
    for i in range(h_out):
        for j in range(w_out):
            window = x[:, :, i * stride:i * stride + kernel_size, j * stride:j * stride + kernel_size]
            out[:, :, i, j] = window.{numpy_name}(axis=(2, 3))
    return out'''

    def inputs(case: dict[str, Any], rng: np.random.Generator) -> dict[str, Any]:
        return {"x": rng.standard_normal(case["x_shape"])}

    def call(candidate: Any, case: dict[str, Any], data: dict[str, Any]) -> Any:
        return candidate(data["x"], case["kernel_size"], stride=case["stride"])

    def expected(case: dict[str, Any], data: dict[str, Any]) -> Any:
        return reference(data["x"], case["kernel_size"], case["stride"])

    def torch_expected(case: dict[str, Any], data: dict[str, Any]) -> Any:
        from solutions import torch_ref  # torch only when grading, never when generating

        return getattr(torch_ref, reference.__name__)(data["x"], case["kernel_size"], case["stride"])

    def checks(params: dict[str, Any], rng: np.random.Generator) -> str:
        x = rng.integers(0, 10, (1, 1, 4, 4)).astype(float)
        overlapping, default = reference(x, 2, 1), reference(x, 2)
        return (f"# Visible sanity checks: overlapping windows (stride 1) and the default stride.\n"
                f"x = {array_literal(x)}\n"
                f"np.testing.assert_allclose({name}(x, 2, stride=1), {array_literal(overlapping)})\n"
                f"np.testing.assert_allclose({name}(x, 2), {array_literal(default)})\n"
                f"print(\"{name}: sanity checks passed\")")

    return Exercise(name, f"solutions.numpy_ref.{reference.__name__}", lambda p: signature, lambda p: body,
                    draw_pool_cases, inputs, call, expected, checks,
                    f"Slide the window by the stride and take the {word} of each window, channel by channel.",
                    edge_cases=EDGE_CASES, torch_expected=torch_expected,
                    rubric=("the output shape: (N, C, H_out, W_out) with H_out = (H - K) // stride + 1, "
                            "the stride defaulting to the window size",
                            "the windows: rows i * stride to i * stride + K, columns likewise, every channel "
                            "and every image on its own",
                            f"the {word} of each window, written to its output position",
                            "NumPy only, and the output returned (not printed)"))
