"""The Moodle XML, parsed back: a category per question, every variant, and the key's answer marked correct."""

from __future__ import annotations

from lxml import etree

from generator.lms import moodle
from generator.lms import variants as shared
from generator.lms.variants import Quiz
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
                typed = {box.column: _correct(blank, variant.tolerance)
                         for box, blank in zip(found, blanks(question.findtext("questiontext/text")), strict=True)}
            assert rebuilt(variant, typed) == variant.answer, variant.qid
    assert seen == {"numerical", "multichoice", "cloze"}


def _correct(blank: Blank, tolerance: float) -> str:
    """The one full-marks answer of an embedded cloze part, checking a number's tolerance."""
    correct = [a.answer for a in blank.alternatives if a.fraction == 1]
    assert len(correct) == 1 and blank.weight == 1
    if blank.kind == "NUMERICAL":
        value, margin = correct[0].split(":")
        assert float(margin) == tolerance
        return value
    return correct[0]


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
