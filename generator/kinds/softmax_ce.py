"""Softmax and cross-entropy by hand: the probabilities of a few stated logits, the loss of the true class (natural
log) and its gradient p − y with respect to the logits, the pair's famous simplification."""

from __future__ import annotations

from typing import Any

import numpy as np

from generator.kinds._common import (answer_stub, exact_list, explain_answer, extra_error, grade, model_submission,
                                     near_miss, render, sample_variant, solution_source)
from generator.fields import Box, Group, named_row
from generator.kinds._mistakes import mistake
from generator.model import Template, Variant
from generator.params import require_varied
from generator.render import latex_number
from generator.rounding import asked_places, exact_text, rounded_rows, rounded_text
from solutions.numpy_ref.softmax import cross_entropy, cross_entropy_grad, log_softmax, one_hot, softmax

FORMATS = ("numbers",)
REQUIRED = ("K",)
OPTIONAL_PARAMS = ("z_low", "z_high", "decimals")  # read when the template has them
EXTRA_KEYS: dict[str, bool] = {}
ASKS = ("softmax probabilities", "cross-entropy loss", "cross-entropy gradient")
TRUE_CLASS_SHARE = (0.1, 0.9)  # p of the true class: a loss well above 0 (log10 differs) and far from uniform
MAX_TOLERANCE = 0.01  # probabilities lie in (0, 1): a coarser tolerance accepts nearly anything
__all__ = ["answer_stub", "grade", "model_submission", "near_miss", "render", "solution_source"]


def check_template(template: Template) -> None:
    """Probabilities are fractions: the template must grade them with a small positive tolerance."""
    if not 0 < template.tolerance <= MAX_TOLERANCE:
        raise extra_error(template, "answer", f"tolerance must be above 0 and at most {MAX_TOLERANCE:g} (the "
                                              f"probabilities are fractions; 0.002 asks for 3 decimal places), "
                                              f"got {template.tolerance:g}")


def _logits(params: dict[str, Any], rng: np.random.Generator) -> np.ndarray:
    """K logits in [z_low, z_high] (defaults -2 and 3) with `decimals` decimals (0 or 1, default 0)."""
    decimals = params.get("decimals", 0)
    if decimals not in (0, 1):
        raise ValueError(f"decimals must be 0 or 1 (small integer or one-decimal logits), got {decimals!r}")
    if params["K"] < 2:
        raise ValueError(f"K must be at least 2 classes, got {params['K']}")
    scale = 10 ** decimals
    low, high = round(params.get("z_low", -2) * scale), round(params.get("z_high", 3) * scale)
    if low >= high:
        raise ValueError(f"the logit range [z_low, z_high] must hold two values, got [{low / scale}, {high / scale}]")
    return rng.integers(low, high + 1, params["K"]) / scale


def _four(value: float) -> float:
    """A loss as the key holds it: 4 decimals, like exact_list's fractions."""
    return round(float(value), 4)


def _compute(template: Template, params: dict[str, Any], rng: np.random.Generator) -> tuple[dict[str, Any], Any]:
    """Draw logits and a true class; solutions.numpy_ref.softmax gives p, the loss and p − y. Drawn again where the
    largest logit is shared (no single predicted class) or the true class's probability is near 0 or 1."""
    logits = _logits(params, rng)
    label = int(rng.integers(params["K"]))
    require_varied(exact_list(logits))
    if np.sum(logits == logits.max()) > 1:
        raise ValueError("the largest logit is shared: no single predicted class")
    probabilities = softmax(logits)
    low, high = TRUE_CLASS_SHARE
    if not low <= probabilities[label] <= high:
        raise ValueError(f"the true class's probability {probabilities[label]:.3f} is outside [{low}, {high}]")
    drawn = {**params, "logits": exact_list(logits), "label": label, "predicted": int(np.argmax(logits))}
    answer = {"probabilities": exact_list(probabilities), "loss": _four(cross_entropy(logits, label)),
              "gradient": exact_list(cross_entropy_grad(logits, label))}
    return drawn, answer


def generate(template: Template, seed: int) -> Variant:
    """Logits for a few classes and the true class."""
    return sample_variant(template, seed, _compute)


def fields(variant: Variant) -> Group:
    """The boxes, named by class as the prompt numbers them (from 0), one per class: K is stated, not asked."""
    labels = tuple(f"class {k}" for k in range(len(variant.params["logits"])))
    loss = Box(("loss",), "loss", f"{variant.qid}.loss", variant.answer["loss"])
    return Group("", "list", (named_row(variant, "probabilities", labels), loss,
                              named_row(variant, "gradient", labels)))


