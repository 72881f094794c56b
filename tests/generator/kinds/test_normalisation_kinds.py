"""The batchnorm and dropout answer kinds against torch, 200 variants of each bundled template: counts from
nn.BatchNorm2d's parameters and buffers, the values behind each statistic from the running variance torch stores;
forward passes and running statistics from nn.BatchNorm1d in train and eval mode; dropout's outputs from the kernel
F.dropout's backward applies to a mask, F.dropout in eval mode, and the expected sum over every mask, enumerated."""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from generator.errors import TemplateError
from generator.kinds import KINDS
from generator.kinds._common import explain_answer
from generator.model import Variant
from generator.rounding import rounded_text
from generator.templates import load_template
from tests.generator.conftest import TEMPLATES, bundled
from tests.solutions.torch_oracle import n_params, n_running_stats, one_torch_thread  # noqa: F401 (a fixture)

SEEDS = range(200)
CLOSE = 1e-4  # the key holds 4 decimals


def variants(template_id: str) -> list[Variant]:
    """The bundled template's variants for seeds 0..199."""
    template = bundled(template_id)
    return [KINDS[template.kind].generate(template, seed) for seed in SEEDS]


def close(key: Any, theirs: Any) -> bool:
    """The key's number or vector equals torch's to the key's 4 decimals."""
    return np.allclose(np.asarray(key, dtype=float), np.asarray(theirs, dtype=float), rtol=0, atol=CLOSE)


def torch_values_per_statistic(n: int, height: int, width: int) -> int:
    """m from torch: with momentum 1, BatchNorm2d stores the unbiased variance, m / (m - 1) times the biased one."""
    x = torch.randn(n, 1, height, width, dtype=torch.float64, generator=torch.Generator().manual_seed(n + height))
    layer = nn.BatchNorm2d(1, momentum=1.0).double().train()
    layer(x)
    ratio = float(layer.running_var[0] / x.var(unbiased=False))
    return round(ratio / (ratio - 1))


def test_batchnorm_counts_match_torch() -> None:
    channels = set()
    for variant in variants("batchnorm-params"):
        p = variant.params
        layer = nn.BatchNorm2d(p["C"])
        assert variant.answer == {"parameters": n_params(layer), "running_statistics": n_running_stats(layer),
                                  "values_per_statistic": torch_values_per_statistic(p["N"], p["H"], p["W"])}, p
        channels.add(p["C"])
    assert len(channels) > 50


def torch_layer(p: dict[str, Any]) -> nn.BatchNorm1d:
    """A float64 BatchNorm1d over one feature holding the variant's gamma, beta and running statistics."""
    layer = nn.BatchNorm1d(1, eps=1e-5, momentum=p.get("momentum", 0.1)).double()
    with torch.no_grad():
        for name in ("weight", "bias", "running_mean", "running_var"):
            getattr(layer, name).fill_(p[{"weight": "gamma", "bias": "beta"}.get(name, name)])
    return layer


def test_batchnorm_train_step_matches_torch() -> None:
    for variant in variants("batchnorm-forward"):
        p, answer = variant.params, variant.answer
        x = torch.tensor(p["x"], dtype=torch.float64)[:, None]
        layer = torch_layer(p).train()
        out = layer(x)[:, 0]
        assert close(answer["output"], out.detach()), p
        assert close(answer["running_mean"], layer.running_mean[0]) and close(answer["running_var"],
                                                                             layer.running_var[0]), p
        # the mean and variance asked are the ones torch normalised with: they reproduce its output
        rebuilt = p["gamma"] * (x[:, 0] - answer["mean"]) / np.sqrt(answer["variance"] + 1e-5) + p["beta"]
        assert close(rebuilt, out.detach()), p
        assert float(answer["variance"]) >= 1 and len(set(p["x"])) >= 3  # by hand: whole mean, sd a multiple of 0.5


def test_batchnorm_train_and_eval_outputs_match_torch() -> None:
    for variant in variants("batchnorm-eval"):
        p, answer = variant.params, variant.answer
        x = torch.tensor(p["x"], dtype=torch.float64)[:, None]
        layer = torch_layer(p)
        evaluated = layer.eval()(x)[:, 0].detach()
        trained = layer.train()(x)[:, 0].detach()
        assert close(answer["train_output"], trained) and close(answer["eval_output"], evaluated), p
        assert not close(trained, evaluated), p


