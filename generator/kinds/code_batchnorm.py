"""Coding exercise: batch normalisation in NumPy, in one cell: the forward pass in train and eval mode with the
running statistics' update (`batchnorm_forward`), and the train-mode backward pass (`batchnorm_backward`). Graded on
hidden inputs against solutions.numpy_ref.batchnorm and solutions.torch_ref (F.batch_norm, autograd), each returned
array by rel_error < 1e-6, with the typical mistakes named (generator/kinds/_code_functions.py)."""

from __future__ import annotations

from typing import Any

import numpy as np

from generator.kinds._code import (HiddenCase, array_literal, case_count, check_template, checks_source, draw_size,
                                   explain, generate, render, rubric)
from generator.kinds._code_functions import (NO_MISCONCEPTIONS, Diagnosis, Function, answer_stub, entry_points,
                                             exercise_of, flat, function_of, grade, model_submission, near_miss,
                                             render_for, request, score, solution_source)
from generator.kinds.code_conv2d_backward import CHECK_HELPERS
from solutions import numpy_ref
from solutions.numpy_ref.batchnorm import batch_statistics, batchnorm_backward, batchnorm_forward

FORMATS = ("code",)
REQUIRED: tuple[str, ...] = ()
OPTIONAL_PARAMS = ("n_cases",)  # read when the template has them
EXTRA_KEYS: dict[str, bool] = {}
__all__ = ["NO_MISCONCEPTIONS", "answer_stub", "check_template", "checks_source", "entry_points", "explain", "generate",
           "grade", "model_submission", "near_miss", "render", "render_for", "request", "rubric", "score",
           "solution_source"]

FORWARD = Function("batchnorm_forward", '''\
def batchnorm_forward(x, gamma, beta, running_mean, running_var, train, momentum=0.1, eps=1e-5):
    """Batch normalisation's forward pass, as PyTorch's BatchNorm1d and BatchNorm2d compute it.

    x: shape (N, C) or (N, C, H, W). Statistics are per channel (axis 1), over every other
    axis: m = N (times H * W) values each. gamma, beta, running_mean, running_var: shape (C,).
    train=True: normalise with the batch's mean and biased variance (divide by m), and move
    the running statistics towards the batch's: new = (1 - momentum) * running
    + momentum * batch, where the running variance takes the unbiased variance (m - 1).
    train=False: normalise with running_mean and running_var, and return them unchanged.
    out = gamma * (x - mean) / sqrt(var + eps) + beta, gamma and beta broadcast along axis 1.
    Returns the tuple (out, new_running_mean, new_running_var); leave the arguments
    unchanged. Use NumPy only.
    """''', '''    axes = (0, *range(2, x.ndim))  # every axis but the channels
    shape = (1, -1) + (1,) * (x.ndim - 2)  # a (C,) vector laid along axis 1
    if train:
        mean, var = x.mean(axis=axes), x.var(axis=axes)
        m = x.size // x.shape[1]
        new_mean = (1 - momentum) * running_mean + momentum * mean
        new_var = (1 - momentum) * running_var + momentum * var * m / (m - 1)  # unbiased, as PyTorch stores it
    else:
        mean, var = running_mean, running_var
        new_mean, new_var = running_mean.copy(), running_var.copy()
    x_hat = (x - mean.reshape(shape)) / np.sqrt(var.reshape(shape) + eps)
    return gamma.reshape(shape) * x_hat + beta.reshape(shape), new_mean, new_var''')

BACKWARD = Function("batchnorm_backward", '''def batchnorm_backward(dout, x, gamma, eps=1e-5):
    """Backward pass of batchnorm_forward in train mode: the batch's mean and variance
    depend on x, so the gradient flows through them too.

    dout: the upstream gradient dL/dout, shape of x ((N, C) or (N, C, H, W)); gamma: (C,).
    Returns the tuple (dx, dgamma, dbeta): dL/dx (shape of x), dL/dgamma and dL/dbeta
    (shape (C,)). Use NumPy only.
    """''', '''    axes = (0, *range(2, x.ndim))
    shape = (1, -1) + (1,) * (x.ndim - 2)
    mean, var = x.mean(axis=axes).reshape(shape), x.var(axis=axes).reshape(shape)
    inv_std = 1 / np.sqrt(var + eps)
    x_hat = (x - mean) * inv_std
    dgamma, dbeta = (dout * x_hat).sum(axis=axes), dout.sum(axis=axes)
    dx_hat = dout * gamma.reshape(shape)
    # x_hat's gradient, less what flows back through the mean and through the variance
    dx = inv_std * (dx_hat - dx_hat.mean(axis=axes, keepdims=True)
                    - x_hat * (dx_hat * x_hat).mean(axis=axes, keepdims=True))
    return dx, dgamma, dbeta''')
