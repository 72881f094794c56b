"""On paper and in an LMS quiz the boxes are the answer's form: the Python form a notebook prompt asks for ("as a list
of rows", "as a NumPy array"), in the bundled templates' words or an instructor's own, is left out there."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from generator.kinds import CODE_KINDS, KINDS
from generator.media import prompt_for, without_notebook_wording
from generator.templates import load_template, template_files
from tests.generator.conftest import TEMPLATES

ANSWERED = [path for path in template_files(TEMPLATES) if load_template(path).kind not in CODE_KINDS]  # code: no boxes
NOTEBOOK_FORM = re.compile(r"(?i)list of rows|\bas an? (\$[^$]*\$ )?(python |numpy |nested )?(list|array)\b")


@pytest.mark.parametrize("notebook, paper", [
    ("Give the pooled output as a list of rows.", "Give the pooled output."),
    ("Give the output as a list of rows (to 2 decimal places where needed).",
     "Give the output (to 2 decimal places where needed)."),
    ("Give the output $y$ as a list.", "Give the output $y$."),
    ("Give the output $y'$ of the convolution on the shifted input, as a list. Use what you know.",
     "Give the output $y'$ of the convolution on the shifted input. Use what you know."),
    (r"1. Give the probabilities of window (1, 1), as a $2 \times 2$ list of rows laid out like the window.",
     "1. Give the probabilities of window (1, 1), laid out like the window."),
    ("Write the result as a NumPy array or a list.", "Write the result."),
    ("What is the output (a list of rows)?", "What is the output?"),
    ("Compute the feature map. Give it as a list of rows.", "Compute the feature map."),
    ("Treat the image as a list of pixels.", "Treat the image as a list of pixels."),  # not a request for an answer
])
def test_an_instructors_wording_of_the_answer_form_is_left_out(notebook: str, paper: str) -> None:
    assert without_notebook_wording(notebook) == paper


@pytest.mark.parametrize("path", ANSWERED, ids=lambda path: path.stem)
def test_no_bundled_prompt_asks_for_a_python_form_on_paper_or_in_a_quiz(path: Path) -> None:
    template = load_template(path)
    for seed in range(5):
        variant = KINDS[template.kind].generate(template, seed)
        for medium in ("paper", "lms"):
            found = NOTEBOOK_FORM.search(prompt_for(variant, medium))
            assert found is None, f"{medium}: {found.group(0) if found else ''}"


def test_the_notebook_keeps_its_wording() -> None:
    template = load_template(TEMPLATES / "pooling.yaml")
    variant = KINDS[template.kind].generate(template, 0)
    assert "Give the output as a list of rows" in prompt_for(variant, "notebook")
    assert "Give the output." in prompt_for(variant, "paper") or "Give the output (" in prompt_for(variant, "paper")
