"""Coding exercise: inverted dropout with a given keep mask in NumPy, forward (`dropout_forward`) and backward
(`dropout_backward`) in one cell, in train and eval mode. Graded on hidden inputs against
solutions.numpy_ref.dropout and solutions.torch_ref (the kernel of F.dropout's backward, which applies a given
mask), each returned array by rel_error < 1e-6, with the typical mistakes named (generator/kinds/_code_functions.py)."""

from __future__ import annotations

from typing import Any

import numpy as np

from generator.kinds._code import (HiddenCase, array_literal, case_count, check_template, checks_source, draw_size,
                                   explain, generate, render, rubric)
from generator.kinds._code_functions import (NO_MISCONCEPTIONS, Diagnosis, Function, answer_stub, entry_points,
                                             exercise_of, function_of, grade, model_submission, near_miss, render_for,
                                             request, score, solution_source)
from solutions import numpy_ref
from solutions.numpy_ref.dropout import dropout_backward, dropout_forward

FORMATS = ("code",)
REQUIRED: tuple[str, ...] = ()
OPTIONAL_PARAMS = ("n_cases",)  # read when the template has them
EXTRA_KEYS: dict[str, bool] = {}
__all__ = ["NO_MISCONCEPTIONS", "answer_stub", "check_template", "checks_source", "entry_points", "explain", "generate",
           "grade", "model_submission", "near_miss", "render", "render_for", "request", "rubric", "score",
           "solution_source"]

FORWARD = Function("dropout_forward", '''def dropout_forward(x, keep_mask, p, train):
    """Inverted dropout's forward pass with a given mask, as PyTorch's nn.Dropout(p) computes it.

    x: an array of any shape; keep_mask: the same shape, 1 where a unit is kept and 0 where it
    is dropped; p: the drop probability (0 <= p < 1), so a unit is kept with probability 1 - p.
    train=True: drop the masked units and scale the kept ones by 1 / (1 - p), so that the
    expected output is x.
    train=False: return x unchanged (the scaling in training already kept the expectation).
    Returns the output, shape of x. Use NumPy only.
    """''', '''    if not train:
        return x.copy()
    return x * keep_mask / (1 - p)''')

BACKWARD = Function("dropout_backward", '''def dropout_backward(dout, keep_mask, p, train):
    """Backward pass of dropout_forward: the gradient takes the path the forward values took.

    dout: the upstream gradient dL/dout; keep_mask, p and train as in the forward pass.
    Returns dx = dL/dx, shape of dout. Use NumPy only.
    """''', '''    if not train:
        return dout.copy()
    return dout * keep_mask / (1 - p)''')
FUNCTIONS = (FORWARD, BACKWARD)
PROBABILITIES = (0.1, 0.2, 0.25, 0.4, 0.6, 0.75, 0.9)  # never 0.5, where dividing by p would pass for 1 - p


def _case(function: str, x_shape: list[int], p: float, train: bool) -> dict[str, Any]:
    """A hidden case (its description names the function)."""
    return {"function": function, "x_shape": x_shape, "p": p, "train": train}


def _draw_cases(params: dict[str, Any], rng: np.random.Generator) -> list[dict[str, Any]]:
    """Forward and backward cases, train and eval, on 1 to 4 axes."""
    cases = []
    for index in range(case_count(params)):
        shape = [draw_size(rng, 1, 4) for _ in range(draw_size(rng, 1, 4))]
        shape[-1] = max(shape[-1], 2)  # room for a kept and a dropped unit
        function = FORWARD.name if index % 2 == 0 else BACKWARD.name
        cases.append(_case(function, shape, float(rng.choice(PROBABILITIES)), bool(index % 4 < 2)))
    return cases


def _inputs(case: dict[str, Any], rng: np.random.Generator) -> dict[str, Any]:
    """Normal x (or dout) and a mask keeping each unit with probability 1 - p, with a kept and a dropped unit."""
    values = rng.normal(size=case["x_shape"])
    mask = (rng.random(case["x_shape"]) >= case["p"]).astype(float)
    mask.flat[0], mask.flat[-1] = 1.0, 0.0  # never all kept nor all dropped, whatever the draw
    return {"values": values, "keep_mask": mask}


def _call(candidate: Any, case: dict[str, Any], inputs: dict[str, Any]) -> Any:
    """dropout_forward(x, keep_mask, p, train) or dropout_backward(dout, keep_mask, p, train)."""
    return candidate(inputs["values"], inputs["keep_mask"], case["p"], case["train"])


def _expected(case: dict[str, Any], inputs: dict[str, Any]) -> np.ndarray:
    """solutions.numpy_ref.dropout on the case."""
    function = numpy_ref.dropout.dropout_forward if case["function"] == FORWARD.name else \
        numpy_ref.dropout.dropout_backward
    return function(inputs["values"], inputs["keep_mask"], case["p"], case["train"])


def _torch_expected(case: dict[str, Any], inputs: dict[str, Any]) -> np.ndarray:
    """solutions.torch_ref's dropout on the case: the second reference."""
    from solutions import torch_ref  # torch only when grading, never when generating

    function = torch_ref.dropout_forward if case["function"] == FORWARD.name else torch_ref.dropout_backward
    return function(inputs["values"], inputs["keep_mask"], case["p"], case["train"])


def parts(case: HiddenCase) -> list[tuple[str, tuple[int, ...]]]:
    """The one array the case's function returns: out or dx, of the input's shape."""
    return [("out" if function_of(case) == FORWARD.name else "dx", case.args[0].shape)]