FUNCTIONS = (FORWARD, BACKWARD)


def _forward_case(x_shape: list[int], train: bool, momentum: float, eps: float) -> dict[str, Any]:
    """A case of batchnorm_forward (its description names the function)."""
    return {"function": FORWARD.name, "x_shape": x_shape, "train": train, "momentum": momentum, "eps": eps}


def _backward_case(x_shape: list[int], eps: float) -> dict[str, Any]:
    """A case of batchnorm_backward."""
    return {"function": BACKWARD.name, "x_shape": x_shape, "eps": eps}


def _draw_shape(rng: np.random.Generator) -> list[int]:
    """(N, C) or (N, C, H, W) with at least 2 values per channel (train mode needs them)."""
    if rng.random() < 0.5:
        return [draw_size(rng, 2, 6), draw_size(rng, 1, 4)]
    return [draw_size(rng, 1, 3), draw_size(rng, 1, 3), draw_size(rng, 2, 4), draw_size(rng, 1, 4)]


def _draw_cases(params: dict[str, Any], rng: np.random.Generator) -> list[dict[str, Any]]:
    """Forward (train or eval) and backward cases with momentum and eps of their own."""
    cases = []
    for index in range(case_count(params)):
        eps = float(rng.choice([1e-5, 1e-3]))
        if index % 3 == 2:
            cases.append(_backward_case(_draw_shape(rng), eps))
        else:
            cases.append(_forward_case(_draw_shape(rng), bool(index % 3 == 0), float(rng.choice([0.1, 0.2, 0.3])),
                                       eps))
    return cases


def _inputs(case: dict[str, Any], rng: np.random.Generator) -> dict[str, Any]:
    """x with each channel's own mean and spread; gamma, beta, running statistics; dout for a backward case."""
    channels = case["x_shape"][1]
    per_channel = (1, channels) + (1,) * (len(case["x_shape"]) - 2)
    x = rng.normal(rng.normal(0, 2, per_channel), rng.uniform(0.5, 3, per_channel), case["x_shape"])
    return {"x": x, "gamma": rng.normal(1, 0.5, channels), "beta": rng.normal(0, 1, channels),
            "running_mean": rng.normal(0, 1, channels), "running_var": rng.uniform(0.5, 2, channels),
            "dout": rng.normal(size=case["x_shape"])}


def _call(candidate: Any, case: dict[str, Any], inputs: dict[str, Any]) -> Any:
    """batchnorm_forward(x, gamma, beta, running_mean, running_var, train=..., momentum=..., eps=...) or
    batchnorm_backward(dout, x, gamma, eps=...)."""
    if case["function"] == FORWARD.name:
        return candidate(inputs["x"], inputs["gamma"], inputs["beta"], inputs["running_mean"], inputs["running_var"],
                         train=case["train"], momentum=case["momentum"], eps=case["eps"])
    return candidate(inputs["dout"], inputs["x"], inputs["gamma"], eps=case["eps"])


def _reference(module: Any, case: dict[str, Any], inputs: dict[str, Any]) -> np.ndarray:
    """A reference module's forward or train-mode backward pass on the case, flattened."""
    x, gamma, channels = inputs["x"], inputs["gamma"], case["x_shape"][1]
    if case["function"] == FORWARD.name:
        return flat(module.batchnorm_forward(x, gamma, inputs["beta"], inputs["running_mean"], inputs["running_var"],
                                             case["train"], case["momentum"], case["eps"]))
    return flat(module.batchnorm_backward(inputs["dout"], x, gamma, np.zeros(channels), np.ones(channels), True,
                                          case["eps"]))


def _expected(case: dict[str, Any], inputs: dict[str, Any]) -> np.ndarray:
    """solutions.numpy_ref.batchnorm on the case."""
    return _reference(numpy_ref.batchnorm, case, inputs)


def _torch_expected(case: dict[str, Any], inputs: dict[str, Any]) -> np.ndarray:
    """solutions.torch_ref (F.batch_norm, autograd) on the case: the second reference."""
    from solutions import torch_ref  # torch only when grading, never when generating

    return _reference(torch_ref, case, inputs)


def parts(case: HiddenCase) -> list[tuple[str, tuple[int, ...]]]:
    """The arrays the case's function returns, in order, with their shapes."""
    if function_of(case) == FORWARD.name:
        x = case.args[0]
        return [("out", x.shape), ("running_mean", (x.shape[1],)), ("running_var", (x.shape[1],))]
    x = case.args[1]
    return [("dx", x.shape), ("dgamma", (x.shape[1],)), ("dbeta", (x.shape[1],))]