def _shown(values: list[float], places: int | None) -> str:
    """A vector to the asked decimals, for inside $...$: [0.09, 0.665, 0.245]."""
    return "[" + ", ".join(rounded_rows(values, places)) + "]"


def explain(variant: Variant) -> str:
    """Exponentials and their sum, the probabilities, −ln p of the true class, then p − y: the variant's numbers."""
    p, places = variant.params, asked_places(variant)
    logits, label = np.array(p["logits"], dtype=float), p["label"]
    exps = np.exp(logits)
    terms = ", ".join(f"$e^{{{latex_number(z)}}} = {rounded_text(float(e), places)}$"
                      for z, e in zip(p["logits"], exps))
    probabilities, gradient = variant.answer["probabilities"], variant.answer["gradient"]
    target = exact_list(one_hot(label, len(logits)))
    return (f"Exponentials of the logits: {terms}; their sum is "
            f"${rounded_text(float(exps.sum()), places)}$.\n\n"
            f"Softmax, $p_k = e^{{z_k}} / \\sum_j e^{{z_j}}$: $p = {_shown(probabilities, places)}$ "
            f"(they add up to 1).\n\n"
            f"Cross-entropy with the one-hot target $y = {target}$ of class {label} keeps only the true class's "
            f"term: $L = -\\sum_k y_k \\ln p_k = -\\ln p_{{{label}}} = -\\ln {exact_text(probabilities[label])}"
            f" = {rounded_text(variant.answer['loss'], places)}$ (from $p_{{{label}}}$ before rounding).\n\n"
            f"Gradient with respect to the logits, $\\partial L / \\partial z_k = p_k - y_k$: the probabilities with 1 "
            f"taken off at class {label}: ${_shown(gradient, places)}$. The entries add up to 0: raising the true "
            f"class's logit lowers the loss, raising any other raises it.\n\n" + explain_answer(variant))


def _read(variant: Variant) -> tuple[np.ndarray, int]:
    """The variant's logits and true class."""
    return np.array(variant.params["logits"], dtype=float), variant.params["label"]


def _with(variant: Variant, **parts: Any) -> dict[str, Any]:
    """The key's answer with some parts replaced by a mistake's."""
    return {**variant.answer, **parts}


def _log10(variant: Variant) -> dict[str, Any]:
    """−log10 p of the true class: the calculator's log key."""
    logits, label = _read(variant)
    return _with(variant, loss=_four(-log_softmax(logits)[label] / np.log(10)))


def _sign_flipped(variant: Variant) -> dict[str, Any]:
    """y − p: the direction in which the loss falls, not its gradient."""
    logits, label = _read(variant)
    return _with(variant, gradient=exact_list(-cross_entropy_grad(logits, label)))


def _y_not_subtracted(variant: Variant) -> dict[str, Any]:
    """p alone: the softmax's output taken for the loss's gradient."""
    return _with(variant, gradient=exact_list(softmax(_read(variant)[0])))


def _predicted_class(variant: Variant) -> dict[str, Any] | None:
    """−ln p of the class the network predicts (largest logit) where that is not the true class."""
    logits, label = _read(variant)
    predicted = variant.params["predicted"]
    return None if predicted == label else _with(variant, loss=_four(-log_softmax(logits)[predicted]))


MISCONCEPTIONS = (
    mistake("log base 10 instead of natural", "Cross-entropy uses the natural logarithm, $L = -\\ln p_y$ (as "
            "PyTorch's F.cross_entropy); log base 10 gives a loss 2.303 times too small.", _log10),
    mistake("gradient y − p (sign flipped)", "The gradient of the loss is p − y: it is positive for the wrong "
            "classes (raising their logits raises the loss) and negative for the true class; y − p is the "
            "direction gradient descent moves the logits in.", _sign_flipped),
    mistake("gradient p without subtracting y", "The loss is −ln p_y, so the true class's logit gets p_y − 1: the "
            "gradient is p − y with the one-hot target y, not the probabilities p themselves (whose entries all "
            "share one sign and never add up to 0).", _y_not_subtracted),
    mistake("loss of the wrong class", "Cross-entropy is −ln of the probability the network gives the *true* "
            "class, whatever class it predicts; −ln of the largest probability measures confidence, not error.",
            _predicted_class),
)
