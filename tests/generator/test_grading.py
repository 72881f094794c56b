"""Generic grading: leaves compared with tolerance, lenient input forms, partial credit, never raising."""

from __future__ import annotations

import numpy as np
import pytest

from generator.grading.score import grade_leaves
from generator.model import Variant


def variant(answer: object, answer_format: str = "number", tolerance: float = 0.0) -> Variant:
    return Variant("q", "k", 1, {}, answer, 4.0, answer_format=answer_format, tolerance=tolerance,
                   variable="answer_q")


@pytest.mark.parametrize("submitted", [669706, 669706.0, "669,706", np.int64(669706), [669706]])
def test_number_forms(submitted: object) -> None:
    assert grade_leaves(variant(669706), submitted).points == 4.0


@pytest.mark.parametrize("submitted", [669707, "a lot", True, float("nan"), {"x": 1}, [[1]], object()])
def test_wrong_numbers_score_zero(submitted: object) -> None:
    score = grade_leaves(variant(669706), submitted)
    assert score.points == 0 and "wrong" in score.feedback


def test_shape_partial_credit_and_text_form() -> None:
    v = variant([30, 30, 8], "shape")
    assert grade_leaves(v, "30x30x8").points == 4.0
    assert grade_leaves(v, (30, 30, 8)).points == 4.0
    assert grade_leaves(v, np.array([32, 32, 8])).points == pytest.approx(4 / 3)


def test_matrix_tolerance_and_wrong_shape() -> None:
    v = variant([[1.5, 2.0], [0.25, 4.0]], "matrix", tolerance=0.01)
    assert grade_leaves(v, np.array([[1.501, 2], [0.25, 4]])).points == 4.0
    score = grade_leaves(v, [[1.5, 2.0]])
    assert score.points == 2.0 and "expected a 2×2 matrix, got 1×2" in score.feedback


def test_choice_is_lenient_about_case_and_punctuation() -> None:
    v = variant("C", "choice")
    assert grade_leaves(v, " c) ").points == 4.0
    assert grade_leaves(v, "B").points == 0


def test_integers_are_exact_even_when_huge() -> None:
    assert grade_leaves(variant(10**12), 10**12 + 1).points == 0


def test_blank_scores_zero() -> None:
    score = grade_leaves(variant({"weights": 1, "biases": 2}, "numbers"), None)
    assert score.points == 0 and score.feedback == "no answer" and len(score.parts) == 2


def test_one_value_too_many_is_partial_and_says_so() -> None:
    """The rounding-up mistake: an extra trailing window is a wrong part, never full marks."""
    score = grade_leaves(variant([3, 1, 4, 1], "vector"), [3, 1, 4, 1, 5])
    assert score.points == pytest.approx(4 * 4 / 5)
    assert score.feedback == ("expected 4 values, got 5; 1 of 5 parts wrong: entry 5 (extra)\n"
                              "- entry 5 (extra): you gave 5. The answer has no such entry.")


def test_one_value_too_few_is_partial_and_says_so() -> None:
    score = grade_leaves(variant([3, 1, 4, 1], "vector"), [3, 1, 4])
    assert score.points == 3.0 and score.feedback.startswith("expected 4 values, got 3")


def test_matrix_with_an_extra_row_and_column_is_partial() -> None:
    score = grade_leaves(variant([[1, 2], [3, 4]], "matrix"), [[1, 2, 0], [3, 4, 0], [0, 0, 0]])
    assert score.points == pytest.approx(4 * 4 / 9) and score.feedback.startswith("expected a 2×2 matrix, got 3×3")


def test_a_four_tuple_for_a_three_tuple_shape_is_partial() -> None:
    score = grade_leaves(variant([30, 30, 8], "shape"), (30, 30, 8, 1))
    assert score.points == 3.0 and score.feedback.startswith("expected 3 values (H×W×C), got 4")


def test_extra_dict_keys_are_wrong_parts() -> None:
    score = grade_leaves(variant({"weights": 1, "biases": 2}, "numbers"), {"weights": 1, "biases": 2, "total": 3})
    assert score.points == pytest.approx(4 * 2 / 3) and "expected keys 'weights', 'biases'" in score.feedback


def test_a_flood_of_entries_scores_zero_without_itemising_it() -> None:
    score = grade_leaves(variant([1, 2, 3], "vector"), list(range(1, 100)))
    assert score.points == 0 and len(score.parts) == 3 and "more than 10 times" in score.feedback


@pytest.mark.parametrize("submitted", [[[1], [2], [3]], np.array([[1], [2], [3]]), [[1, 2, 3]], np.array([1, 2, 3]),
                                       ("1", "2", "3")])