# --- the mistakes a failing case is checked for --------------------------------------------------------------------

def _trained(case: HiddenCase, **changed: Any) -> tuple[np.ndarray, ...] | None:
    """A forward case's reference result with some arguments changed; None for an eval case unless train is."""
    x, gamma, beta, running_mean, running_var = case.args
    arguments = {**case.kwargs, **changed}
    if not arguments["train"]:
        return None
    return tuple(batchnorm_forward(x, gamma, beta, running_mean, running_var, **arguments))


def _biased_running_variance(case: HiddenCase) -> tuple[np.ndarray, ...] | None:
    """The biased variance moved into the running variance."""
    result = _trained(case)
    if result is None:
        return None
    momentum, running_var = case.kwargs["momentum"], case.args[4]
    return result[0], result[1], (1 - momentum) * running_var + momentum * batch_statistics(case.args[0])[1]


def _unbiased_normalisation(case: HiddenCase) -> tuple[np.ndarray, ...] | None:
    """The batch normalised with its unbiased variance (its statistics passed as eval mode's)."""
    result = _trained(case)
    if result is None:
        return None
    x, gamma, beta = case.args[:3]
    mean, var = batch_statistics(x)
    m = x.size // x.shape[1]
    out = batchnorm_forward(x, gamma, beta, mean, var * m / (m - 1), False, eps=case.kwargs["eps"]).out
    return out, result[1], result[2]


def _eval_as_train(case: HiddenCase) -> tuple[np.ndarray, ...] | None:
    """An eval case computed as in train mode: batch statistics, running statistics updated."""
    return None if case.kwargs["train"] else _trained(case, train=True)


def _not_updated(case: HiddenCase) -> tuple[np.ndarray, ...] | None:
    """Train mode returning the running statistics it was given."""
    result = _trained(case)
    return None if result is None else (result[0], case.args[3], case.args[4])


def _momentum_swapped(case: HiddenCase) -> tuple[np.ndarray, ...] | None:
    """new = momentum * running + (1 - momentum) * batch."""
    return _trained(case, momentum=1 - case.kwargs["momentum"])


def _constant_statistics(case: HiddenCase) -> tuple[np.ndarray, ...] | None:
    """The backward pass with the batch's mean and variance treated as constants (eval mode's gradient)."""
    dout, x, gamma = case.args
    mean, var = batch_statistics(x)
    return batchnorm_backward(dout, x, gamma, mean, var, False, case.kwargs["eps"])


DIAGNOSES = (
    Diagnosis("the biased variance stored in the running variance", "PyTorch's running_var moves towards the "
              "batch's unbiased variance (divide by m - 1); only the normalisation uses the biased one (divide by m)",
              FORWARD.name, _biased_running_variance),
    Diagnosis("the unbiased variance used to normalise", "train mode normalises with the batch's biased variance "
              "(divide by m, np.var's default); the unbiased one only goes into running_var", FORWARD.name,
              _unbiased_normalisation),
    Diagnosis("eval mode computed with the batch's statistics", "with train=False, normalise with running_mean and "
              "running_var and return them unchanged: the batch statistics are for training only", FORWARD.name,
              _eval_as_train),
    Diagnosis("the running statistics not updated in train mode", "with train=True, return new running statistics: "
              "(1 - momentum) * running + momentum * the batch's", FORWARD.name, _not_updated),
    Diagnosis("the momentum weights swapped", "the batch's statistic gets the weight momentum: new = (1 - momentum) * "
              "running + momentum * batch", FORWARD.name, _momentum_swapped),
    Diagnosis("the batch statistics treated as constants in the backward pass", "in train mode the mean and "
              "variance are computed from x, so dx also flows through them: dx = gamma / sqrt(var + eps) * (dout - "
              "mean(dout) - x_hat * mean(dout * x_hat)), means per channel", BACKWARD.name, _constant_statistics),
)


# --- the visible checks ---------------------------------------------------------------------------------------------

