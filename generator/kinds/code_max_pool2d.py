"""Coding exercise: max pooling forward in NumPy, overlapping windows included; graded against solutions.numpy_ref."""

from __future__ import annotations

from generator.kinds._code import (FORMULAS, NO_MISCONCEPTIONS, answer_stub, check_template, checks_source, explain,
                                   generate, grade, model_submission, near_miss, render, render_for, request, rubric,
                                   score, solution_source)
from generator.kinds._pool import pool_exercise

FORMATS = ("code",)
REQUIRED: tuple[str, ...] = ()
OPTIONAL_PARAMS = ("n_cases",)  # read when the template has them
EXTRA_KEYS: dict[str, bool] = {}
EXERCISE = pool_exercise("max")
__all__ = ["FORMULAS", "answer_stub", "check_template", "checks_source", "explain", "generate", "grade",
           "model_submission", "near_miss", "render", "render_for", "request", "rubric", "score", "solution_source"]
