"""The simulated class behind SIMILARITY: every style right, fixed by its seed, copies found at the threshold."""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from grader.copying.code import normalised_lines, similar_code
from tests.support.copying_code_sim import ENTRY, QID, STARTER, STYLES, disguise, render, simulate_class
from solutions.numpy_ref import conv2d

TOLERANCE = 1e-10
CASES = ((1, 0), (2, 1), (3, 2), (1, 2), (2, 0))  # (stride, padding)


def _function(source: str) -> Callable[..., Any]:
    """The source's conv2d_forward, defined in a namespace that has NumPy as np."""
    namespace: dict[str, Any] = {"np": np}
    exec(compile(source, "<student>", "exec"), namespace)  # noqa: S102 - our own simulated code
    return namespace[ENTRY]


def _worst_error(source: str, seed: int) -> float:
    """The largest absolute difference from solutions' conv2d over random inputs, strides and paddings."""
    rng, worst = np.random.default_rng(seed), 0.0
    forward = _function(source)
    for stride, padding in CASES:
        x, w, b = rng.standard_normal((2, 3, 7, 8)), rng.standard_normal((4, 3, 3, 2)), rng.standard_normal(4)
        got, expected = forward(x, w, b, stride=stride, padding=padding), conv2d(x, w, b, stride, padding)
        assert got.shape == expected.shape, source
        worst = max(worst, float(np.abs(got - expected).max()))
    return worst


@pytest.mark.parametrize("style", sorted(STYLES))
def test_every_style_and_its_disguised_copies_are_right(style: str) -> None:
    for seed in range(12):
        source = render(style, random.Random(seed))
        assert _worst_error(source, seed) < TOLERANCE, source
        for edits in (True, False):
            copy = disguise(source, random.Random(seed), edits)
            assert _worst_error(copy, seed) < TOLERANCE, copy


def test_every_student_of_a_simulated_class_is_right() -> None:
    simulated = simulate_class(60, 5, seed=3)
    assert {s for pair in simulated.copied for s in pair} <= set(simulated.sources)
    for student, source in simulated.sources.items():
        assert _worst_error(source, len(student)) < TOLERANCE, source


def test_the_class_is_fixed_by_its_seed() -> None:
    first, again, other = simulate_class(40, 3, seed=5), simulate_class(40, 3, seed=5), simulate_class(40, 3, seed=6)
    assert first == again
    assert first.sources != other.sources and first.copied != other.copied
    assert len(set(first.sources.values())) == 40, "every student's code is their own text"


@pytest.mark.parametrize("style", sorted(STYLES))
def test_a_disguised_copy_is_found_and_other_styles_are_not(style: str) -> None:
    others = {f"other-{name}": render(name, random.Random(name)) for name in STYLES if name != style}
    original = render(style, random.Random(1))
    copy = disguise(original, random.Random(2), edits=False)
    found = similar_code({QID: {"original": original, "copy": copy, **others}}, {QID: STARTER})
    assert [(p.first, p.second) for p in found] == [("copy", "original")]


def test_one_student_of_each_style_are_never_paired() -> None:
    for seed in range(5):
        sources = {name: render(name, random.Random(f"{seed}{name}")) for name in STYLES}
        assert similar_code({QID: sources}, {QID: STARTER}) == []


def test_a_variable_named_f_is_a_name_and_the_functional_module_is_not() -> None:
    lines = normalised_lines("F, _, kh, kw = w.shape\ny = F.relu(np.zeros(F))\n")
    assert list(lines.values()) == ["V , V , V , V = V . shape", "V = F . relu ( np . zeros ( V ) )"]
