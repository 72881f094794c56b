"""Coding exercise: a convolution through im2col. The student writes `im2col` (torch.nn.functional.unfold's layout)
and `conv2d_im2col` (the weight matrix times the patch matrix, one matrix product) in one cell; each is graded on
its own hidden cases against solutions.numpy_ref.im2col and torch (F.unfold, F.conv2d), by rel_error < 1e-6, with
the typical mistakes named (generator/kinds/_code_functions.py): a transposed patch matrix, the channel last in
each window, the biases forgotten, the kernel flipped.

Results only are checked: a conv2d_im2col that loops over output positions passes if its numbers are right (the
prompt, the docstring and the rubric ask for one product; a check of the source would be easy to dodge and is not
what the sandbox sends back).
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np

from generator.kinds._code import (FORMULAS as CODE_FORMULAS, Exercise, HiddenCase, array_literal, check_template,
                                   checks_source, explain, generate, render, rubric)
from generator.kinds._code_functions import (Diagnosis, Function, answer_stub, entry_points, function_of, grade,
                                             model_submission, near_miss, render_for, request, score, solution_source)
from generator.kinds.code_conv2d import draw_conv_cases
from solutions.numpy_ref.im2col import conv2d_im2col, im2col

FORMATS = ("code",)
REQUIRED: tuple[str, ...] = ()
OPTIONAL_PARAMS = ("n_cases", "max_stride", "max_padding")  # read when the template has them
EXTRA_KEYS: dict[str, bool] = {}
FORMULAS = {  # the docstrings' formulas for what another question on the same paper asks (generator/media.py)
    **CODE_FORMULAS,
    "im2col shapes": re.compile(r" of shape \(N, C\*K\*K, H_out\*W_out\)"),
}
NO_MISCONCEPTIONS = ("graded by hidden test cases: a wrong array has no single mistaken answer to recognise; instead "
                     "the feedback names the known mistake a failing case's result equals (DIAGNOSES: a transposed "
                     "patch matrix, the channel last, ...), and the class report counts it")
__all__ = ["FORMULAS", "answer_stub", "check_template", "checks_source", "entry_points", "explain", "generate",
           "grade", "model_submission", "near_miss", "render", "render_for", "request", "rubric", "score",
           "solution_source"]

IM2COL = Function("im2col", '''def im2col(x, kernel_size, stride=1, padding=0):
    """The patch matrix of every image, laid out as torch.nn.functional.unfold lays it out.

    x: input, shape (N, C, H, W); kernel_size: K (square K x K windows);
    stride: step between windows on both axes (int);
    padding: rows/columns of zeros added on every side of H and W (int).
    Returns an array of shape (N, C*K*K, H_out*W_out),
    H_out = (H + 2 * padding - K) // stride + 1 (same for W).
    Column i * W_out + j holds the window of output position (i, j): its values
    channel by channel, and row by row within each channel. Use NumPy only.
    """''', '''    n, channels, height, width = x.shape
    k = kernel_size
    xp = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    h_out = (height + 2 * padding - k) // stride + 1
    w_out = (width + 2 * padding - k) // stride + 1
    cols = np.zeros((n, channels * k * k, h_out * w_out))
    for i in range(h_out):
        for j in range(w_out):
            window = xp[:, :, i * stride:i * stride + k, j * stride:j * stride + k]  # (N, C, K, K)
            cols[:, :, i * w_out + j] = window.reshape(n, -1)  # channel by channel, row by row
    return cols''')

CONV = Function("conv2d_im2col", '''def conv2d_im2col(x, w, b, stride=1, padding=0):
    """Forward pass of a conv layer (cross-correlation, as PyTorch: no kernel flip) via im2col.

    x: input, shape (N, C, H, W); w: filters, shape (F, C, K, K); b: biases, shape (F,);
    stride and padding as for im2col. Flatten the filters into the weight matrix, one row
    per filter in the order im2col reads a window; multiply it with the patch matrices in
    one matrix product (no loop over output positions); add each filter's bias.
    Returns the output, shape (N, F, H_out, W_out). Use NumPy only.
    """''', '''    n, _, height, width = x.shape
    filters, _, k, _ = w.shape
    h_out = (height + 2 * padding - k) // stride + 1
    w_out = (width + 2 * padding - k) // stride + 1
    patches = im2col(x, k, stride, padding)  # (N, C*K*K, H_out*W_out)
    out = w.reshape(filters, -1) @ patches  # one product, broadcast over the images: (N, F, H_out*W_out)
    out = out + b[:, None]
    return out.reshape(n, filters, h_out, w_out)''')
FUNCTIONS = (IM2COL, CONV)


def _draw_cases(params: dict[str, Any], rng: np.random.Generator) -> list[dict[str, Any]]:
    """code_conv2d's geometries (square kernels), each tried on im2col and on conv2d_im2col."""
    cases = []
    for geometry in draw_conv_cases(params, rng):
        cases.append({"function": IM2COL.name, "x_shape": geometry["x_shape"], "kernel_size": geometry["w_shape"][2],
                      "stride": geometry["stride"], "padding": geometry["padding"]})
        cases.append({"function": CONV.name, **geometry})
    return cases


