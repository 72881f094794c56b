"""Code checkers: the reference scores full, a crash or a near miss loses that case, the architecture is partial."""

from typing import Any

import numpy as np

from grader.code_checks import check_array, fit_in_order, score_architecture, score_cases
from grader.hidden_tests import build_cases, with_edge_cases
from grader.plans import lenet5_expected
from grader.records import KeyQuestion

HIDDEN = with_edge_cases("code_max_pool2d", {"seed": 3, "cases": [{"x_shape": [2, 1, 6, 5], "kernel_size": 3,
                                                                     "stride": 2}]})
CASES = build_cases("code_max_pool2d", HIDDEN)
QUESTION = KeyQuestion("pool", "code_max_pool2d", 1, 6.0, {}, "solutions.numpy_ref.max_pool2d", "",
                       "max_pool2d_forward", HIDDEN, raw={"qid": "pool", "kind": "code_max_pool2d", "seed": 1,
                                                          "points": 6.0, "params": {}, "answer": None,
                                                          "entry_point": "max_pool2d_forward"})


def _results(transform: Any = lambda i, a: a) -> dict[str, Any]:
    return {f"pool/{c.name}": transform(i, c.expected.copy()) for i, c in enumerate(CASES)}


def test_reference_outputs_score_full() -> None:
    score = score_cases(QUESTION, HIDDEN, CASES, _results(), {})
    assert score.points == 6.0 and score.feedback.startswith(f"{len(CASES)}/{len(CASES)}")


def test_blank_scores_zero_with_reasons() -> None:
    problems = {f"pool/{c.name}": "NotImplementedError: write this function" for c in CASES}
    score = score_cases(QUESTION, HIDDEN, CASES, {}, problems)
    assert score.points == 0.0 and "NotImplementedError" in score.feedback


def test_near_miss_in_one_case_is_partial() -> None:
    def nudge(index: int, array: np.ndarray) -> np.ndarray:
        if index == 0:
            array.flat[0] += 0.5
        return array
    score = score_cases(QUESTION, HIDDEN, CASES, _results(nudge), {})
    assert score.points == round(6.0 * (len(CASES) - 1) / len(CASES), 6)
    assert "case0" in score.feedback and "max abs error" in score.feedback


def test_unparseable_results_get_feedback_not_exceptions() -> None:
    score = score_cases(QUESTION, HIDDEN, CASES, _results(lambda i, a: "text" if i else a[..., :1]), {})
    assert score.points == 0.0 and "wrong shape" in score.feedback


def test_check_array_messages() -> None:
    expected = np.ones((2, 2))
    assert check_array(np.ones((2, 2)), expected) is None
    assert "shape" in check_array(np.ones(3), expected)
    assert "NaN" in check_array(np.full((2, 2), np.nan), expected)
    assert "expected a float array" in check_array({"a": 1}, expected)


LENET = lenet5_expected({})


def _summary(children: list[tuple[int, ...]], params: int = 61706, out: tuple[int, ...] = (10,)) -> dict:
    return {"params": params, "output_shape": [2, *out],
            "children": [{"name": f"c{i}", "output_shape": [2, *s]} for i, s in enumerate(children)]}


def test_lenet_with_flat_layers_or_containers_scores_full() -> None:
    flat = [(6, 28, 28), (6, 28, 28), (6, 14, 14), (16, 10, 10), (16, 10, 10), (16, 5, 5), (120,), (84,), (10,)]
    for children in (flat, [(16, 5, 5), (10,)]):
        assert score_architecture("net", 4.0, _summary(children), None, LENET.params, LENET.shapes).points == 4.0


def test_lenet_wrong_channels_and_count_is_partial_or_zero() -> None:
    wrong = [(6, 28, 28), (6, 14, 14), (32, 10, 10), (32, 5, 5), (120,), (84,), (10,)]
    score = score_architecture("net", 4.0, _summary(wrong, params=110000), None, LENET.params, LENET.shapes)
    assert 0 < score.points < 2.0 and "expected 61,706" in score.feedback and "(32, 10, 10)" in score.feedback
    blank = score_architecture("net", 4.0, None, "NameError: LeNet5 is not defined", LENET.params, LENET.shapes)
    assert blank.points == 0.0 and "NameError" in blank.feedback
    assert score_architecture("net", 4.0, _summary([], out=(7,)), None, LENET.params, LENET.shapes).points == 2.0


def test_fit_in_order() -> None:
    assert fit_in_order([(1,), (3,)], [(1,), (2,), (3,)]) == 2
    assert fit_in_order([(3,), (1,)], [(1,), (2,), (3,)]) == 1
