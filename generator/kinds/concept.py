"""Concept questions: multiple choice, one correct statement among distractors, options shuffled per variant."""

from __future__ import annotations

from typing import Any

import numpy as np

from generator.kinds._common import (answer_stub, explain_answer, extra_error, grade, model_submission, near_miss,
                                     options_markdown, sample_variant, solution_source)
from generator.model import Template, Variant

FORMATS = ("choice",)
REQUIRED: tuple[str, ...] = ()
OPTIONAL_PARAMS = ("n_options",)  # read when the template has them
EXTRA_KEYS = {"correct": True, "distractors": True, "explanation": False}
NO_MISCONCEPTIONS = ("the options are the template's own statements, so the kind cannot know which distractor stands "
                     "for which mistake; the feedback shows the correct statement and the template's explanation")
__all__ = ["answer_stub", "grade", "model_submission", "near_miss", "solution_source"]


def check_template(template: Template) -> None:
    """`correct` and `distractors` are non-empty lists of statements; `explanation` is text."""
    for key in ("correct", "distractors"):
        statements = template.extra[key]
        if not isinstance(statements, list) or not statements or \
                not all(isinstance(s, str) and s.strip() for s in statements):
            raise extra_error(template, key, "must be a non-empty list of statements (text)")
    if not isinstance(template.extra.get("explanation", ""), str):
        raise extra_error(template, "explanation", "must be text")


def _compute(template: Template, params: dict[str, Any], rng: np.random.Generator) -> tuple[dict[str, Any], Any]:
    """One correct statement and n_options - 1 distractors, in a shuffled order."""
    correct, distractors = template.extra["correct"], template.extra["distractors"]
    n_options = params.get("n_options", min(4, len(distractors) + 1))
    if not 2 <= n_options <= min(len(distractors) + 1, 10):
        raise ValueError(f"n_options must be between 2 and {min(len(distractors) + 1, 10)} "
                         f"(one correct plus the distractors), got {n_options}")
    right = correct[int(rng.integers(len(correct)))]
    chosen = [distractors[i] for i in rng.choice(len(distractors), n_options - 1, replace=False)]
    options = [right, *chosen]
    options = [options[i] for i in rng.permutation(len(options))]
    drawn = {**params, "options": [s.strip() for s in options], "explanation": template.extra.get("explanation", "")}
    return drawn, "ABCDEFGHIJ"[options.index(right)]


def generate(template: Template, seed: int) -> Variant:
    """A shuffled set of options."""
    return sample_variant(template, seed, _compute)


def render(variant: Variant) -> str:
    """The question and its lettered options."""
    return f"{variant.prompt}\n\n{options_markdown(variant.params['options'])}"


def explain(variant: Variant) -> str:
    """The correct statement, and the template's explanation."""
    right = variant.params["options"]["ABCDEFGHIJ".index(variant.answer)]
    return f"Correct: **{variant.answer}.** {right}\n\n{variant.params['explanation']}\n\n" + \
        explain_answer(variant)