def _checks(params: dict[str, Any], rng: np.random.Generator) -> str:
    """A small (4, 2) batch in train and eval mode against the reference, then a numeric gradient check of the
    backward pass on a (2, 2, 2, 2) batch where no true gradient is near 0 (rel_error is meaningless there)."""
    x = rng.integers(0, 6, (4, 2)).astype(float)
    gamma, beta, mean, var = np.array([2.0, 0.5]), np.array([1.0, -1.0]), np.array([0.5, 1.0]), np.array([1.0, 2.0])
    trained, evaluated = (batchnorm_forward(x, gamma, beta, mean, var, train, 0.1) for train in (True, False))
    while True:
        xg, dout = rng.standard_normal((2, 2, 2, 2)).round(2), rng.standard_normal((2, 2, 2, 2)).round(2)
        grads = batchnorm_backward(dout, xg, gamma, mean, var, True)
        if min(float(np.min(np.abs(g))) for g in grads) > 0.05 and np.unique(xg).size == xg.size:
            break
    lines = ["# Visible sanity checks: a train and an eval step on a small batch, then your backward pass against",
             "# centered differences of your forward pass. The hidden tests try other shapes, momenta and eps.",
             CHECK_HELPERS, "",
             f"x = {array_literal(x)}", "gamma, beta = np.array([2.0, 0.5]), np.array([1.0, -1.0])",
             "running_mean, running_var = np.array([0.5, 1.0]), np.array([1.0, 2.0])"]
    for result, train in ((trained, True), (evaluated, False)):
        lines += [f"out, new_mean, new_var = batchnorm_forward(x, gamma, beta, running_mean.copy(), "
                  f"running_var.copy(), train={train})",
                  f"np.testing.assert_allclose(out, {array_literal(result.out.round(8))}, atol=1e-6)",
                  f"np.testing.assert_allclose(new_mean, {array_literal(result.running_mean.round(8))}, atol=1e-6)",
                  f"np.testing.assert_allclose(new_var, {array_literal(result.running_var.round(8))}, atol=1e-6)"]
    lines += [f"x = {array_literal(xg)}", f"dout = {array_literal(dout)}",
              "dx, dgamma, dbeta = batchnorm_backward(dout, x.copy(), gamma.copy())",
              "forward = lambda x_, g_, b_: batchnorm_forward(x_, g_, b_, running_mean, running_var, True)[0]",
              "for name, analytic, numeric in (",
              "        (\"dx\", dx, numeric_gradient(lambda v: forward(v, gamma, beta), x, dout)),",
              "        (\"dgamma\", dgamma, numeric_gradient(lambda v: forward(x, v, beta), gamma.copy(), dout)),",
              "        (\"dbeta\", dbeta, numeric_gradient(lambda v: forward(x, gamma, v), beta.copy(), dout))):",
              "    assert np.shape(analytic) == numeric.shape, f\"{name} has shape {np.shape(analytic)}, "
              "expected {numeric.shape}\"",
              "    error = rel_error(np.asarray(analytic, dtype=float), numeric)",
              "    assert error < 1e-6, f\"{name}: rel_error {error:.2e} against the numeric gradient\"",
              "print(\"batchnorm_forward and batchnorm_backward: sanity checks passed\")"]
    return "\n".join(lines)


# Few pinned cases, each covering several edges, because every sandbox call costs a few milliseconds per student.
EDGE_CASES = (_forward_case([2, 3], True, 0.1, 1e-5),  # m = 2: the unbiased variance is twice the biased one
              _forward_case([3, 2, 2, 3], False, 0.1, 1e-5),  # eval mode on an (N, C, H, W) batch
              _forward_case([2, 3, 2, 2], True, 0.3, 1e-3),  # train mode over N, H and W, other momentum and eps
              _backward_case([4, 3], 1e-5),
              _backward_case([2, 2, 3, 2], 1e-3))  # backward over N, H and W
EXERCISE = exercise_of(FUNCTIONS, "solutions.numpy_ref.batchnorm", _draw_cases, _inputs, _call, _expected, _checks,
                       "Forward: per channel (every axis but 1), train mode takes the batch's mean and biased variance "
                       "and moves the running statistics towards them (the variance unbiased, as PyTorch stores it); "
                       "eval mode uses the running statistics and leaves them alone. Backward (train mode): dbeta and "
                       "dgamma sum `dout` and `dout * x_hat` per channel, and dx also flows through the batch's mean "
                       "and variance: `gamma / sqrt(var + eps) * (dout - mean(dout) - x_hat * mean(dout * x_hat))`. "
                       "Each returned array is graded by CS231n's relative error, under 1e-6, against the NumPy "
                       "reference and PyTorch's F.batch_norm (autograd for the gradients).",
                       edge_cases=EDGE_CASES, torch_expected=_torch_expected,
                       rubric=("statistics per channel, over every axis but 1 (N, and H and W for an image batch)",
                               "train mode normalises with the batch's mean and biased variance, eval mode with the "
                               "running statistics",
                               "running statistics: (1 - momentum) * running + momentum * batch, the variance unbiased "
                               "(m - 1); unchanged in eval mode",
                               "out = gamma * x_hat + beta broadcast along the channels; (out, mean, var) returned",
                               "backward: dbeta = sum of dout and dgamma = sum of dout * x_hat, per channel",
                               "backward: dx through the batch statistics, gamma / sqrt(var + eps) * "
                               "(dout - mean(dout) - x_hat * mean(dout * x_hat))"))