def test_dropout_matches_torch_and_the_expectation_over_every_mask() -> None:
    probabilities = set()
    for variant in variants("dropout"):
        p, answer = variant.params, variant.answer
        x = torch.tensor(p["x"], dtype=torch.float64)
        scale = 1 / (1 - p["p"])
        train = torch.ops.aten.native_dropout_backward(x, torch.tensor(p["mask"], dtype=torch.bool), scale)
        assert close(answer["train_output"], train) and close(answer["test_output"], F.dropout(x, p["p"], False)), p
        expected = sum((1 - p["p"]) ** sum(mask) * p["p"] ** (len(mask) - sum(mask)) *
                       float(torch.ops.aten.native_dropout_backward(x, torch.tensor(mask, dtype=torch.bool),
                                                                    scale).sum())
                       for mask in itertools.product([0, 1], repeat=len(p["x"])))
        assert close(answer["expected_sum"], expected), p
        assert 0 < sum(p["mask"]) < len(p["mask"]), p
        probabilities.add(p["p"])
    assert len(probabilities) == 7


@pytest.mark.parametrize("change, message", [
    ("asks: train", r"batchnorm-params.yaml:3: asks: train needs the parameters gamma, beta, momentum, running_mean, "
                    r"running_var"),
    ("asks: both", r"batchnorm-params.yaml:3: asks: must be one of counts, train, eval, got 'both'"),
])
def test_a_template_asking_the_wrong_question_names_the_line(write_yaml: Any, change: str, message: str) -> None:
    text = (TEMPLATES / "batchnorm-params.yaml").read_text(encoding="utf-8").replace("asks: counts", change)
    with pytest.raises(TemplateError, match=message):
        load_template(write_yaml("batchnorm-params.yaml", text))


def test_a_parameter_the_question_ignores_is_refused(write_yaml: Any) -> None:
    text = (TEMPLATES / "batchnorm-eval.yaml").read_text(encoding="utf-8").replace(
        "  running_mean:", "  momentum: 0.1\n  running_mean:")
    with pytest.raises(TemplateError, match=r"batchnorm-eval.yaml:3: asks: eval does not read momentum: remove it"):
        load_template(write_yaml("batchnorm-eval.yaml", text))


def test_a_batch_size_without_hand_computable_batches_says_why(write_yaml: Any) -> None:
    text = (TEMPLATES / "batchnorm-eval.yaml").read_text(encoding="utf-8").replace("  N: 4\n", "  N: 3\n")
    template = load_template(write_yaml("batchnorm-eval.yaml", text))
    with pytest.raises(TemplateError, match="N = 4 works; N = 3 never does"):
        KINDS["batchnorm"].generate(template, 0)


@pytest.mark.parametrize("seed", range(5))
def test_worked_solutions_state_the_steps_with_the_variants_numbers(seed: int) -> None:
    variant = bundled_variant("batchnorm-forward", seed)
    p, answer = variant.params, variant.answer
    text = KINDS["batchnorm"].explain(variant)
    assert f"mean $\\mu = ({' + '.join(map(str, p['x']))}) / 4 = {answer['mean']:g}$" in text
    assert f"biased variance $\\sigma^2 = (" in text and f") / 4 = {answer['variance']:g}$" in text
    assert f"= {rounded_text(float(answer['running_var']), 2)}$" in text and text.endswith(explain_answer(variant))
    eval_variant = bundled_variant("batchnorm-eval", seed)
    assert f"mean {eval_variant.params['running_mean']:g} and variance {eval_variant.params['running_var']:g}" in \
        KINDS["batchnorm"].explain(eval_variant)
    dropout = bundled_variant("dropout", seed)
    text = KINDS["dropout"].explain(dropout)
    assert f"multiplied by {rounded_text(1 / (1 - dropout.params['p']), 2)}:" in text
    assert f"= {' + '.join(map(str, dropout.params['x']))} = {dropout.answer['expected_sum']}$" in text


def bundled_variant(template_id: str, seed: int) -> Variant:
    """One variant of a bundled template."""
    template = bundled(template_id)
    return KINDS[template.kind].generate(template, seed)
