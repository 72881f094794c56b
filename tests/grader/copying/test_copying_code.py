"""Code similarity, submitted values read without running code, and the record that keeps answers."""

from __future__ import annotations

import json
from typing import Any

from generator.model import Score
from grader.copying.code import normalised_lines, similar_code
from grader.copying.values import answers_from_notebook, answers_from_outcome, code_sources
from grader.reports.feedback import feedback_notebook
from grader.reports.results_json import results_json
from grader.pipeline.records import GradedSubmission
from grader.sandbox.api import Outcome

STUB = "def conv2d_forward(x, w, b, stride=1, padding=0):\n    raise NotImplementedError\n"
LOOPS = '''def conv2d_forward(x, w, b, stride=1, padding=0):
    """My convolution."""
    n, c, h, wd = x.shape
    f, _, kh, kw = w.shape
    x = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    ho = (h + 2 * padding - kh) // stride + 1
    wo = (wd + 2 * padding - kw) // stride + 1
    out = np.zeros((n, f, ho, wo))
    for i in range(ho):
        for j in range(wo):
            patch = x[:, :, i * stride:i * stride + kh, j * stride:j * stride + kw]
            out[:, :, i, j] = np.tensordot(patch, w, axes=([1, 2, 3], [1, 2, 3])) + b
    return out
'''
RENAMED = '''def conv2d_forward(inp, weight, bias, stride=1, padding=0):
    # convolution, my own work
    batch, chans, height, width = inp.shape
    filters, _, k1, k2 = weight.shape
    inp = np.pad(inp, ((0, 0), (0, 0), (padding, padding), (padding, padding)))  # pad it
    out_h = (height + 2 * padding - k1) // stride + 1
    out_w = (width + 2 * padding - k2) // stride + 1
    result = np.zeros((batch, filters, out_h, out_w))
    for r in range(out_h):
        for s in range(out_w):
            window = inp[:, :, r * stride:r * stride + k1, s * stride:s * stride + k2]
            result[:, :, r, s] = np.tensordot(window, weight, axes=([1, 2, 3], [1, 2, 3])) + bias
    return result
'''
EINSUM = '''def conv2d_forward(x, w, b, stride=1, padding=0):
    xp = np.pad(x, [(0, 0), (0, 0), (padding,) * 2, (padding,) * 2])
    windows = np.lib.stride_tricks.sliding_window_view(xp, w.shape[2:], axis=(2, 3))[:, :, ::stride, ::stride]
    return np.einsum("nchwij,fcij->nfhw", windows, w) + b[None, :, None, None]
'''
ONE_LOOP = '''def conv2d_forward(x, w, b, stride=1, padding=0):
    if padding:
        x = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)), mode="constant")
    N, C, H, W = x.shape
    F, _, HH, WW = w.shape
    H_out, W_out = 1 + (H - HH) // stride, 1 + (W - WW) // stride
    y = np.empty((N, F, H_out, W_out))
    for f in range(F):
        for r in range(H_out):
            for c in range(W_out):
                y[:, f, r, c] = (x[:, :, r*stride:r*stride+HH, c*stride:c*stride+WW] * w[f]).sum(axis=(1, 2, 3)) + b[f]
    return y
'''


def test_renamed_and_recommented_code_is_found_with_its_shared_lines_side_by_side() -> None:
    sources = {"code-conv2d": {"a": LOOPS, "b": RENAMED, "c": EINSUM, "d": ONE_LOOP}}
    found = similar_code(sources, {"code-conv2d": STUB})
    assert [(p.first, p.second) for p in found] == [("a", "b")]
    shared = dict(found[0].shared)
    assert shared["    out = np.zeros((n, f, ho, wo))"] == "    result = np.zeros((batch, filters, out_h, out_w))"
    assert not any("def conv2d_forward" in mine for mine, _ in found[0].shared), "starter lines are left out"


def test_independent_solutions_and_a_broken_cell_are_not_paired() -> None:
    sources = {"q": {"c": EINSUM, "d": ONE_LOOP, "e": LOOPS[:200] + "\n  (((", "f": ""}}
    assert similar_code(sources, {}) == []


def test_names_comments_and_docstrings_are_stripped() -> None:
    lines = normalised_lines('def f(x):\n    """doc."""\n    y = np.zeros(x)  # note\n    return len(y)\n')
    assert list(lines.values()) == ["def V ( V ) :", "V = np . zeros ( V )", "return len ( V )"]


def _notebook(*cells: tuple[str, str, str]) -> dict[str, Any]:
    return {"cells": [{"cell_type": "code", "source": source,
                       "metadata": {"cnnlab": {"qid": qid, "role": role, "variable": f"answer_{qid}"}}}
                      for qid, role, source in cells]}


def test_answers_are_read_from_the_notebook_without_running_anything() -> None:
    notebook = _notebook(("a", "answer", "h = (32 - 5 + 2 * 2) // 1 + 1\nanswer_a = (h, h, 6)"),
                         ("b", "answer", "import numpy as np\nanswer_b = np.array([[1, -2], [3.5, 4]])"),
                         ("c", "answer", "answer_c = {'weights': 3 * 3 * 64, 'total': 576 + 64}"),
                         ("d", "answer", "answer_d = __import__('os').system('true')"),
                         ("e", "answer", "answer_e = 10 ** 10 ** 10"),
                         ("f", "code", "def f(x):\n    return x\n"), ("f", "code", "g = 1"))
    assert answers_from_notebook(notebook) == {"a": [32, 32, 6], "b": [[1, -2], [3.5, 4]],
                                               "c": {"weights": 576, "total": 640}}
    assert code_sources(notebook) == {"f": "def f(x):\n    return x\n\ng = 1"}


def test_answers_from_the_sandbox_are_kept_in_the_record_and_never_shown_to_the_student() -> None:
    outcome = Outcome("j", "ok", (), {"answer_a": [28, 28, 6], "answer_big": list(range(10_000))}, {}, {}, "", "",
                      0.1, "", False)
    answers = answers_from_outcome({"a": "answer_a", "big": "answer_big", "none": "answer_none"}, outcome)
    assert answers == {"a": [28, 28, 6]}
    record = GradedSubmission("d" * 64, "x.ipynb", "x.ipynb", "s1", "hw", "k", "graded",
                              (Score("a", 0.0, 1.0, "wrong"),), (), 0.1, answers=answers)
    assert GradedSubmission.from_json(json.loads(json.dumps(record.to_json()))) == record
    assert hash(record)
    assert "answers" not in json.dumps(results_json(record, {}))
    assert "28, 28, 6" not in json.dumps(feedback_notebook(None, record))
