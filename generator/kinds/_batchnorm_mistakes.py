"""The batchnorm kind's typical mistakes, each giving the answer it produces with the variant's own numbers, and the
helpers they share with the kind: the variant's batch as arrays and numbers rounded as the key holds them."""

from __future__ import annotations

from typing import Any

import numpy as np

from generator.kinds._common import exact_list
from generator.kinds._mistakes import mistake
from generator.model import Variant
from generator.rounding import rounded_text
from solutions.numpy_ref.batchnorm import batch_statistics, batchnorm_forward

EPS = 1e-5  # solutions.numpy_ref.batchnorm_forward's default, which the key uses


def rounded(values: Any) -> Any:
    """A number or an array as the key holds it: 4 decimals, whole numbers as ints."""
    return exact_list(np.asarray(values, dtype=float))


def batch_text(values: Any, places: int | None) -> str:
    """(1, 2.5, -0.33): a vector as the worked solution prints it, to the decimals the question asks for."""
    return "(" + ", ".join(rounded_text(float(v), places) for v in np.ravel(values)) + ")"


def batch(drawn: dict[str, Any]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """A variant's feature as an (N, 1) batch, and gamma, beta and the stated running statistics as (1,) arrays."""
    return (np.array(drawn["x"], dtype=float)[:, None], *(np.array([float(drawn[name])]) for name in
                                                         ("gamma", "beta", "running_mean", "running_var")))


def _normalised(drawn: dict[str, Any], mean: float, spread: float, scaled: bool = True) -> Any:
    """gamma * (x - mean) / spread + beta (or without gamma and beta), rounded as the key."""
    x = np.array(drawn["x"], dtype=float)
    x_hat = (x - mean) / spread
    return rounded(drawn["gamma"] * x_hat + drawn["beta"] if scaled else x_hat)


def _statistics(drawn: dict[str, Any]) -> tuple[float, float, float]:
    """The batch's mean, biased variance and unbiased variance."""
    mean, var = (float(v[0]) for v in batch_statistics(batch(drawn)[0]))
    m = len(drawn["x"])
    return mean, var, var * m / (m - 1)


def _asked(variant: Variant, question: str) -> bool:
    """Whether the variant asks this question (counts, train or eval)."""
    return variant.params["asks"] == question


# --- counts ------------------------------------------------------------------------------------------------------

def _one_per_channel(variant: Variant) -> Any:
    """C parameters: gamma or beta alone."""
    return {**variant.answer, "parameters": variant.params["C"]} if _asked(variant, "counts") else None


def _statistics_as_parameters(variant: Variant) -> Any:
    """Running mean and variance added to gamma and beta: 4C parameters."""
    if not _asked(variant, "counts"):
        return None
    return {**variant.answer, "parameters": variant.answer["parameters"] + variant.answer["running_statistics"]}


def _per_activation(variant: Variant) -> Any:
    """One gamma, beta, mean and variance per activation (C·H·W of each), each over the N examples only."""
    if not _asked(variant, "counts"):
        return None
    p = variant.params
    activations = p["C"] * p["H"] * p["W"]
    return {"parameters": 2 * activations, "running_statistics": 2 * activations, "values_per_statistic": p["N"]}


def _per_example(variant: Variant) -> Any:
    """Statistics over one example's C·H·W values, as layer normalisation takes them."""
    if not _asked(variant, "counts"):
        return None
    p = variant.params
    return {**variant.answer, "values_per_statistic": p["C"] * p["H"] * p["W"]}


# --- train and eval ----------------------------------------------------------------------------------------------

def _unbiased_normalisation(variant: Variant) -> Any:
    """The batch normalised with the unbiased variance (divide by m - 1)."""
    p = variant.params
    if _asked(variant, "counts"):
        return None
    mean, _, unbiased = _statistics(p)
    output = _normalised(p, mean, float(np.sqrt(unbiased + EPS)))
    if _asked(variant, "eval"):
        return {**variant.answer, "train_output": output}
    return {**variant.answer, "variance": rounded(unbiased), "output": output}


def _no_square_root(variant: Variant) -> Any:
    """Divided by the variance instead of the standard deviation."""
    p = variant.params
    if _asked(variant, "counts"):
        return None
    mean, var, _ = _statistics(p)
    if _asked(variant, "train"):
        return {**variant.answer, "output": _normalised(p, mean, var + EPS)}
    return {"train_output": _normalised(p, mean, var + EPS),
            "eval_output": _normalised(p, p["running_mean"], p["running_var"] + EPS)}


def _biased_running_variance(variant: Variant) -> Any:
    """The biased variance (divide by m) moved into the running variance."""
    p = variant.params
    if not _asked(variant, "train"):
        return None
    _, var, _ = _statistics(p)
    return {**variant.answer, "running_var": rounded((1 - p["momentum"]) * p["running_var"] + p["momentum"] * var)}


def _momentum_swapped(variant: Variant) -> Any:
    """r <- momentum * r + (1 - momentum) * s: the old statistics weighted by momentum (Keras' convention)."""
    p = variant.params
    if not _asked(variant, "train"):
        return None
    x, gamma, beta, running_mean, running_var = batch(p)
    swapped = batchnorm_forward(x, gamma, beta, running_mean, running_var, True, 1 - p["momentum"])
    return {**variant.answer, "running_mean": rounded(swapped.running_mean[0]),
            "running_var": rounded(swapped.running_var[0])}


def _batch_statistics_in_eval(variant: Variant) -> Any:
    """Eval mode normalising with the batch's statistics, as train mode does."""
    return {**variant.answer, "eval_output": variant.answer["train_output"]} if _asked(variant, "eval") else None


def _eval_without_scale_and_shift(variant: Variant) -> Any:
    """Eval mode stopping at x̂: the running statistics used, gamma and beta left out."""
    p = variant.params
    if not _asked(variant, "eval"):
        return None
    spread = float(np.sqrt(p["running_var"] + EPS))
    return {**variant.answer, "eval_output": _normalised(p, p["running_mean"], spread, scaled=False)}


MISCONCEPTIONS = (
    mistake("batchnorm parameters counted as C instead of 2C", "Batch normalisation learns two numbers per channel, a "
            "scale γ and a shift β, so a layer over C channels has 2C parameters.", _one_per_channel),
    mistake("running statistics counted as parameters", "The running mean and variance are buffers: they are "
            "averaged from the batches, not learned by gradient descent, so they are not parameters (2C parameters, "
            "and 2C running statistics besides).", _statistics_as_parameters),
    mistake("a statistic per activation instead of per channel", "A convolution's batch normalisation (BatchNorm2d) "
            "shares one γ, β, mean and variance across every position of a channel, as the filter's weights are "
            "shared: C of each, and each channel's statistics are taken over N·H·W values.", _per_activation),
    mistake("statistics per example (layer normalisation)", "Batch normalisation averages each channel over the "
            "batch and the positions (N·H·W values), not over one example's C·H·W values; that is layer "
            "normalisation.", _per_example),
    mistake("unbiased variance used to normalise", "Train mode normalises with the batch's biased variance (divide "
            "by m, as PyTorch does); only the running variance stores the unbiased one (divide by m − 1).",
            _unbiased_normalisation),
    mistake("square root of the variance forgotten", "Normalising divides by the standard deviation "
            "√(σ² + ε), not by the variance.", _no_square_root),
    mistake("biased variance stored in the running variance", "PyTorch's running variance moves towards the "
            "batch's unbiased variance (divide by m − 1), while the normalisation itself uses the biased one.",
            _biased_running_variance),
    mistake("momentum weights swapped", "In PyTorch the new statistic gets the weight momentum: r ← (1 − momentum)·r "
            "+ momentum·s, so a small momentum moves the running statistics slowly.", _momentum_swapped),
    mistake("batch statistics used in eval mode", "In eval mode the layer normalises with the running mean and "
            "variance stored during training, not the batch's own statistics, so an example's output does not "
            "depend on the rest of its batch.", _batch_statistics_in_eval),
    mistake("γ and β left out in eval mode", "Eval mode changes only the statistics used: the normalised value is "
            "still scaled by γ and shifted by β.", _eval_without_scale_and_shift),
)