def test_column_and_row_vectors_for_a_list(submitted: object) -> None:
    assert grade_leaves(variant([1, 2, 3], "vector"), submitted).points == 4.0


@pytest.mark.parametrize("submitted", ["87x87x64", "87 × 87 × 64", "87X87X64", "(87, 87, 64)", "[87, 87, 64]",
                                       "87*87*64", [87.0, 87, 64]])
def test_text_shapes(submitted: object) -> None:
    assert grade_leaves(variant([87, 87, 64], "shape"), submitted).points == 4.0


def test_a_shape_in_the_other_axis_order_earns_half_and_names_the_order() -> None:
    score = grade_leaves(variant([87, 87, 64], "shape"), (64, 87, 87))
    assert score.points == 2.0
    assert score.feedback == ("(64, 87, 87) looks like C×H×W; this question asks for H×W×C; "
                              "3 of 3 parts at half credit")
    assert grade_leaves(variant([87, 87, 64], "shape"), "64x87x87").points == 2.0


def test_a_transposed_matrix_earns_half_and_says_so() -> None:
    score = grade_leaves(variant([[1, 2, 3], [4, 5, 6]], "matrix"), [[1, 4], [2, 5], [3, 6]])
    assert score.points == 2.0 and score.feedback.startswith("looks transposed (rows and columns swapped)")
    square = grade_leaves(variant([[1, 2], [3, 4]], "matrix"), np.array([[1, 2], [3, 4]]).T)
    assert square.points == 2.0 and "looks transposed" in square.feedback


@pytest.mark.parametrize("stub", [None, (None, None, None), [None, None, None, None], "", "   ",
                                  {"weights": None, "biases": None}, {"rows": [(None, None)] * 3, "total": None}])
def test_untouched_stubs_are_no_answer(stub: object) -> None:
    for answer in ([30, 30, 8], {"weights": 1, "biases": 2}, 5):
        score = grade_leaves(variant(answer, "shape" if isinstance(answer, list) else "numbers"), stub)
        assert (score.points, score.feedback) == (0, "no answer")


@pytest.mark.parametrize("submitted", [(1, 2), [1, 2], np.array([1, 2])])
def test_a_tuple_in_the_key_order_for_a_dict(submitted: object) -> None:
    assert grade_leaves(variant({"weights": 1, "biases": 2}, "numbers"), submitted).points == 4.0


def test_a_tuple_of_the_wrong_length_for_a_dict_says_what_was_expected() -> None:
    score = grade_leaves(variant({"weights": 1, "biases": 2}, "numbers"), (1, 2, 3))
    assert score.points == 0
    assert score.feedback.startswith("expected a dict with keys 'weights', 'biases' (or a tuple in that order), "
                                     "got 3 values (1, 2, 3)")


def test_a_total_follows_through_from_the_student_own_counts() -> None:
    v = variant({"weights": 10, "biases": 2, "total": 12}, "numbers")
    score = grade_leaves(v, {"weights": 11, "biases": 2, "total": 13})
    assert score.points == pytest.approx(4 * 2 / 3) and "total: follow-through from your own counts" in score.feedback
    assert grade_leaves(v, {"weights": 11, "biases": 2, "total": 14}).points == pytest.approx(4 / 3)
    unrelated = variant({"dense_weights": 10, "conv_params": 2}, "numbers")
    assert grade_leaves(unrelated, {"dense_weights": 11, "conv_params": 2}).points == 2.0


@pytest.mark.parametrize("submitted", ["(C)", "Option C", "C.", "c. anything after the letter", "[C]", ["c"]])
def test_choice_letter_forms(submitted: object) -> None:
    assert grade_leaves(variant("C", "choice"), submitted).points == 4.0


def test_nested_too_deeply_never_raises() -> None:
    deep: list[object] = []
    for _ in range(5000):
        deep = [deep]
    score = grade_leaves(variant([1, 2, 3], "vector"), deep)
    assert score.points == 0 and "\n" not in score.feedback


@pytest.mark.parametrize("answer, answer_format", [("A", "choice"), ([30, 30, 8], "shape")])
@pytest.mark.parametrize("text", ["option" + " " * 20000 + "zz", "(" + " " * 20000 + "z", "1" + " 1" * 20000 + "x"])
def test_long_texts_are_read_in_linear_time(answer: object, answer_format: str, text: str) -> None:
    """The letter and shape patterns never backtrack on long runs of spaces (this would hang otherwise)."""
    assert grade_leaves(variant(answer, answer_format), text).points == 0
