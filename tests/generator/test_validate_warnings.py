"""`cnnlab validate`'s authoring warnings: a correct option that stands out by its length, a pick of unequal loads;
the bundled templates and specs pass (but for two kinds whose options are written in their modules)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

import cnnlab
from generator.authoring_warnings import LONG_OPTION, warnings_at
from generator.validate import yaml_files
from tests.generator.conftest import ASSIGNMENTS, TEMPLATES

KIND_WRITTEN = ("flat-patch", "same-padding")  # their options are generator/kinds/flat_patch.py's and same_padding.py's
CONCEPT = """
    id: c
    kind: concept
    title: C
    points: 1
    prompt: What is a filter?
    correct: ["{correct}"]
    distractors: [A bias., A stride., A pooling window.]
    """


def _concept(write_yaml: Callable[[str, str], Path], correct: str) -> Path:
    return write_yaml("c.yaml", CONCEPT.format(correct=correct))


def test_a_correct_option_much_longer_than_the_others_is_warned(write_yaml: Callable[[str, str], Path]) -> None:
    path = _concept(write_yaml, "A small grid of learnable weights slid over the input, one dot product per window")
    (warning,) = warnings_at([path])
    assert warning.startswith(f"{path}:1: warning: c: the correct option is on average ")
    assert "7.4 times as long as the others (81 characters against 11)" in warning
    assert f"at most {LONG_OPTION} times" in warning


def test_options_of_similar_length_pass(write_yaml: Callable[[str, str], Path]) -> None:
    assert warnings_at([_concept(write_yaml, "A weight grid.")]) == []


def _spec(write_yaml: Callable[[str, str], Path], pool: str, pick: int) -> Path:
    return write_yaml("spec.yaml", f"""
        id: s
        title: S
        templates: {TEMPLATES}
        questions:
          - conv-params
          - pick: {pick}
            from: [{pool}]
            points: 4
        """)


def test_a_pick_of_unequal_loads_is_warned_with_each_questions_load(write_yaml: Callable[[str, str], Path]) -> None:
    path = _spec(write_yaml, "mlp-lecture, mlp-params", 1)
    (warning,) = warnings_at([path])
    assert warning.startswith(f"{path}:7: warning: pick 1 from [mlp-lecture, mlp-params] draws questions that differ "
                              "in points and answer parts by more than half (mlp-lecture: 2 points, 1 part; "
                              "mlp-params: 4 points, 7 parts)")


@pytest.mark.parametrize(("pool", "pick"), [("mlp-lecture, mlp-params", 2), ("output-size, pool-output-size", 1)])
def test_a_pick_of_all_or_of_equal_loads_passes(write_yaml: Callable[[str, str], Path], pool: str, pick: int) -> None:
    assert warnings_at([_spec(write_yaml, pool, pick)]) == []


def test_the_bundled_templates_and_specs_pass_but_the_kinds_own_options(capsys: pytest.CaptureFixture[str]) -> None:
    warned = warnings_at(yaml_files(ASSIGNMENTS))
    assert {next(qid for qid in KIND_WRITTEN if f"/{qid}.yaml:" in w) for w in warned} <= set(KIND_WRITTEN)
    assert cnnlab.main(["validate", str(ASSIGNMENTS), "--no-sandbox"]) == 0
    err = capsys.readouterr().err
    assert err.splitlines() == [f"cnnlab: {w}" for w in warned]  # printed, and validation still succeeds