def _inputs(case: dict[str, Any], rng: np.random.Generator) -> dict[str, Any]:
    """Standard-normal input (and, for the convolution, filters and biases) of the described shapes."""
    x = rng.standard_normal(case["x_shape"])
    if case["function"] == IM2COL.name:
        return {"x": x}
    return {"x": x, "w": rng.standard_normal(case["w_shape"]), "b": rng.standard_normal(case["w_shape"][0])}


def _call(candidate: Any, case: dict[str, Any], inputs: dict[str, Any]) -> Any:
    """im2col(x, kernel_size, stride=..., padding=...) or conv2d_im2col(x, w, b, stride=..., padding=...)."""
    if case["function"] == IM2COL.name:
        return candidate(inputs["x"], case["kernel_size"], stride=case["stride"], padding=case["padding"])
    return candidate(inputs["x"], inputs["w"], inputs["b"], stride=case["stride"], padding=case["padding"])


def _expected(case: dict[str, Any], inputs: dict[str, Any]) -> Any:
    """solutions.numpy_ref.im2col's im2col or conv2d_im2col on the same inputs."""
    if case["function"] == IM2COL.name:
        return im2col(inputs["x"], case["kernel_size"], case["stride"], case["padding"])
    return conv2d_im2col(inputs["x"], inputs["w"], inputs["b"], case["stride"], case["padding"])


def _torch_expected(case: dict[str, Any], inputs: dict[str, Any]) -> Any:
    """torch's own F.unfold or F.conv2d (solutions.torch_ref) on the same inputs: the second reference."""
    from solutions import torch_ref  # torch only when grading, never when generating

    if case["function"] == IM2COL.name:
        return torch_ref.unfold(inputs["x"], case["kernel_size"], case["stride"], case["padding"])
    return torch_ref.conv2d(inputs["x"], inputs["w"], inputs["b"], case["stride"], case["padding"])


def _checks(params: dict[str, Any], rng: np.random.Generator) -> str:
    """A 1 x 1 x 3 x 3 image whose patch matrix can be read off by eye, and a small convolution with stride 2 and
    padding 1, their expected values computed by solutions/."""
    image = np.arange(1.0, 10.0).reshape(1, 1, 3, 3)
    x, w = rng.integers(0, 4, (1, 2, 5, 5)).astype(float), rng.integers(-1, 2, (2, 2, 3, 3)).astype(float)
    b = np.array([1.0, -1.0])
    out = conv2d_im2col(x, w, b, stride=2, padding=1)
    return (f"# Visible sanity checks: these must pass (the hidden tests try other shapes, strides and paddings).\n"
            f"image = np.arange(1.0, 10.0).reshape(1, 1, 3, 3)  # one channel: 1 2 3 / 4 5 6 / 7 8 9\n"
            f"patches = im2col(image, 2)  # four 2 x 2 windows\n"
            f"assert patches.shape == (1, 4, 4), f\"wrong patch matrix shape {{patches.shape}}\"\n"
            f"np.testing.assert_allclose(patches[0], {im2col(image, 2)[0].tolist()!r})  # a column per window\n"
            f"x = {array_literal(x)}\nw = {array_literal(w)}\nb = {array_literal(b)}\n"
            f"out = conv2d_im2col(x, w, b, stride=2, padding=1)\n"
            f"assert out.shape == {out.shape}, f\"wrong output shape {{out.shape}}\"\n"
            f"np.testing.assert_allclose(out, {array_literal(out)}, atol=1e-6)\n"
            f"print(\"im2col and conv2d_im2col: sanity checks passed\")")


def _edge(function: str, x: list[int], size: int | list[int], stride: int, padding: int) -> dict[str, Any]:
    """A pinned case in the format of _draw_cases: a kernel size for im2col, a filter shape for the convolution."""
    if function == IM2COL.name:
        return {"function": IM2COL.name, "x_shape": x, "kernel_size": size, "stride": stride, "padding": padding}
    return {"function": CONV.name, "x_shape": x, "w_shape": size, "stride": stride, "padding": padding}


