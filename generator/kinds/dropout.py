"""Inverted dropout by hand: a layer's activations, the drop probability p and this step's keep mask are stated; the
student gives the train-time output (kept units scaled by 1 / (1 - p)), the test-time output (the input itself)
and the expected value of the train-time outputs' sum over random masks. Answers from solutions.numpy_ref.dropout."""

from __future__ import annotations

from typing import Any

import numpy as np

from generator.kinds._common import (answer_stub, explain_answer, exact_list, grade, integer_array, model_submission,
                                     near_miss, no_checks as check_template, render, sample_variant, solution_source)
from generator.kinds._mistakes import mistake
from generator.model import Template, Variant
from generator.params import require_varied
from generator.rounding import asked_places, rounded_text
from solutions.numpy_ref.dropout import dropout_expected_output, dropout_forward

FORMATS = ("numbers",)
REQUIRED = ("units", "p")
OPTIONAL_PARAMS = ("x_low", "x_high")  # read when the template has them
EXTRA_KEYS: dict[str, bool] = {}
ASKS = ("dropout output",)
__all__ = ["answer_stub", "check_template", "grade", "model_submission", "near_miss", "render", "solution_source"]


def _arrays(drawn: dict[str, Any]) -> tuple[np.ndarray, np.ndarray, float]:
    """A variant's activations, keep mask and p."""
    return np.array(drawn["x"], dtype=float), np.array(drawn["mask"], dtype=float), float(drawn["p"])


def _compute(template: Template, params: dict[str, Any], rng: np.random.Generator) -> tuple[dict[str, Any], Any]:
    """Draw the activations and a mask dropping 1 to half of the units (never all, never none); solutions/ answers."""
    units = params["units"]
    if type(units) is not int or units < 2:
        raise ValueError(f"units must be a whole number of at least 2, got {units!r}")
    x = integer_array(rng, params.get("x_low", 1), params.get("x_high", 9), (units,))
    mask = np.ones(units)
    mask[rng.choice(units, int(rng.integers(1, units // 2 + 1)), replace=False)] = 0
    train = exact_list(dropout_forward(x, mask, params["p"], train=True))
    require_varied(train)
    drawn = {**params, "x": exact_list(x), "mask": exact_list(mask)}
    return drawn, {"train_output": train, "test_output": exact_list(dropout_forward(x, mask, params["p"], False)),
                   "expected_sum": exact_list(dropout_expected_output(x, params["p"]).sum())}


def generate(template: Template, seed: int) -> Variant:
    """Activations, a drop probability and a keep mask."""
    return sample_variant(template, seed, _compute)


def _vector(values: np.ndarray, places: int | None) -> str:
    """(1.33, 0, 4): a vector to the decimals the question asks for."""
    return "(" + ", ".join(rounded_text(float(v), places) for v in values) + ")"


def explain(variant: Variant) -> str:
    """Scale the kept units by 1 / (1 - p) in training; pass x through at test time; why the two agree on average."""
    x, mask, p = _arrays(variant.params)
    places = asked_places(variant)
    scale = 1 / (1 - p)
    kept = ", ".join(f"{v:g}" for v, keep in zip(x, mask) if keep)
    return (f"Training: each dropped unit outputs 0 and each kept one ({kept}) is divided by the keep probability "
            f"$1 - p = {1 - p:g}$, i.e. multiplied by {rounded_text(scale, places)}: "
            f"$y_i = x_i m_i / (1 - p)$, so $y = {_vector(dropout_forward(x, mask, p, True), places)}$.\n\n"
            f"Test time: dropout is off and, because training already divided by $1 - p$, nothing is rescaled: "
            f"$y = x = {_vector(dropout_forward(x, mask, p, False), places)}$.\n\n"
            f"Expected value: a unit is kept with probability $1 - p$ and then outputs $x / (1 - p)$, else 0, so "
            f"$E[y] = (1 - p) \\cdot x / (1 - p) = x$ and $E[\\sum y] = \\sum x = "
            f"{' + '.join(f'{v:g}' for v in x)} = {variant.answer['expected_sum']}$: the test-time output is the "
            "train-time output on average.\n\n" + explain_answer(variant))


def _scaled_by(variant: Variant, factor: float) -> Any:
    """Kept units multiplied by `factor` instead of 1 / (1 - p), and the expected sum that rule gives."""
    x, mask, p = _arrays(variant.params)
    return {**variant.answer, "train_output": exact_list(x * mask * factor),
            "expected_sum": exact_list((1 - p) * factor * x.sum())}


def _at_test_time(variant: Variant, output: np.ndarray) -> Any:
    """The answer with a mistaken test-time output."""
    return {**variant.answer, "test_output": exact_list(output)}


MISCONCEPTIONS = (
    mistake("dropout scaling forgotten", "Inverted dropout divides the kept units by the keep probability 1 − p "
            "during training, so that the expected output stays x and test time needs no change.",
            lambda v: _scaled_by(v, 1.0)),
    mistake("kept units scaled by p instead of 1/(1 − p)", "The kept units are divided by the keep probability "
            "1 − p (made larger), not multiplied by the drop probability p.", lambda v: _scaled_by(v, v.params["p"])),
    mistake("divided by p (p taken as the keep probability)", "p is the drop probability: a unit is kept with "
            "probability 1 − p, so the kept units are divided by 1 − p, not by p.",
            lambda v: _scaled_by(v, 1 / v.params["p"])),
    mistake("dropout scaling applied at test time", "Inverted dropout scales during training only; at test time the "
            "layer passes x through unchanged (dividing again by 1 − p would make the outputs too large).",
            lambda v: _at_test_time(v, _arrays(v.params)[0] / (1 - v.params["p"]))),
    mistake("test output multiplied by 1 − p", "Multiplying by the keep probability at test time is the rule of the "
            "original, non-inverted dropout; inverted dropout already scaled during training, so test time passes "
            "x through.", lambda v: _at_test_time(v, _arrays(v.params)[0] * (1 - v.params["p"]))),
    mistake("dropout left on at test time", "At test time (model.eval()) dropout drops nothing: every unit is kept "
            "and the output is x, deterministic.",
            lambda v: {**v.answer, "test_output": v.answer["train_output"]}),
    mistake("one mask's output taken as the expected value", "The expected value averages over every random mask "
            "(each unit kept with probability 1 − p), not this step's mask: E[Σ y] = Σ x.",
            lambda v: {**v.answer, "expected_sum": exact_list(np.sum(v.answer["train_output"]))}),
)
