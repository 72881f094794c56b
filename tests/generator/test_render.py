"""Prompt filters: numbers, matrices, shapes and option letters as the lecture writes them."""

from __future__ import annotations

import jinja2
import pytest

from generator.render import compile_prompt, keep_line_ends, letter, matrix, number, shape, undeclared


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


@pytest.mark.parametrize("source, expected", [
    ("Windows {% if o %}overlap.{% endif %}\nGive the output.", "Windows overlap.\nGive the output."),
    ("Windows {% if not o %}never overlap.{% endif %}\nGive the output.", "Windows \nGive the output."),
    ("{{ a }}{% if a %}!{% endif %}\nnext", "1!\nnext"),
    ("Windows{# a note #}\nnext", "Windows\nnext"),
])
def test_a_line_ending_in_a_block_tag_keeps_its_newline(source: str, expected: str) -> None:
    assert compile_prompt(source).render(o=True, a=1) == expected


def test_a_line_of_block_tags_alone_still_vanishes() -> None:
    source = "first\n{% if o %}\nshown\n  {% endif %}\n{# a note #}\n{% if o %}{% endif %}\nlast"
    assert compile_prompt(source).render(o=True) == "first\nshown\nlast"
    assert compile_prompt(source).render(o=False) == "first\nlast"


def test_for_loops_keep_one_line_per_item() -> None:
    source = ("Layers:\n{% for k in sizes %}\n- conv {{ k }}x{{ k }}{% if k > 3 %}, wide{% endif %}\n{% endfor %}\n"
              "{% for k in sizes %}{{ k }}{% if not loop.last %}, {% endif %}{% endfor %}\nend")
    assert compile_prompt(source).render(sizes=[3, 5]) == "Layers:\n- conv 3x3\n- conv 5x5, wide\n3, 5\nend"


def test_keeping_newlines_leaves_line_numbers_and_explicit_markers_alone() -> None:
    source = "a {% if x %}b{% endif %}\n{% if x %}\nc {% if y -%}\n  d{% endif +%}\n"
    assert keep_line_ends(source) == "a {% if x %}b{% endif +%}\n{% if x %}\nc {% if y -%}\n  d{% endif +%}\n"
    with pytest.raises(jinja2.TemplateSyntaxError) as error:
        compile_prompt("line one {% if x %}\nline two\nline three {% endfor %}\n")
    assert error.value.lineno == 3
