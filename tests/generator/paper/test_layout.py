"""Exams fit to print, checked from where Typst put things: every bundled template on paper, for several seeds and
both forms. A question's heading and its first answer box share a page; no page is over a third blank unless the
next question would not fit there; no formula or box overlaps another; no fraction prints as '(1)/(16)'; a
question taller than a page breaks only between its parts, the next page saying it is continued."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest

from generator.kinds import KINDS
from generator.notebook import Question
from generator.paper.packing import fill_pages
from generator.paper import boxes
from generator.spec import load_spec
from tests.generator.conftest import TEMPLATES, bundled
from tests.generator.paper.typeset_probe import (BODY, PAGE_BOTTOM, Placed, Typeset, all_templates_spec, collisions,
                                                 pages_text, placed, typeset)

SECRETS = (b"layout-secret-one-0123456789", b"layout-secret-two-0123456789", b"layout-secret-six-0123456789")


@pytest.fixture(scope="module")
def papers(tmp_path_factory: pytest.TempPathFactory) -> list[Typeset]:
    """Every bundled template, two forms for each of three course secrets."""
    folder = tmp_path_factory.mktemp("spec")

    def write(name: str, text: str) -> Path:
        (folder / name).write_text(text)
        return folder / name

    spec = load_spec(all_templates_spec(write, TEMPLATES))
    return [paper for secret in SECRETS for paper in typeset(spec, secret, 2)]


@pytest.fixture(scope="module")
def layouts(papers: list[Typeset]) -> list[tuple[str, list[Placed]]]:
    """(which document, its probes) for every exam and key."""
    return [(f"{p.paper.who} {kind}", placed(document)) for p in papers
            for kind, document in (("exam", p.exam), ("key", p.key))]


def test_every_template_is_asked(papers: list[Typeset]) -> None:
    asked = {q.variant.qid for p in papers for q in p.paper.sheet.questions}
    assert len(asked) >= 25 and {"filter-identify", "lenet-table", "code-conv2d", "conv1d"} <= asked


def test_each_heading_shares_a_page_with_its_first_answer_box(layouts: list[tuple[str, list[Placed]]]) -> None:
    for name, probes in layouts:
        heads = {p.question: p for p in probes if p.kind == "head"}
        first = {}
        for probe in probes:
            if probe.kind == "field":
                first.setdefault(probe.question, probe)
        assert heads and set(heads) == set(first), name
        for question, head in heads.items():
            assert head.page == first[question].page, f"{name}: question {question}"


def test_nothing_runs_off_the_bottom_of_a_page(layouts: list[tuple[str, list[Placed]]]) -> None:
    for name, probes in layouts:
        below = [p for p in probes if p.kind in ("field", "end") and p.bottom > PAGE_BOTTOM + 0.5]
        assert not below, f"{name}: {below[0]}"


def test_no_page_over_a_third_blank_unless_no_later_question_would_fit(
        layouts: list[tuple[str, list[Placed]]]) -> None:
    for name, probes in layouts:
        if name.endswith("key"):
            continue  # a key's worked solutions flow freely after each question's boxes
        heads = {p.question: p for p in probes if p.kind == "head"}
        ends = {p.question: p for p in probes if p.kind == "end"}
        firsts = {}
        for probe in probes:
            if probe.kind == "field":
                firsts.setdefault(probe.question, probe)
        gap = max(heads[q + 1].top - end.bottom for q, end in ends.items()  # between questions on one page
                  if q + 1 in heads and heads[q + 1].page == end.page)
        # what each question needs on a page: all of it, or its first part when it is taller than a page
        needs = {q: (ends[q] if ends[q].page == head.page else firsts[q]).bottom - head.top for q, head in heads.items()}
        last_on_page = {end.page: end for end in ends.values()}
        for page, end in last_on_page.items():
            blank = PAGE_BOTTOM - end.bottom
            later = [q for q, head in heads.items() if head.page > page]
            if blank <= BODY / 3 or not later:
                continue
            fitting = [q for q in later if gap + needs[q] <= blank]
            assert not fitting, f"{name}: page {page} is {blank / BODY:.0%} blank, yet question {fitting[0]} fits"


def test_pages_are_filled_first_fit_in_the_sheets_order() -> None:
    questions = [Question(n, replace(KINDS["concept"].generate(bundled("concept-locality"), n), qid=qid),
                          KINDS["concept"]) for n, qid in enumerate("abcde", start=1)]
    heights = {"a": 400.0, "b": 400.0, "c": 200.0, "d": float("inf"), "e": 50.0}
    order = [q.variant.qid for q in fill_pages(questions, heights, gap=10.0)]
    assert order == ["a", "c", "e", "b", "d"]  # c and e fill a's page; the taller-than-a-page d comes alone
    assert [q.variant.qid for q in fill_pages(questions, {}, gap=10.0)] == list("abcde")  # unmeasured: one a page
    tall_first = {"a": float("inf"), "b": 600.0, "c": 300.0, "d": 200.0, "e": 50.0}
    order = [q.variant.qid for q in fill_pages(questions, tall_first, gap=10.0, tails={"a": 300.0})]
    assert order == ["a", "c", "e", "b", "d"]  # a's last page holds its 300-point tail, then c and e


def test_no_formula_or_answer_box_overlaps_another(layouts: list[tuple[str, list[Placed]]]) -> None:
    for name, probes in layouts:
        assert not collisions(probes), name


def test_the_overlap_check_sees_the_old_option_list(write_yaml: Callable[[str, str], Path],
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """The filter options as a list with inline matrices (the notebook's text) collide: the check must say so."""
    monkeypatch.delattr(KINDS["named_filter"], "render_for")
    spec = load_spec(write_yaml("one.yaml", f"id: one\ntitle: One\ntemplates: {TEMPLATES}\n"
                                            "questions: [filter-identify]\n"))
    found = collisions(placed(typeset(spec, SECRETS[0], 1)[0].exam))
    assert len(found) == 5 and all("too tall to set inline" in line for line in found)  # each option's kernel


def test_fractions_are_never_printed_with_parentheses(papers: list[Typeset]) -> None:
    for paper in papers[:2]:
        for document in (paper.exam, paper.key):
            text = "\n".join(pages_text(document))
            assert ")/(" not in text and "(1)/" not in text
            assert "Question" in text


def test_filter_options_are_a_table_of_display_matrices() -> None:
    template = bundled("filter-identify")
    variant = KINDS[template.kind].generate(template, 4)
    text = KINDS[template.kind].render_for(variant, "paper")
    table = text[text.index("| A |"):]
    assert table.count("$$") == 2 * 5 and "\n|---|---|---|---|---|\n" in table
    assert KINDS[template.kind].render_for(variant, "lms") == KINDS[template.kind].render(variant)


def test_a_question_taller_than_a_page_breaks_between_its_parts(write_yaml: Callable[[str, str], Path],
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(boxes, "CODE_LINES", 72)  # the code question's ruled lines now fill more than a page
    spec = load_spec(write_yaml("code.yaml", f"id: code\ntitle: Code\ntemplates: {TEMPLATES}\n"
                                             "questions: [conv-params, code-conv2d, conv1d]\n"))
    exam = typeset(spec, SECRETS[0], 1)[0]
    number = next(q.number for q in exam.paper.sheet.questions if q.variant.qid == "code-conv2d")
    probes = placed(exam.exam)
    fields = [p for p in probes if p.kind == "field" and p.question == number]
    head = next(p for p in probes if p.kind == "head" and p.question == number)
    assert head.page == fields[0].page and fields[-1].page > head.page
    assert all(p.bottom <= PAGE_BOTTOM + 1 for p in fields)  # each part whole on its page
    texts = pages_text(exam.exam)
    assert f"Question {number} (continued)" in texts[fields[-1].page - 1]
    assert "(continued)" not in texts[head.page - 1]
