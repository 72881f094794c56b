"""Prompt filters: numbers, matrices, shapes and option letters as the lecture writes them."""

from __future__ import annotations

import jinja2
import pytest

from generator.render import compile_prompt, letter, matrix, number, shape, undeclared


def test_number() -> None:
    assert (number(669706), number(2.5), number(3.0), number("x")) == ("669,706", "2.5", "3", "x")


def test_matrix_and_vector() -> None:
    assert matrix([[1, 0], [0.5, 2.0]]) == r"\begin{bmatrix} 1 & 0 \\ 0.5 & 2 \end{bmatrix}"
    assert matrix([1, 2, 3]) == r"\begin{bmatrix} 1 & 2 & 3 \end{bmatrix}"


def test_shape_and_letter() -> None:
    assert shape([3, 32, 32]) == r"3 \times 32 \times 32" and letter(2) == "C"


def test_prompts_are_strict_about_names() -> None:
    template = compile_prompt("{{ H | number }} and {{ missing }}")
    with pytest.raises(jinja2.UndefinedError):
        template.render(H=1000)
    assert undeclared("{{ H }} {% if P %}{{ S }}{% endif %}") == {"H", "P", "S"}
