"""No giveaways on paper: the formulas a notebook adds as hints stay off paper unless the spec asks for hints; a
code question's docstring drops a formula another question of the same exam asks for; a spec may add one page of
the lecture's formulas, the same on every form; the bundled midterm prints no formula for what it asks."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from generator.kinds import KINDS
from generator.media import asked_on, paper_prompt, prompt_for
from generator.paper.formulas import FORMULAS
from generator.seeds import read_secret
from generator.spec import load_spec
from tests.generator.conftest import ASSIGNMENTS, TEMPLATES, bundled
from tests.generator.paper.typeset_probe import pages_text, typeset

EXAM = ASSIGNMENTS / "cnn-exam.yaml"
SECRET = read_secret(ASSIGNMENTS / "demo.secret")
ASKED_FORMULAS = ("⌊", "H_out = (", "// stride + 1")  # the output-size rules, as a PDF's text holds them


@pytest.mark.parametrize("template_id", ["output-size", "pool-output-size", "homework", "conv1d"])
def test_hints_stay_off_paper_unless_the_spec_asks(template_id: str) -> None:
    template = bundled(template_id)
    kind = KINDS[template.kind]
    variant = kind.generate(template, 3)
    assert kind.HINT in prompt_for(variant, "notebook") and kind.HINT in prompt_for(variant, "lms")
    plain = paper_prompt(variant, frozenset(), hints=False)
    assert kind.HINT not in plain and kind.PAPER_NOTE in plain and "\\lfloor" not in plain
    assert kind.HINT in paper_prompt(variant, frozenset(), hints=True)


@pytest.mark.parametrize("template_id", ["code-conv2d", "code-maxpool", "code-avgpool", "code-maxpool-backward"])
def test_a_docstring_drops_the_formula_another_question_asks_for(template_id: str) -> None:
    code = bundled(template_id)
    variant = KINDS[code.kind].generate(code, 1)
    alone = paper_prompt(variant, frozenset(), hints=False)
    assert "H_out = (H" in alone  # nothing else asks for an output size: the contract keeps its rule
    asked = asked_on([variant, KINDS["output_size"].generate(bundled("output-size"), 1)])[variant.qid]
    assert asked == {"output size"}
    printed = paper_prompt(variant, asked, hints=False)
    assert "H_out = (" not in printed and "(same for W)" not in printed
    assert "H_out, W_out)" in printed and f"def {variant.entry_point}(" in printed  # the rest of the contract stays


def test_what_each_kind_asks() -> None:
    filters = {fmt: KINDS["named_filter"].generate(bundled(name), 2)
               for fmt, name in (("matrix", "filter-compute"), ("choice", "filter-identify"))}
    asked = asked_on(list(filters.values()))
    assert asked[filters["choice"].qid] == {"output size"} and asked[filters["matrix"].qid] == set()
    assert KINDS["layer_table"].ASKS == ("output size", "parameter count")


def test_the_bundled_midterm_prints_no_formula_for_what_it_asks() -> None:
    spec = load_spec(EXAM)
    for paper in typeset(spec, SECRET, 2):
        text = re.sub(r"\s+", "", "\n".join(pages_text(paper.exam)))
        for formula in ASKED_FORMULAS:
            assert re.sub(r"\s+", "", formula) not in text, (paper.paper.who, formula)


def test_a_spec_that_asks_for_hints_gets_them_on_paper(write_yaml: Callable[[str, str], Path]) -> None:
    spec_text = (f"id: hints\ntitle: Hints\ntemplates: {TEMPLATES}\nquestions: [output-size, code-conv2d]\n"
                 "exam: {{hints: {}}}\n")
    texts = {}
    for hints in ("true", "false"):
        paper = typeset(load_spec(write_yaml(f"{hints}.yaml", spec_text.format(hints))), SECRET, 1)[0]
        texts[hints] = re.sub(r"\s+", "", "\n".join(pages_text(paper.exam)))
    assert "⌊" in texts["true"] and "⌊" not in texts["false"]
    assert "H_out=(" not in texts["true"]  # hints are the notebook's; a formula another question asks stays out


def test_a_formula_sheet_is_one_page_the_same_on_every_form(write_yaml: Callable[[str, str], Path]) -> None:
    spec_text = (f"id: sheet\ntitle: With formulas\ntemplates: {TEMPLATES}\n"
                 "questions: [conv-params, output-size, conv1d]\nexam: {{formula_sheet: {}}}\n")
    with_sheet = typeset(load_spec(write_yaml("with.yaml", spec_text.format("true"))), SECRET, 2)
    without = typeset(load_spec(write_yaml("without.yaml", spec_text.format("false"))), SECRET, 2)
    sheets = []
    for paper, plain in zip(with_sheet, without):
        pages, plain_pages = pages_text(paper.exam), pages_text(plain.exam)
        assert len(pages) == len(plain_pages) + 1
        assert "Formulas" in pages[1] and "Gaussian blur" in pages[1] and "Question 1" not in pages[1]
        assert "Formulas" not in "".join(plain_pages)
        sheets.append(re.sub(r"Form [AB]|Page \d+ of \d+", "", pages[1]))
    assert sheets[0] == sheets[1]
    assert "W_{out}" in FORMULAS and "\\frac{1}{16}" in FORMULAS