# Few pinned cases, each covering several edges, because every sandbox call costs a few milliseconds per student.
EDGE_CASES = (_edge(IM2COL.name, [2, 3, 5, 6], 3, 2, 1),  # batch, channels, non-square, stride and padding
              _edge(CONV.name, [2, 2, 6, 7], [3, 2, 2, 2], 2, 1),  # the same for the convolution, an even kernel
              _edge(CONV.name, [1, 3, 5, 5], [4, 3, 1, 1], 1, 0))  # a 1 x 1 kernel: the product alone
EXERCISE = Exercise(IM2COL.name, "solutions.numpy_ref.im2col (im2col, conv2d_im2col)",
                    lambda p: f"{IM2COL.signature}\n\n\n{CONV.signature}",
                    lambda p: f"{IM2COL.body}\n\n\n{CONV.body}",
                    _draw_cases, _inputs, _call, _expected, _checks,
                    "`im2col`: pad, then copy the window of each output position `(i, j)`, flattened channel by "
                    "channel and row by row, into column `i * W_out + j` of each image's patch matrix. "
                    "`conv2d_im2col`: `w.reshape(F, -1)` is the weight matrix, in the same order; one product "
                    "`w.reshape(F, -1) @ im2col(x, ...)` gives every output value at once, `(N, F, H_out * W_out)`; "
                    "add the biases and reshape to `(N, F, H_out, W_out)`. Each returned array is graded by "
                    "CS231n's relative error, under 1e-6, against the NumPy reference and PyTorch's F.unfold or "
                    "F.conv2d.",
                    edge_cases=EDGE_CASES, torch_expected=_torch_expected,
                    rubric=("im2col: zero padding on H and W only, and H_out, W_out by the floor rule",
                            "im2col: column i * W_out + j holds the window at (i * stride, j * stride), channel by "
                            "channel and row by row; shape (N, C*K*K, H_out*W_out)",
                            "conv2d_im2col: the filters reshaped to the weight matrix (F, C*K*K) and multiplied with "
                            "the patch matrices in one matrix product",
                            "each filter's bias added, and the result reshaped to (N, F, H_out, W_out)"))


def parts(case: HiddenCase) -> list[tuple[str, tuple[int, ...]]]:
    """The one array the case's function returns: the patch matrices or the output, of the reference's shape."""
    return [("patches" if function_of(case) == IM2COL.name else "out", case.expected.shape)]


# --- the mistakes a failing case is checked for --------------------------------------------------------------------


def _transposed(case: HiddenCase) -> tuple[np.ndarray, ...]:
    """Each image's patch matrix with rows and columns swapped: (N, H_out*W_out, C*K*K)."""
    return (case.expected.transpose(0, 2, 1),)


def _channel_last(case: HiddenCase) -> tuple[np.ndarray, ...] | None:
    """Each window read position by position with the channel innermost (K, K, C order); one channel: the same."""
    (x, kernel), expected = case.args, case.expected
    n, channels, columns = x.shape[0], x.shape[1], expected.shape[-1]
    if channels == 1:
        return None
    windows = expected.reshape(n, channels, kernel, kernel, columns).transpose(0, 2, 3, 1, 4)
    return (windows.reshape(n, -1, columns),)


def _biases_forgotten(case: HiddenCase) -> tuple[np.ndarray, ...]:
    """The output without each filter's bias."""
    return (case.expected - case.args[2][None, :, None, None],)


def _kernel_flipped(case: HiddenCase) -> tuple[np.ndarray, ...] | None:
    """A true convolution: every filter flipped on both axes before the product (a 1 x 1 kernel: the same)."""
    x, w, b = case.args
    if w.shape[-1] == 1:
        return None
    return (conv2d_im2col(x, w[:, :, ::-1, ::-1], b, case.kwargs["stride"], case.kwargs["padding"]),)


DIAGNOSES = (
    Diagnosis("the patch matrix transposed", "in F.unfold's layout each output position is a column and each "
              "window entry a row, (C*K*K, H_out*W_out) per image, so that w.reshape(F, -1) @ patches gives "
              "(F, H_out*W_out)", IM2COL.name, _transposed),
    Diagnosis("the channel last in each window", "F.unfold reads a window channel by channel (row c*K*K + r*K + s "
              "holds channel c, window row r, column s), the order of w.reshape(F, -1)", IM2COL.name,
              _channel_last),
    Diagnosis("the biases forgotten", "every filter adds its bias b[f] to each of its output values",
              CONV.name, _biases_forgotten),
    Diagnosis("the kernel flipped", "a conv layer computes a cross-correlation, as PyTorch does: the filters are "
              "flattened as they are, without flipping", CONV.name, _kernel_flipped),
)
