"""Batch normalisation on paper: the layer's parameter and running-statistic counts (`asks: counts`), and its
forward pass by hand on one feature of a small batch, in train mode with the running statistics' update
(`asks: train`) or in train and eval mode side by side (`asks: eval`). Every number comes from
solutions.numpy_ref.batchnorm; the prompt states PyTorch's conventions (biased variance to normalise, unbiased in
the running variance, r <- (1 - momentum) r + momentum s), so each question has one right answer."""

from __future__ import annotations

from functools import lru_cache
from itertools import combinations_with_replacement
from typing import Any

import numpy as np

from generator.kinds._batchnorm_mistakes import EPS, MISCONCEPTIONS, batch, batch_text, rounded
from generator.kinds._common import (answer_stub, explain_answer, extra_error, grade, model_submission, near_miss,
                                     render, sample_variant, solution_source)
from generator.model import Template, Variant
from generator.params import require_varied
from generator.rounding import asked_places, rounded_text
from solutions.numpy_ref.batchnorm import (batch_statistics, batchnorm_buffers, batchnorm_forward, batchnorm_params,
                                           values_per_statistic)

FORMATS = ("numbers",)
REQUIRED = ("N",)
OPTIONAL_PARAMS = ("C", "H", "W", "x_low", "x_high", "gamma", "beta", "momentum", "running_mean", "running_var")
EXTRA_KEYS = {"asks": True}  # counts, train or eval: which question the template asks
NEEDS = {  # the parameters each question reads (W, x_low and x_high are optional)
    "counts": ("N", "C", "H"),
    "train": ("N", "gamma", "beta", "momentum", "running_mean", "running_var"),
    "eval": ("N", "gamma", "beta", "running_mean", "running_var"),
}
OPTIONAL_FOR = {"counts": ("W",), "train": ("x_low", "x_high"), "eval": ("x_low", "x_high")}
__all__ = ["MISCONCEPTIONS", "answer_stub", "grade", "model_submission", "near_miss", "render", "solution_source"]


def check_template(template: Template) -> None:
    """`asks` names one of the three questions, and the template defines exactly the parameters that one reads."""
    asks = template.extra.get("asks")
    if asks not in NEEDS:
        raise extra_error(template, "asks", f"must be one of {', '.join(NEEDS)}, got {asks!r}")
    names = set(template.space.names)
    missing = [name for name in NEEDS[asks] if name not in names]
    if missing:
        raise extra_error(template, "asks", f"{asks} needs the parameters {', '.join(missing)}")
    ignored = sorted(name for name in names & set(OPTIONAL_PARAMS) if name not in NEEDS[asks] + OPTIONAL_FOR[asks])
    if ignored:
        raise extra_error(template, "asks", f"{asks} does not read {', '.join(ignored)}: remove "
                          f"{'it' if len(ignored) == 1 else 'them'} or ask another question")


def asks(variant: Variant) -> tuple[str, ...]:
    """The quantity asked (generator/media.py): a parameter count, or the layer's output."""
    return ("parameter count",) if variant.params["asks"] == "counts" else ("batch normalisation output",)


@lru_cache(maxsize=32)
def _nice_batches(size: int, low: int, high: int) -> tuple[tuple[int, ...], ...]:
    """Every batch (as a sorted tuple) of `size` integers in [low, high], at least 3 of them different, whose mean is
    whole and whose standard deviation (biased) is a multiple of 0.5, at least 1: normalised by hand. Two values
    twice each would give x̂ = ±1, too easy to guess."""
    found = []
    for values in combinations_with_replacement(range(low, high + 1), size):
        mean, var = (float(v[0]) for v in batch_statistics(np.array(values, dtype=float)[:, None]))
        spread = np.sqrt(var)
        if mean == round(mean) and spread >= 1 and 2 * spread == round(2 * spread) and \
                len(set(values)) >= min(3, size):
            found.append(values)
    return tuple(found)


def _nice_batch(params: dict[str, Any], rng: np.random.Generator) -> np.ndarray:
    """One of the hand-computable batches, shuffled, as an (N, 1) array; a ValueError where there is none."""
    size, low, high = params["N"], params.get("x_low", 0), params.get("x_high", 9)
    if any(type(v) is not int for v in (size, low, high)) or size < 2 or low > high:
        raise ValueError(f"N (at least 2), x_low and x_high (x_low <= x_high) must be whole numbers, got {size!r}, "
                         f"{low!r} and {high!r}")
    batches = _nice_batches(size, low, high)
    if not batches:
        raise ValueError(f"no batch of {size} whole numbers from {low} to {high} has a whole mean and a standard "
                         "deviation that is a multiple of 0.5, at least 1 (N = 4 works; N = 3 never does)")
    return rng.permutation(np.array(batches[rng.integers(len(batches))], dtype=float))[:, None]


def _counts(params: dict[str, Any]) -> dict[str, int]:
    """2C parameters (gamma, beta), 2C running statistics, and N·H·W values behind each channel's statistics."""
    shape = (params["N"], params["C"], params["H"], params.get("W", params["H"]))
    return {"parameters": batchnorm_params(params["C"]).total, "running_statistics": batchnorm_buffers(params["C"]),
            "values_per_statistic": values_per_statistic(shape)}


