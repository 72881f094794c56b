"""What the code kinds declare for the grader: seeded hidden cases checked against both references, and the
LeNet-5 architecture scored from the sandbox's module summary."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from generator.kinds import KINDS, score
from generator.kinds._code import check_array, exercise, hidden_cases, recorded_call
from generator.kinds.code_lenet5 import fit_in_order, score_architecture
from generator.model import Context, Returned, Variant

POOL = Variant("pool", "code_max_pool2d", 1, {}, "solutions.numpy_ref.max_pool2d", 6.0, variable="answer_pool",
               entry_point="max_pool2d_forward",
               hidden_tests={"exercise": "code_max_pool2d", "seed": 3,
                             "cases": [{"x_shape": [2, 1, 6, 5], "kernel_size": 3, "stride": 2}]})
CASES = hidden_cases(POOL)
CODE_KINDS = ("code_conv2d", "code_max_pool2d", "code_avg_pool2d")


def _returned(transform: Any = lambda i, a: a) -> Returned:
    return Returned({c.name: transform(i, c.expected.copy()) for i, c in enumerate(CASES)}, {})


def test_reference_outputs_score_full() -> None:
    result = score(POOL, _returned(), Context())
    assert result.points == 6.0 and result.feedback.startswith(f"{len(CASES)}/{len(CASES)}")


def test_blank_scores_zero_with_reasons() -> None:
    problems = {c.name: "NotImplementedError: write this function" for c in CASES}
    result = score(POOL, Returned({}, problems), Context())
    assert result.points == 0.0 and "NotImplementedError" in result.feedback


def test_near_miss_in_one_case_is_partial() -> None:
    def nudge(index: int, array: np.ndarray) -> np.ndarray:
        if index == 0:
            array.flat[0] += 0.5
        return array
    result = score(POOL, _returned(nudge), Context())
    assert result.points == round(6.0 * (len(CASES) - 1) / len(CASES), 6)
    assert "case0" in result.feedback and "max abs error" in result.feedback


def test_unparseable_results_get_feedback_not_exceptions() -> None:
    result = score(POOL, _returned(lambda i, a: "text" if i else a[..., :1]), Context())
    assert result.points == 0.0 and "wrong shape" in result.feedback


def test_check_array_messages() -> None:
    expected = np.ones((2, 2))
    assert check_array(np.ones((2, 2)), expected) is None
    assert "shape" in str(check_array(np.ones(3), expected))
    assert "NaN" in str(check_array(np.full((2, 2), np.nan), expected))
    assert "expected a float array" in str(check_array({"a": 1}, expected))


@pytest.mark.parametrize("kind", CODE_KINDS)
def test_cases_are_seeded_edge_cases_included_and_both_references_agree(kind: str) -> None:
    def variant(seed: int) -> Variant:
        return Variant("q", kind, 0, {}, None, 1.0, entry_point=exercise(kind).entry_point,
                       hidden_tests={"exercise": kind, "seed": seed, "cases": []})
    first, again, other = hidden_cases(variant(11)), hidden_cases(variant(11)), hidden_cases(variant(12))
    assert len(first) == len(exercise(kind).edge_cases) > 0
    assert all(np.array_equal(a.args[0], b.args[0]) for a, b in zip(first, again))
    assert not np.array_equal(first[0].args[0], other[0].args[0]), "another student gets other inputs"
    for case in first:
        assert case.expected_torch is not None
        np.testing.assert_allclose(case.expected, case.expected_torch, rtol=1e-5, atol=1e-6)


def test_edge_cases_cover_stride_padding_shapes_batches_and_overlap() -> None:
    conv = exercise("code_conv2d").edge_cases
    assert any(c["stride"] > 1 for c in conv) and any(c["padding"] > 0 for c in conv)
    assert any(c["x_shape"][2] != c["x_shape"][3] for c in conv) and any(c["x_shape"][1] > 1 for c in conv)
    assert any(c["x_shape"][0] > 1 for c in conv)
    pool = exercise("code_max_pool2d").edge_cases
    assert any(c["stride"] is not None and c["stride"] < c["kernel_size"] for c in pool), "overlapping windows"


def test_recorded_call_matches_the_exercise_signature() -> None:
    conv = Variant("q", "code_conv2d", 0, {}, None, 1.0, entry_point="conv2d_forward",
                   hidden_tests={"exercise": "code_conv2d", "seed": 1, "cases": []})
    case = hidden_cases(conv)[0]
    assert len(case.args) == 3 and case.kwargs == {"stride": 2, "padding": 0}
    args, kwargs = recorded_call(exercise("code_max_pool2d").call, {"kernel_size": 2, "stride": None},
                                 {"x": np.zeros((1, 1, 2, 2))})
    assert args[1] == 2 and kwargs == {"stride": None}


LENET = Variant("net", "code_lenet5", 0, {"input_size": 32, "num_classes": 10, "style": "classic"}, None, 4.0,
                entry_point="LeNet5")


def _summary(children: list[tuple[int, ...]], params: int = 61706, out: tuple[int, ...] = (10,)) -> dict:
    return {"params": params, "output_shape": [2, *out],
            "children": [{"name": f"c{i}", "output_shape": [2, *s]} for i, s in enumerate(children)]}


def test_lenet_with_flat_layers_or_containers_scores_full() -> None:
    flat = [(6, 28, 28), (6, 28, 28), (6, 14, 14), (16, 10, 10), (16, 10, 10), (16, 5, 5), (120,), (84,), (10,)]
    for children in (flat, [(16, 5, 5), (10,)]):
        assert score_architecture(LENET, 4.0, _summary(children), None).points == 4.0
        assert score(LENET, Returned({"summary": _summary(children)}, {}), Context()).points == 4.0


def test_lenet_wrong_channels_and_count_is_partial_or_zero() -> None:
    wrong = [(6, 28, 28), (6, 14, 14), (32, 10, 10), (32, 5, 5), (120,), (84,), (10,)]
    result = score_architecture(LENET, 4.0, _summary(wrong, params=110000), None)
    assert 0 < result.points < 2.0 and "expected 61,706" in result.feedback and "(32, 10, 10)" in result.feedback
    blank = score(LENET, Returned({}, {"summary": "NameError: LeNet5 is not defined"}), Context())
    assert blank.points == 0.0 and "NameError" in blank.feedback
    assert score_architecture(LENET, 4.0, _summary([], out=(7,)), None).points == 2.0


def test_fit_in_order() -> None:
    assert fit_in_order([(1,), (3,)], [(1,), (2,), (3,)]) == 2
    assert fit_in_order([(3,), (1,)], [(1,), (2,), (3,)]) == 1


def test_every_code_kind_declares_its_request_and_score() -> None:
    for name in (*CODE_KINDS, "code_lenet5"):
        assert callable(KINDS[name].request) and callable(KINDS[name].score)


@pytest.mark.parametrize(("size", "style"), [(28, "classic"), (32, "modern")])
def test_worked_lenet_measured_in_torch_matches_the_reference_summary(size: int, style: str) -> None:
    """The self-test scores the summary read off the layer table (no torch); the worked solution, measured by the
    sandbox's probe, has the same parameter count, output and layer shapes, so it scores full marks too."""
    import torch

    from generator.probes import module_summary

    kind = KINDS["code_lenet5"]
    variant = Variant("net", "code_lenet5", 0, {"input_size": size, "num_classes": 10, "style": style}, None, 4.0,
                      entry_point="LeNet5")
    namespace: dict[str, Any] = {}
    exec(kind.solution_source(variant), namespace)  # noqa: S102 - our solution, run as in the notebook
    measured, reference = module_summary(torch, namespace["LeNet5"], (2, 1, size, size)), kind.reference_summary(
        variant.params)
    assert (measured["params"], measured["output_shape"]) == (reference["params"], reference["output_shape"])
    assert {tuple(c["output_shape"]) for c in measured["children"]} == {
        tuple(c["output_shape"]) for c in reference["children"] if c["params"] or "pool" in c["name"]}
    assert score_architecture(variant, 4.0, measured, None).points == 4.0
    assert score_architecture(variant, 4.0, reference, None).points == 4.0
