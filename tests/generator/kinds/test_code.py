"""Coding exercises: stubs, hidden tests rebuilt from the key's seed, and grading of real (buggy) solutions."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from generator.errors import TemplateError
from generator.kinds import KINDS, score
from generator.kinds._code import exercise, hidden_inputs, run_cases
from generator.model import Context, Returned
from generator.templates import load_template
from tests.generator.conftest import bundled


def _namespace(source: str) -> dict:
    namespace: dict = {}
    exec("import numpy as np\n" + source, namespace)  # noqa: S102 - the generated cell, as a notebook runs it
    return namespace


def test_stub_raises_and_scores_zero() -> None:
    kind = KINDS["code_conv2d"]
    variant = kind.generate(bundled("code-conv2d"), 1)
    stub = _namespace(kind.answer_stub(variant))["conv2d_forward"]
    results = run_cases(stub, variant)
    assert all("NotImplementedError" in r["error"] for r in results.values())
    assert kind.grade(variant, results).points == 0


def test_a_bug_costs_only_the_cases_it_breaks() -> None:
    kind = KINDS["code_conv2d"]
    variant = kind.generate(bundled("code-conv2d"), 2)
    right = _namespace(kind.solution_source(variant))["conv2d_forward"]

    def no_padding(x, w, b, stride=1, padding=0):  # a typical mistake: ignores padding
        return right(x, w, b, stride=stride, padding=0)

    result = kind.grade(variant, run_cases(no_padding, variant))
    cases = [*variant.hidden_tests["cases"], *exercise("code_conv2d").edge_cases]  # the key's, then the pinned ones
    unpadded = sum(1 for case in cases if case["padding"] == 0)
    assert 0 < unpadded < len(cases)  # seed 2 mixes both
    assert result.points == pytest.approx(variant.points * unpadded / len(cases), abs=1e-4)
    assert "values differ" in result.feedback or "shape" in result.feedback


def test_hidden_inputs_are_rebuilt_identically_from_the_key() -> None:
    variant = KINDS["code_max_pool2d"].generate(bundled("code-maxpool"), 4)
    first, second = hidden_inputs(variant.hidden_tests), hidden_inputs(dict(variant.hidden_tests))
    assert all(np.array_equal(a["x"], b["x"]) for a, b in zip(first, second))
    assert [list(a["x"].shape) for a in first] == [c["x_shape"] for c in variant.hidden_tests["cases"]]


def test_pool_cases_include_overlap_and_default_stride() -> None:
    cases = KINDS["code_avg_pool2d"].generate(bundled("code-avgpool"), 0).hidden_tests["cases"]
    assert cases[0]["stride"] < cases[0]["kernel_size"] and cases[1]["stride"] is None


def test_garbage_results_never_raise() -> None:
    conv = KINDS["code_conv2d"].generate(bundled("code-conv2d"), 0)
    lenet = KINDS["code_lenet5"].generate(bundled("code-lenet5"), 0)
    lenet = dataclasses.replace(lenet, params={k: v for k, v in lenet.params.items() if k != "training"})
    for junk in (None, "x", [], [None, "a", {"b": 1}], [{"error": "boom"}] * 3, [[1, 2], [3], "nan"], {"b": 1}):
        for variant in (conv, lenet):
            names = ("case0", "case1", "summary")
            result = score(variant, Returned({n: junk for n in names}, {}), Context())
            assert result.points == 0 and result.feedback


def test_lenet_variants_differ_and_checks_match_the_reference() -> None:
    kind = KINDS["code_lenet5"]
    configs = {tuple(kind.generate(bundled("code-lenet5"), s).params[k] for k in ("input_size", "num_classes",
                                                                                   "style")) for s in range(40)}
    assert configs == {(size, 10, style) for size in (28, 32) for style in ("classic", "modern")}  # trained: 10
    variant = kind.generate(bundled("code-lenet5"), 0)
    namespace = _namespace(kind.solution_source(variant))
    exec(kind.checks_source(variant), namespace)  # noqa: S102 - the visible sanity checks pass on the solution


def test_bad_case_count_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "t.yaml"
    path.write_text("id: c\nkind: code_conv2d\ntitle: C\npoints: 1\nprompt: Write it.\nparams:\n  n_cases: 0\n")
    with pytest.raises(TemplateError,
                       match=r"t.yaml:6: every draw fails: n_cases must be a whole number from 1 to 20, got 0"):
        KINDS["code_conv2d"].generate(load_template(path), 0)
