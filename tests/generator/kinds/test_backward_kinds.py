"""The backward-pass code kinds: conv2d_backward returns (dx, dw, db), max_pool2d_backward returns dx; both are
graded per gradient by CS231n's rel_error (under 1e-6) against the NumPy and the autograd references."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from generator.kinds import KINDS, score
from generator.kinds._code import exercise, hidden_cases
from generator.kinds._code import as_sandbox_returns
from generator.kinds.code_conv2d_backward import REL_TOLERANCE, rel_error
from generator.model import SETUP_SOURCE, Context, Returned, Variant
from generator.templates import load_template
from tests.generator.conftest import TEMPLATES

CONV, POOL = "code_conv2d_backward", "code_max_pool2d_backward"
TEMPLATE_OF = {CONV: "code-conv2d-backward", POOL: "code-maxpool-backward"}


def _variant(kind: str, seed: int = 0) -> Variant:
    return KINDS[kind].generate(load_template(TEMPLATES / f"{TEMPLATE_OF[kind]}.yaml"), seed)


def _solution(variant: Variant) -> Any:
    namespace: dict[str, Any] = {}
    exec(f"{SETUP_SOURCE}\n{KINDS[variant.kind].solution_source(variant)}", namespace)  # noqa: S102
    return namespace[variant.entry_point]


def _results(variant: Variant, transform: Any = lambda i, value: value) -> dict[str, Any]:
    """The worked solution's raw return values (a tuple of arrays for conv), transformed per case index."""
    solve = _solution(variant)
    return {c.name: transform(i, solve(*c.args, **dict(c.kwargs))) for i, c in enumerate(hidden_cases(variant))}


@pytest.mark.parametrize("kind", [CONV, POOL])
def test_worked_solution_scores_full_in_the_sandbox_form_and_as_tuples(kind: str) -> None:
    variant = _variant(kind)
    for submitted in (KINDS[kind].model_submission(variant), _results(variant)):
        result = score(variant, Returned(submitted, {}), Context())
        assert result.points == variant.points, result.feedback
        assert "largest dx rel_error" in result.feedback and "1e-06" in result.feedback


def test_a_tuple_comes_back_from_the_sandbox_as_nested_lists_and_is_accepted() -> None:
    variant = _variant(CONV)
    sandboxed = KINDS[CONV].model_submission(variant)
    first = sandboxed["case0"]
    assert isinstance(first, list) and len(first) == 3 and isinstance(first[0], list)  # what the runner's _plain gives
    assert as_sandbox_returns((np.ones(2), np.zeros((1, 1)))) == [[1.0, 1.0], [[0.0]]]
    assert score(variant, Returned(sandboxed, {}), Context()).points == variant.points


@pytest.mark.parametrize("kind", [CONV, POOL])
def test_blank_scores_zero_and_says_why(kind: str) -> None:
    variant = _variant(kind)
    problems = {c.name: "NotImplementedError: write this function" for c in hidden_cases(variant)}
    result = score(variant, Returned({}, problems), Context())
    assert result.points == 0.0 and "NotImplementedError" in result.feedback


@pytest.mark.parametrize("kind", [CONV, POOL])
def test_dx_scaled_by_1_01_in_one_case_is_partial_and_names_the_rel_error(kind: str) -> None:
    variant = _variant(kind)
    count = len(hidden_cases(variant))

    def nudge(index: int, value: Any) -> Any:
        if index != 0:
            return value
        return (value[0] * 1.01, *value[1:]) if isinstance(value, tuple) else value * 1.01

    result = score(variant, Returned(_results(variant, nudge), {}), Context())
    assert result.points == pytest.approx(variant.points * (count - 1) / count, abs=1e-5)
    assert "case0" in result.feedback and "dx rel_error 5.0e-03 (wrong)" in result.feedback


def test_transposed_dw_is_wrong_and_dx_db_still_reported_right() -> None:
    variant = _variant(CONV)
    results = _results(variant, lambda i, v: (v[0], v[1].swapaxes(2, 3), v[2]))
    result = score(variant, Returned(results, {}), Context())
    assert result.points < variant.points
    line = next(part for part in result.feedback.split("; ") if "dw rel_error" in part)
    assert "(wrong)" in line.split("dw rel_error")[1].split(",")[0]
    assert "dx rel_error" in line and "db rel_error" in line
    assert "dx rel_error" in line and "(wrong)" not in line.split("dx rel_error")[1].split(",")[0]


def test_wrong_structure_and_shapes_get_feedback_not_exceptions() -> None:
    variant = _variant(CONV)
    results = _results(variant, lambda i, v: [v[0], v[1], v[2][:-1] if v[2].size > 1 else v[2][:0]] if i == 1
                       else (v[0] if i == 0 else "text"))
    result = score(variant, Returned(results, {}), Context())
    assert result.points == 0.0
    assert "expected the tuple (dx, dw, db)" in result.feedback and "db wrong shape" in result.feedback


def test_rel_error_is_cs231ns() -> None:
    assert rel_error(np.array([1.0, 0.0]), np.array([1.0, 0.0])) == 0.0
    assert rel_error(np.array([1.01]), np.array([1.0])) == pytest.approx(0.01 / 2.01)
    assert rel_error(np.zeros(0), np.zeros(0)) == 0.0 and REL_TOLERANCE == 1e-6


def test_edge_cases_cover_stride_padding_batches_channels_and_overlap() -> None:
    conv = exercise(CONV).edge_cases
    assert any(c["stride"] > 1 for c in conv) and any(c["padding"] > 0 for c in conv)
    assert any(c["x_shape"][0] > 1 for c in conv) and any(c["x_shape"][1] > 1 for c in conv)
    pool = exercise(POOL).edge_cases
    assert any(c["stride"] is not None and c["stride"] < c["kernel_size"] for c in pool)  # overlapping windows
    assert any((c["stride"] or c["kernel_size"]) > 1 for c in pool)
    assert any(c["x_shape"][0] > 1 for c in pool) and any(c["x_shape"][1] > 1 for c in pool)


@pytest.mark.parametrize("kind", [CONV, POOL])
def test_both_references_agree_and_pool_inputs_have_no_ties(kind: str) -> None:
    for seed in range(3):
        for case in hidden_cases(_variant(kind, seed)):
            assert case.expected_torch is not None
            assert rel_error(case.expected, case.expected_torch) < REL_TOLERANCE
            if kind == POOL:
                x = case.args[1]
                assert np.unique(x).size == x.size


def test_the_tie_rule_is_stated() -> None:
    assert "first maximum in row-major order" in KINDS[POOL].answer_stub(_variant(POOL))


@pytest.mark.parametrize("kind", [CONV, POOL])
def test_check_cell_passes_the_solution_and_stops_a_stub_and_a_wrong_gradient(kind: str) -> None:
    for seed in range(12):
        variant = _variant(kind, seed)
        module = KINDS[kind]
        exec(f"{SETUP_SOURCE}\n{module.solution_source(variant)}\n{module.checks_source(variant)}", {})  # noqa: S102
        with pytest.raises(NotImplementedError):
            exec(f"{SETUP_SOURCE}\n{module.answer_stub(variant)}\n{module.checks_source(variant)}", {})  # noqa: S102
        wrong = module.solution_source(variant).replace("return dx", "return 1.01 * dx")
        with pytest.raises(AssertionError, match="rel_error"):
            exec(f"{SETUP_SOURCE}\n{wrong}\n{module.checks_source(variant)}", {})  # noqa: S102
