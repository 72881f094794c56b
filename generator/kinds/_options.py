"""A multiple-choice part inside a structured answer: statements shuffled per variant, the letter graded leniently."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from generator.grading.read import LETTERS, rules_for
from generator.grading.score import grade_answer
from generator.kinds._common import options_markdown
from generator.model import Score, Variant


def shuffle_options(rng: np.random.Generator, correct: str, distractors: Sequence[str],
                    n_options: int = 4) -> tuple[list[str], str]:
    """The correct statement and n_options - 1 distractors in a shuffled order, and the correct one's letter."""
    chosen = [distractors[i] for i in rng.choice(len(distractors), n_options - 1, replace=False)]
    options = [correct, *chosen]
    options = [options[i] for i in rng.permutation(len(options))]
    return options, LETTERS[options.index(correct)]


def render(variant: Variant) -> str:
    """The prompt, then the lettered options (in params['options'])."""
    return f"{variant.prompt}\n\n{options_markdown(variant.params['options'])}"


def grade(variant: Variant, submitted: Any, **extra: Any) -> Score:
    """The answer rules, with the options known so that a letter part may also be given as '(B)' or the text."""
    return grade_answer(variant, submitted, rules_for(variant, options=tuple(variant.params["options"]), **extra))
