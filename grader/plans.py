"""How each key question is checked: an answer variable, hidden cases for a function, or an architecture probe."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from grader.hidden_tests import Case, build_cases, operation_for
from grader.records import KeyQuestion
from solutions.architectures import ARCHITECTURES
from solutions.shapes import layer_table

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
    architecture: Expected | None = None

    @property
    def call_prefix(self) -> str:
        """Calls for this question are named '<qid>/...'."""
        return self.question.qid


def architecture_of(question: KeyQuestion) -> Expected | None:
    """The reference architecture a model-building question names (params['architecture'], default by input size)."""
    name = question.params.get("architecture")
    if name is None and "lenet" in str(question.entry_point).lower():
        name = "lenet5-28" if question.params.get("input_size") == 28 else "lenet5"
    arch = ARCHITECTURES.get(str(name)) if name is not None else None
    if arch is None:
        return None
    table = layer_table(arch.input_shape, arch.layers)
    return Expected(table.total_params, tuple(row.output_shape for row in table.rows), arch.input_shape)


def plan(question: KeyQuestion) -> Plan:
    """Pick the check: code questions by their operation or architecture, everything else by its kind."""
    if not question.entry_point:
        return Plan(question, "answer")
    hidden = question.hidden_tests or {}
    op = operation_for(question.entry_point, question.params)
    if op is not None:
        seed = int(hidden.get("seed", question.seed))
        return Plan(question, "cases", build_cases(op, seed, int(hidden.get("random_cases", 4))))
    expected = architecture_of(question)
    if expected is not None:
        return Plan(question, "architecture", architecture=expected)
    raise ValueError(f"answer key question {question.qid!r}: no hidden tests for entry point "
                     f"{question.entry_point!r} (kind {question.kind!r})")


def probe_input(expected: Expected) -> np.ndarray:
    """A zero batch of two inputs of the architecture's shape, for the sandbox's module_summary probe."""
    return np.zeros((2, *expected.input_shape), dtype=np.float32)