def _compute(template: Template, params: dict[str, Any], rng: np.random.Generator) -> tuple[dict[str, Any], Any]:
    """The counts, or a nice batch pushed through solutions.numpy_ref.batchnorm_forward in train (and eval) mode."""
    asks = template.extra["asks"]
    params = {**params, "asks": asks}
    if asks == "counts":
        return {**params, "W": params.get("W", params["H"])}, _counts(params)
    x = _nice_batch(params, rng)
    gamma, beta = np.array([float(params["gamma"])]), np.array([float(params["beta"])])
    running_mean, running_var = np.array([float(params["running_mean"])]), np.array([float(params["running_var"])])
    drawn = {**params, "x": [int(v) for v in x[:, 0]]}
    trained = batchnorm_forward(x, gamma, beta, running_mean, running_var, True, params.get("momentum", 0.1))
    require_varied(rounded(trained.out[:, 0]))
    mean, var = batch_statistics(x)
    if asks == "train":
        return drawn, {"mean": rounded(mean[0]), "variance": rounded(var[0]), "output": rounded(trained.out[:, 0]),
                       "running_mean": rounded(trained.running_mean[0]), "running_var": rounded(trained.running_var[0])}
    if (mean[0], var[0]) == (running_mean[0], running_var[0]):
        raise ValueError("the running statistics are the batch's own: eval mode would give the train output")
    evaluated = batchnorm_forward(x, gamma, beta, running_mean, running_var, False)
    return drawn, {"train_output": rounded(trained.out[:, 0]), "eval_output": rounded(evaluated.out[:, 0])}


def generate(template: Template, seed: int) -> Variant:
    """A batch-normalisation layer's counts, or one feature of a small batch through it."""
    return sample_variant(template, seed, _compute)


def _normalised_lines(x: np.ndarray, mean: float, var: float, gamma: float, beta: float,
                      places: int | None) -> list[str]:
    """'x̂ = (x − μ) / √(σ² + ε)' and 'y = γ x̂ + β' with the numbers, value by value."""
    spread = float(np.sqrt(var + EPS))
    x_hat = (x - mean) / spread
    return [f"- $\\hat{{x}} = (x - {mean:g}) / \\sqrt{{{var:g} + \\epsilon}} = (x - {mean:g}) / {spread:.4g}$ = "
            f"{batch_text(x_hat, places)}",
            f"- $y = \\gamma \\hat{{x}} + \\beta = {gamma:g} \\hat{{x}} {'-' if beta < 0 else '+'} "
            f"{abs(beta):g}$ = "
            f"{batch_text(gamma * x_hat + beta, places)}"]


def _explain_counts(variant: Variant) -> str:
    """Two learned numbers and two running statistics per channel; N·H·W values share a channel's statistics."""
    p, answer = variant.params, variant.answer
    return (f"Batch normalisation learns a scale $\\gamma$ and a shift $\\beta$ per channel: "
            f"$2 \\cdot {p['C']} = {answer['parameters']}$ parameters. It also keeps a running mean and a running "
            f"variance per channel, updated from the batches but not learned by gradient descent: "
            f"$2 \\cdot {p['C']} = {answer['running_statistics']}$ running statistics (buffers, not parameters). "
            f"Each channel's mean and variance are taken over the whole batch and every position: "
            f"$N \\cdot H \\cdot W = {p['N']} \\cdot {p['H']} \\cdot {p['W']} = {answer['values_per_statistic']}$ "
            "values.\n\n" + explain_answer(variant))


def explain(variant: Variant) -> str:
    """The batch's mean and biased variance, the normalised values, then the running statistics or eval mode."""
    p = variant.params
    if p["asks"] == "counts":
        return _explain_counts(variant)
    places = asked_places(variant)
    x, gamma, beta, running_mean, running_var = batch(p)
    mean, var = (float(v[0]) for v in batch_statistics(x))
    m = x.shape[0]
    deviations = " + ".join(f"({v - mean:g})^2" for v in x[:, 0])
    lines = [f"Train mode normalises with the batch's own statistics: mean $\\mu = ({' + '.join(map(str, p['x']))}) "
             f"/ {m} = {mean:g}$, biased variance $\\sigma^2 = ({deviations}) / {m} = {var:g}$.",
             *_normalised_lines(x[:, 0], mean, var, p["gamma"], p["beta"], places)]
    if p["asks"] == "train":
        momentum = p["momentum"]
        result = batchnorm_forward(x, gamma, beta, running_mean, running_var, True, momentum)
        unbiased = var * m / (m - 1)
        lines += ["", f"The running statistics move towards the batch's with momentum {momentum:g}; the running "
                  f"variance takes the unbiased variance $\\sigma^2 \\cdot {m} / {m - 1} = "
                  f"{rounded_text(unbiased, places)}$:",
                  f"- running mean: ${1 - momentum:g} \\cdot {p['running_mean']:g} + {momentum:g} \\cdot {mean:g} = "
                  f"{rounded_text(float(result.running_mean[0]), places)}$",
                  f"- running variance: ${1 - momentum:g} \\cdot {p['running_var']:g} + {momentum:g} \\cdot "
                  f"{rounded_text(unbiased, places)} = {rounded_text(float(result.running_var[0]), places)}$"]
    else:
        lines += ["", f"Eval mode normalises with the stored running statistics instead, mean {p['running_mean']:g} "
                  f"and variance {p['running_var']:g}, whatever the batch holds:",
                  *_normalised_lines(x[:, 0], p["running_mean"], p["running_var"], p["gamma"], p["beta"], places)]
    return "\n".join([*lines, "", explain_answer(variant)])
