"""The Moodle XML, parsed back: a category per question, every variant, and the key's answer marked correct."""

from __future__ import annotations

import pytest
from lxml import etree

from generator.lms import moodle
from generator.lms import variants as shared
from generator.lms.variants import Quiz
from generator.model import Variant
from tests.generator.lms.cloze import Blank, blanks
from tests.generator.lms.conftest import rebuilt


def parsed(quiz: Quiz) -> list[etree._Element]:
    """The file's <question> elements, after a round trip through bytes."""
    return etree.fromstring(moodle.quiz_xml(quiz)).findall("question")


def test_a_category_then_its_variants_for_every_question(quiz: Quiz) -> None:
    questions = parsed(quiz)
    categories = [q.findtext("category/text") for q in questions if q.get("type") == "category"]
    assert categories == [f"$course$/top/{quiz.spec.title}/{bank.qid}" for bank in quiz.banks]
    assert len(questions) == len(quiz.banks) + sum(len(bank.variants) for bank in quiz.banks)
    ids = [q.findtext("idnumber") for q in questions if q.get("type") != "category"]
    assert ids == [shared.ident(v.qid, v.seed) for bank in quiz.banks for v in bank.variants]


def test_every_variants_correct_answers_are_the_keys(quiz: Quiz) -> None:
    questions = iter(q for q in parsed(quiz) if q.get("type") != "category")
    seen = set()
    for bank in quiz.banks:
        for variant in bank.variants:
            question = next(questions)
            kind, _, found = shared.shape(variant)
            seen.add(question.get("type"))
            if kind == "number":
                assert question.get("type") == "numerical"
                correct = [a for a in question.findall("answer") if a.get("fraction") == "100"]
                assert len(correct) == 1 and float(correct[0].findtext("tolerance")) == variant.tolerance
                typed = {found[0].column: correct[0].findtext("text")}
                assert question.findtext("defaultgrade") == shared.number(variant.points)
            elif kind == "choice":
                assert question.get("type") == "multichoice" and question.findtext("shuffleanswers") == "0"
                fractions = [a.get("fraction") for a in question.findall("answer")]
                assert len(fractions) == len(found[0].options) and fractions.count("100") == 1
                typed = {found[0].column: "ABCDEFGHIJ"[fractions.index("100")]}
            else:
                assert question.get("type") == "cloze"
                read = blanks(question.findtext("questiontext/text"))
                typed = {box.column: _correct(blank, variant.tolerance) for box, blank in zip(found, read, strict=True)}
                _check_mark(variant, [blank.weight for blank in read], question.findtext("defaultgrade"))
            assert rebuilt(variant, typed) == variant.answer, variant.qid
    assert seen == {"numerical", "multichoice", "cloze"}


def _correct(blank: Blank, tolerance: float) -> str:
    """The one full-marks answer of an embedded cloze part, checking a number's tolerance."""
    correct = [a.answer for a in blank.alternatives if a.fraction == 1]
    assert len(correct) == 1 and blank.weight >= 1  # a weight of 0 would make the blank count for nothing
    if blank.kind == "NUMERICAL":
        value, margin = correct[0].split(":")
        assert float(margin) == tolerance
        return value
    return correct[0]


def _check_mark(variant: Variant, weights: list[int], defaultgrade: str) -> None:
    """Moodle's mark for a cloze (the sum of its blanks' weights) is the spec's points wherever whole weights of at
    least 1 can sum to them; elsewhere every blank weighs 1, the same share each as `cnnlab grade` gives."""
    assert float(defaultgrade) == sum(weights)  # what Moodle computes, never a different number
    if variant.points.is_integer() and len(weights) <= variant.points:
        assert sum(weights) == variant.points and max(weights) - min(weights) <= 1
    else:
        assert weights == [1] * len(weights)


def test_cloze_marks_are_the_specs_points_where_moodle_can_hold_them(quiz: Quiz) -> None:
    """Read back with Moodle's regexes: conv-params (3 points, 3 blanks) and dense-vs-conv are worth their points;
    lenet-table (6 points, 23 blanks) cannot be, and its category says which slot mark to set."""
    questions = parsed(quiz)
    marks = {}
    for question in questions:
        if question.get("type") == "cloze":
            qid = question.findtext("name/text").split(" #")[0]
            marks.setdefault(qid, set()).add(sum(b.weight for b in blanks(question.findtext("questiontext/text"))))
    points = {bank.qid: bank.points for bank in quiz.banks}
    assert marks["conv-params"] == {3} and marks["dense-vs-conv"] == {2} and marks["output-size"] == {3}
    assert marks["lenet-table"] == {23} != {points["lenet-table"]}
    infos = {q.findtext("category/text").rsplit("/", 1)[1]: q.findtext("info/text")
             for q in questions if q.get("type") == "category"}
    assert "give its quiz slot the maximum mark 6" in infos["lenet-table"] and "23 here" in infos["lenet-table"]
    assert "Worth" not in infos["conv-params"] and "Worth" not in infos["receptive-field"]


def test_blank_weights_share_the_points_in_whole_numbers() -> None:
    assert moodle.blank_weights(6, 3) == (2, 2, 2) and moodle.blank_weights(3, 2) == (2, 1)
    assert moodle.blank_weights(4, 4) == (1, 1, 1, 1) and moodle.blank_weights(7, 3) == (3, 2, 2)
    assert moodle.blank_weights(6, 23) == (1,) * 23 and moodle.blank_weights(2.5, 2) == (1, 1)
    with pytest.raises(ValueError, match="at least one blank"):
        moodle.blank_weights(3, 0)


def test_math_and_labels_are_html_for_mathjax(quiz: Quiz) -> None:
    texts = [q.findtext("questiontext/text") for q in parsed(quiz) if q.get("type") != "category"]
    assert all("$" not in text for text in texts)
    assert any(r"\(" in text for text in texts) and any(r"\[" in text for text in texts)
    table = next(text for text in texts if "<th>output shape</th>" in text)  # the LeNet table, labels escaped
    assert "<td>conv1</td>" in table and table.count("{1:NUMERICAL:") > 10


def test_every_question_carries_its_worked_solution_as_feedback(quiz: Quiz) -> None:
    """Moodle shows general feedback after the attempt: the kind's worked solution, math for MathJax, no `$`."""
    root = etree.fromstring(moodle.quiz_xml(quiz))
    feedback = [q.findtext("generalfeedback/text") or "" for q in root.iter("question") if q.get("type") != "category"]
    assert feedback and all(text.startswith("<") and "$" not in text for text in feedback)
    assert sum("\\(" in text for text in feedback) > len(feedback) // 2
