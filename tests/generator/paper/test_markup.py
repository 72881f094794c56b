"""Question Markdown -> Typst markup: structure from markdown-it's tokens, every prompt of every kind compiles."""

from __future__ import annotations

import re

import pytest
import typst

from generator.kinds import KINDS
from generator.media import explain_for, prompt_for
from generator.paper.markup import escape, to_typst
from generator.spec import load_spec
from tests.generator.conftest import SPEC


def test_structure() -> None:
    text = ("Intro with **bold**, *em* and `code`.\n\n1. first\n2. second\n\n- **A.** option\n\n"
            "| a | b |\n|---|---|\n| 1 | 2 |\n\n```python\ndef f(x):\n    return x\n```")
    typst_markup = to_typst([text])[0]
    assert "*bold*" in typst_markup and "_em_" in typst_markup and "`code`" in typst_markup
    assert "1. first\n2. second" in typst_markup and "- *A.* option" in typst_markup
    assert "#table(columns: 2" in typst_markup and "```python\ndef f(x):\n    return x\n```" in typst_markup
    typst.compile(typst_markup.encode(), ignore_system_fonts=True)


def test_escape_keeps_typst_syntax_out_of_text() -> None:
    hostile = "#let x = 1 $y$ @ref <label> // comment [bracket] * _ ~ \\"
    compiled = typst.compile(escape(hostile).encode(), ignore_system_fonts=True, timestamp=0)
    assert compiled.startswith(b"%PDF")


@pytest.mark.parametrize("seed", [0, 1])
def test_every_template_prompt_and_solution_compiles_with_no_latex_left(seed: int) -> None:
    """Every template of the bundled spec, on paper: converted, compiled by Typst, no backslash command or $ left."""
    spec = load_spec(SPEC)
    texts = []
    for template in spec.templates.values():
        variant = KINDS[template.kind].generate(template, seed)
        texts += [prompt_for(variant, "paper"), explain_for(variant, "paper")]
    for source, converted in zip(texts, to_typst(texts)):
        typst.compile(converted.encode(), ignore_system_fonts=True)
        outside_math_and_code = re.sub(r"\$[^$]*\$|```.*?```|`[^`]*`", "", converted, flags=re.DOTALL)
        assert not re.search(r"(?<!\\)\\[a-zA-Z]{2,}", outside_math_and_code), source
