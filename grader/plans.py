"""How each key question is checked: an answer variable, hidden cases for a function, or an architecture probe."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from grader.hidden_tests import EDGE_CASES, Case, build_cases, with_edge_cases
from grader.lenet5_training import TrainingCheck, TrainingSetup, training_call, training_check
from grader.records import KeyQuestion
from grader.sandbox.api import Call
from solutions.architectures import lenet5_layers
from solutions.shapes import AvgPool2d, Dense, MaxPool2d, layer_table

Method = Literal["answer", "cases", "architecture"]


@dataclass(frozen=True)
class Expected:
    """What an architecture must have: its parameter count and per-layer output shapes (batch dim dropped)."""

    params: int
    shapes: tuple[tuple[int, ...], ...]
    input_shape: tuple[int, ...]


@dataclass(frozen=True)
class Plan:
    """One question's check, decided from the key alone."""

    question: KeyQuestion
    method: Method
    cases: tuple[Case, ...] = ()
    hidden_tests: dict[str, Any] = field(default_factory=dict)  # the key's cases plus the grader's edge cases
    architecture: Expected | None = None
    training: TrainingCheck | None = None  # also train the model in the sandbox (the key's `training` params)

    @property
    def call_prefix(self) -> str:
        """Calls for this question are named '<qid>/...'."""
        return self.question.qid


def lenet5_expected(params: dict[str, Any]) -> Expected:
    """LeNet-5 as the code_lenet5 variant asks for it: input size, class count, pooling style."""
    size, classes = int(params.get("input_size", 32)), int(params.get("num_classes", 10))
    pool = AvgPool2d if params.get("style") == "classic" else MaxPool2d
    layers = [*lenet5_layers(padding=2 if size == 28 else 0, pool=pool)[:-1], Dense(classes)]
    table = layer_table((1, size, size), layers)
    return Expected(table.total_params, tuple(row.output_shape for row in table.rows), (1, size, size))


ARCHITECTURES = {"code_lenet5": lenet5_expected}


def plan(question: KeyQuestion, setup: TrainingSetup = TrainingSetup()) -> Plan:
    """Pick the check: array exercises by hidden cases, model exercises by architecture, the rest by their kind."""
    if not question.entry_point:
        return Plan(question, "answer")
    if question.kind in EDGE_CASES:
        if not isinstance(question.hidden_tests, dict) or "seed" not in question.hidden_tests:
            raise ValueError(f"answer key question {question.qid!r}: hidden_tests must hold a seed and cases")
        hidden = with_edge_cases(question.kind, question.hidden_tests)
        return Plan(question, "cases", build_cases(question.kind, hidden), hidden)
    if question.kind in ARCHITECTURES:
        return Plan(question, "architecture", architecture=ARCHITECTURES[question.kind](question.params),
                    training=training_check(question, setup))
    raise ValueError(f"answer key question {question.qid!r}: no hidden tests for kind {question.kind!r}")


def probe_input(expected: Expected) -> np.ndarray:
    """A zero batch of two inputs of the architecture's shape, for the sandbox's module_summary probe."""
    return np.zeros((2, *expected.input_shape), dtype=np.float32)


def calls_of(p: Plan) -> tuple[Call, ...]:
    """The sandbox calls one plan needs, named '<qid>/...'."""
    entry = str(p.question.entry_point)
    if p.method == "cases":
        return tuple(Call(f"{p.call_prefix}/{c.name}", entry, c.args, dict(c.kwargs)) for c in p.cases)
    if p.method == "architecture" and p.architecture is not None:
        summary = Call(f"{p.call_prefix}/summary", entry, (probe_input(p.architecture),), probe="module_summary")
        if p.training is None:
            return (summary,)
        return summary, training_call(f"{p.call_prefix}/training", entry, p.training)
    return ()