# --- the mistakes a failing case is checked for --------------------------------------------------------------------

def _when(train: bool, rule: Any) -> Any:
    """A mistake of train (or eval) mode: the rule on (values, mask, p), None for a case of the other mode."""
    def result(case: HiddenCase) -> tuple[np.ndarray, ...] | None:
        values, mask, p, is_train = case.args
        return (rule(values, mask, p),) if is_train == train else None

    return result


DIAGNOSES = tuple(Diagnosis(name, why, function, _when(train, rule)) for name, why, function, train, rule in (
    ("the dropout scaling forgotten", "inverted dropout divides the kept units by the keep probability 1 - p "
     "during training, so the expected output stays x", FORWARD.name, True, lambda v, m, p: v * m),
    ("the kept units scaled by p", "divide the kept units by the keep probability 1 - p; do not multiply them by "
     "the drop probability p", FORWARD.name, True, lambda v, m, p: v * m * p),
    ("the kept units divided by p", "p is the drop probability: a unit is kept with probability 1 - p, so divide "
     "by 1 - p", FORWARD.name, True, lambda v, m, p: v * m / p),
    ("the kept units multiplied by 1 - p", "multiplying by the keep probability is the original dropout's test-time "
     "rule; inverted dropout divides by 1 - p during training", FORWARD.name, True, lambda v, m, p: v * m * (1 - p)),
    ("keep_mask read the wrong way round", "keep_mask holds 1 for a kept unit and 0 for a dropped one",
     FORWARD.name, True, lambda v, m, p: v * (1 - m) / (1 - p)),
    ("the dropout scaling applied at test time", "with train=False, return x unchanged: the scaling happened "
     "during training", FORWARD.name, False, lambda v, m, p: v / (1 - p)),
    ("the test output multiplied by 1 - p", "that is the original, non-inverted dropout's rule; inverted dropout "
     "passes x through at test time", FORWARD.name, False, lambda v, m, p: v * (1 - p)),
    ("dropout left on at test time", "with train=False nothing is dropped: return x unchanged", FORWARD.name, False,
     lambda v, m, p: v * m / (1 - p)),
    ("the gradient's scaling forgotten", "the forward pass multiplied the kept units by 1 / (1 - p), so their "
     "gradient is multiplied by it too", BACKWARD.name, True, lambda v, m, p: v * m),
    ("the gradient not masked", "a dropped unit did not reach the output, so its gradient is 0", BACKWARD.name,
     True, lambda v, m, p: v / (1 - p)),
    ("dropout's gradient applied at test time", "with train=False the forward pass was the identity, so dx = dout",
     BACKWARD.name, False, lambda v, m, p: v * m / (1 - p)),
))


# --- the visible checks ---------------------------------------------------------------------------------------------

def _checks(params: dict[str, Any], rng: np.random.Generator) -> str:
    """A small example in train and eval mode, forward and backward, against the reference."""
    x, dout = rng.integers(1, 9, (2, 4)).astype(float), rng.integers(-3, 4, (2, 4)).astype(float)
    mask = np.array([[1.0, 0.0, 1.0, 1.0], [0.0, 1.0, 1.0, 0.0]])
    lines = ["# Visible sanity checks (p = 0.25): the hidden tests try other shapes, probabilities and masks.",
             f"x = {array_literal(x)}", f"dout = {array_literal(dout)}", f"keep_mask = {array_literal(mask)}"]
    for train in (True, False):
        lines += [f"np.testing.assert_allclose(dropout_forward(x, keep_mask, 0.25, train={train}), "
                  f"{array_literal(dropout_forward(x, mask, 0.25, train).round(8))}, atol=1e-6)",
                  f"np.testing.assert_allclose(dropout_backward(dout, keep_mask, 0.25, train={train}), "
                  f"{array_literal(dropout_backward(dout, mask, 0.25, train).round(8))}, atol=1e-6)"]
    return "\n".join([*lines, "print(\"dropout_forward and dropout_backward: sanity checks passed\")"])


# Few pinned cases, each covering several edges, because every sandbox call costs a few milliseconds per student.
EDGE_CASES = (_case(FORWARD.name, [4, 5], 0.25, True),
              _case(FORWARD.name, [2, 3, 4, 4], 0.6, False),  # eval mode on an image batch
              _case(BACKWARD.name, [3, 6], 0.4, True),
              _case(BACKWARD.name, [2, 2, 3, 3], 0.75, False))
EXERCISE = exercise_of(FUNCTIONS, "solutions.numpy_ref.dropout", _draw_cases, _inputs, _call, _expected, _checks,
                       "Train mode: zero the dropped units and divide the kept ones by the keep probability 1 - p; the "
                       "gradient takes the same path (the same mask and scale). Eval mode: the identity, forward and "
                       "backward. Each returned array is graded by CS231n's relative error, under 1e-6, against the "
                       "NumPy reference and PyTorch's dropout kernel given the same mask.",
                       edge_cases=EDGE_CASES, torch_expected=_torch_expected,
                       rubric=("train mode: the dropped units (keep_mask 0) give 0",
                               "train mode: the kept units are divided by 1 - p (not multiplied by p or 1 - p)",
                               "eval mode: x returned unchanged, no mask and no scaling",
                               "backward: dout times keep_mask / (1 - p) in train mode, dout itself in eval mode"))
