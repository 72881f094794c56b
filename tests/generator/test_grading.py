"""Generic grading: leaves compared with tolerance, lenient input forms, partial credit, never raising."""

from __future__ import annotations

import numpy as np
import pytest

from generator.grading import grade_leaves
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
