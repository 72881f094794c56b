"""The `training:` block of code_lenet5 templates: parsed into the variant and key, bad values named by key, the rule."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from generator.errors import TemplateError
from generator.kinds import KINDS
from generator.kinds._training import Rule, parse_training
from generator.templates import load_template
from tests.generator.conftest import bundled

HEAD = """
id: lenet
kind: code_lenet5
title: LeNet
points: 8
params:
  input_size: 28
  num_classes: {choices: NUM_CLASSES}
  style: modern
prompt: "Trained for {{ training.cpu.epochs }} epochs; {{ training.score.full_within }} points."
"""


def test_bundled_template_carries_budgets_and_rule_into_the_key() -> None:
    variant = KINDS["code_lenet5"].generate(bundled("code-lenet5"), 5)
    training = variant.to_key()["params"]["training"]
    assert training["dataset"] == "fashion-mnist" and training["points"] == 4.0
    assert training["cpu"] == {"epochs": 2, "train_subset": 10000, "test_subset": 2000, "batch_size": 64,
                               "timeout_s": 60}
    assert training["cuda"]["train_subset"] == 60000 and training["score"] == {"full_within": 1.5, "zero_at": 10}
    assert "full credit within\n1.5 points" in variant.prompt


def test_defaults_fill_the_budget_and_the_prompt_can_state_it(write_yaml: Callable[[str, str], Path]) -> None:
    path = write_yaml("t.yaml", HEAD.replace("NUM_CLASSES", "[10]") + "training: {cpu: {epochs: 3}}\n")
    variant = KINDS["code_lenet5"].generate(load_template(path), 1)
    assert variant.prompt == "Trained for 3 epochs; 1.5 points."
    assert variant.params["training"]["points"] == 4.0 and variant.params["training"]["cpu"]["batch_size"] == 64


@pytest.mark.parametrize(("block", "message"), [
    ("{cpu: {epochs: 0}}", "training.cpu.epochs must be a whole number >= 1, got 0"),
    ("{cpu: {epochs: 1.5}}", "training.cpu.epochs must be a whole number >= 1, got 1.5"),
    ("{cpu: {epoch: 1}}", "training.cpu.epoch: unknown key"),
    ("{cuda: {epochs: 1}}", "training.cpu: missing"),
    ("{cpu: {train_subset: 100, batch_size: 64}}", "training.cpu: epochs * (train_subset // batch_size) must be at least 8"),
    ("{points: 9, cpu: {}}", "training.points must be above 0 and at most the question's 8 points"),
    ("{cpu: {}, score: {full_within: 5, zero_at: 2}}", "training.score.zero_at (2) must be above full_within (5)"),
    ("{cpu: {}, score: {zero_at: -1}}", "training.score.zero_at must be a number >= 0"),
    ("{cpu: {}, budget: 3}", "training.budget: unknown key"),
    ("[1, 2]", "training must be a mapping"),
])
def test_bad_values_name_the_key_and_line(write_yaml: Callable[[str, str], Path], block: str, message: str) -> None:
    path = write_yaml("t.yaml", HEAD.replace("NUM_CLASSES", "[10]") + f"training: {block}\n")
    with pytest.raises(TemplateError) as error:
        load_template(path)
    assert message in str(error.value) and "t.yaml:10" in str(error.value)


def test_class_counts_the_data_set_cannot_have_are_never_drawn(write_yaml: Callable[[str, str], Path]) -> None:
    mixed = write_yaml("a.yaml", HEAD.replace("NUM_CLASSES", "[10, 26]") + "training: {cpu: {}}\n")
    assert {KINDS["code_lenet5"].generate(load_template(mixed), s).params["num_classes"] for s in range(8)} == {10}
    never = write_yaml("b.yaml", HEAD.replace("NUM_CLASSES", "[26]") + "training: {cpu: {}}\n")
    with pytest.raises(TemplateError, match="training on fashion-mnist needs num_classes 10, got 26"):
        KINDS["code_lenet5"].generate(load_template(never), 1)


@pytest.mark.parametrize(("accuracy", "share"), [(90.0, 1.0), (88.5, 1.0), (84.25, 0.5), (80.0, 0.0), (10.0, 0.0)])
def test_rule_full_within_then_linear_to_zero(accuracy: float, share: float) -> None:
    assert Rule(1.5, 10).share(accuracy, 90.0) == pytest.approx(share)


def test_parse_round_trips_through_the_key() -> None:
    training = parse_training({"points": 2, "cpu": {"epochs": 1}, "cuda": {"epochs": 4}}, 8)
    assert parse_training(training.to_json(), 8) == training
