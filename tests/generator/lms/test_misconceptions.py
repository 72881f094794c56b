"""Misconceptions in the LMS exports, with planted ones so the values are known: Moodle's 0% answers with feedback
(a cloze blank's read back by Moodle's own parser, its weights unchanged), Canvas's option comments, and the
incorrect-answer comment where Canvas has no wrong answer to hang one on."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator

import pytest
from lxml import etree

from generator.kinds import KINDS
from generator.lms import moodle, qti
from generator.lms import variants as shared
from generator.lms.html import markdown_to_html
from generator.model import Misconception
from generator.spec import load_spec
from tests.generator.conftest import SPEC, bundled
from tests.generator.lms.cloze import Blank, blanks

TEMPLATES = ("receptive-field", "concept-sharing", "output-size", "same-padding")  # number, choice, parts x2
EXPLANATION = r"Braces } {, a hash #, a tilde ~, a slash /, quotes \" ', <b>no tag</b> & $x_{i}^{2}$, end \\"
NS = {"q": qti.QTI}


def _other_letter(letter: str) -> str:
    """A wrong letter among a question's options: the first of A to D that is not the key's."""
    return next(x for x in "ABCD" if x != letter)


PLANTED = {  # kind -> its planted misconceptions (replacing the kind's own, so the values are known here)
    "receptive_field": (Misconception("off by seven", EXPLANATION, lambda v: v.answer + 7),
                        Misconception("seven again", "Another way to get there.", lambda v: v.answer + 7),
                        Misconception("right anyway", "Gives the key: dropped.", lambda v: v.answer),
                        Misconception("not here", "Does not apply: dropped.", lambda v: None)),
    "concept": (Misconception("wrong statement", EXPLANATION, lambda v: _other_letter(v.answer)),),
    "output_size": (Misconception("one row too many", EXPLANATION,
                                  lambda v: [v.answer[0] + 1, v.answer[1] + 1, v.answer[2]]),),
    "same_padding": (Misconception("padding doubled", EXPLANATION,
                                   lambda v: {**v.answer, "P": 2 * v.answer["P"] + 1,
                                              "why": _other_letter(v.answer["why"])}),),
}


def _quiz() -> shared.Quiz:
    """The four templates' banks, two variants each."""
    banks = []
    for qid in TEMPLATES:
        template = bundled(qid)
        variants = tuple(KINDS[template.kind].generate(template, seed) for seed in (1, 2))
        banks.append(shared.Bank(qid, template.title, template.points, variants))
    return shared.Quiz(load_spec(SPEC), tuple(banks), ())


@pytest.fixture
def planted(monkeypatch: pytest.MonkeyPatch) -> Iterator[shared.Quiz]:
    """The quiz with the planted misconceptions in force."""
    for kind, misconceptions in PLANTED.items():
        monkeypatch.setattr(KINDS[kind], "MISCONCEPTIONS", misconceptions, raising=False)
    yield _quiz()


def _feedback(*names: str, explanation: str = EXPLANATION) -> str:
    """The HTML a student reads for a wrong value the named mistakes give."""
    return markdown_to_html("\n\n".join(f"**Common mistake: {name}.** {explanation}" for name in names))


def _questions(quiz: shared.Quiz) -> dict[str, list[etree._Element]]:
    """Each bank's <question>s, after a round trip through bytes."""
    found: dict[str, list[etree._Element]] = {}
    for question in etree.fromstring(moodle.quiz_xml(quiz)).iterfind("question"):
        if question.get("type") != "category":
            found.setdefault(question.findtext("name/text").split(" #")[0], []).append(question)
    return found


def test_moodle_numerical_gets_a_0_percent_answer_per_wrong_value_with_its_feedback(planted: shared.Quiz) -> None:
    bank = next(b for b in planted.banks if b.qid == "receptive-field")
    for variant, question in zip(bank.variants, _questions(planted)["receptive-field"], strict=True):
        answers = question.findall("answer")
        assert [(a.get("fraction"), a.findtext("text")) for a in answers] == \
            [("100", str(variant.answer)), ("0", str(variant.answer + 7))]  # one answer for both, none dropped ones
        assert answers[1].findtext("feedback/text") == \
            _feedback("off by seven") + "\n" + _feedback("seven again", explanation="Another way to get there.")
        assert answers[1].findtext("tolerance") == shared.number(variant.tolerance)
        assert answers[0].findtext("feedback/text") in (None, "")


def test_moodle_multichoice_comments_the_option_a_mistake_picks(planted: shared.Quiz) -> None:
    bank = next(b for b in planted.banks if b.qid == "concept-sharing")
    for variant, question in zip(bank.variants, _questions(planted)["concept-sharing"], strict=True):
        feedback = {"ABCD"[i]: a.findtext("feedback/text") or "" for i, a in enumerate(question.findall("answer"))}
        wrong = _other_letter(variant.answer)
        assert feedback.pop(wrong) == _feedback("wrong statement") and set(feedback.values()) == {""}


def test_moodle_cloze_blanks_read_back_with_feedback_and_the_same_weights(planted: shared.Quiz,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    with_mistakes = _questions(planted)
    for kind in PLANTED:
        monkeypatch.setattr(KINDS[kind], "MISCONCEPTIONS", (), raising=False)
    without = _questions(_quiz())
    for qid in ("output-size", "same-padding"):
        for question, plain in zip(with_mistakes[qid], without[qid], strict=True):
            read, before = blanks(question.findtext("questiontext/text")), blanks(plain.findtext("questiontext/text"))
            assert [b.weight for b in read] == [b.weight for b in before]  # the mark: unchanged
            assert [_right(b) for b in read] == [_right(b) for b in before]  # the key's answer, at 100%
            assert all(not a.feedback for b in before for a in b.alternatives)
            if qid == "output-size":  # H and W get the mistake's value, C (unchanged by it) nothing
                assert [len(b.alternatives) for b in read] == [2, 2, 1]
                h, w, _ = (int(b.alternatives[0].answer.split(":")[0]) for b in read)
                assert [b.alternatives[1].answer for b in read[:2]] == [f"{h + 1}:0", f"{w + 1}:0"]
            mistaken = [a for b in read for a in b.alternatives if a.feedback]
            assert len(mistaken) == 2 and all(a.fraction == 0 and a.feedback == _feedback(
                "one row too many" if qid == "output-size" else "padding doubled") for a in mistaken)
            if qid == "same-padding":  # P's blank gets the number, why's the letter the mistake picks
                assert [a.answer.split(":")[0] for a in mistaken] == [str(2 * int(_right(read[0]).split(":")[0]) + 1),
                                                                      _other_letter(_right(read[-1]))]


def _right(blank: Blank) -> str:
    """A blank's one full-marks answer."""
    (right,) = (a.answer for a in blank.alternatives if a.fraction == 1)
    return right


def test_moodle_cloze_escaping_survives_every_special_character() -> None:
    html = r"<p>a } b { c # d ~ e \ f / g &quot; h &amp; i \(x_{i}\) j \}</p>" + "\\"
    marker = f"{{1:NUMERICAL:=5:0~%0%6:0#{moodle.cloze_feedback(html)}~%0%7:0#second}}"
    (blank,) = blanks(f"<p>before {marker} after</p>")
    assert [(a.fraction, a.answer, a.feedback) for a in blank.alternatives] == \
        [(1.0, "5:0", ""), (0.0, "6:0", html), (0.0, "7:0", "second")]


def _items(quiz: shared.Quiz) -> dict[str, list[etree._Element]]:
    """Each bank's QTI items."""
    with zipfile.ZipFile(io.BytesIO(qti.package(quiz))) as archive:
        return {bank.qid: etree.fromstring(archive.read(qti.bank_path(bank))).findall("q:objectbank/q:item", NS)
                for bank in quiz.banks}


def _itemfeedback(item: etree._Element) -> dict[str, str]:
    """The item's feedback blocks: ident -> HTML."""
    return {f.get("ident"): f.findtext("q:flow_mat/q:material/q:mattext", namespaces=NS)
            for f in item.iterfind("q:itemfeedback", NS)}


def test_canvas_option_comment_is_shown_for_the_option_a_mistake_picks(planted: shared.Quiz) -> None:
    bank = next(b for b in planted.banks if b.qid == "concept-sharing")
    for variant, item in zip(bank.variants, _items(planted)["concept-sharing"], strict=True):
        wrong = f"{shared.ident(variant.qid, variant.seed)}_{_other_letter(variant.answer)}"
        comment = item.find("q:resprocessing/q:respcondition[@continue='Yes']", NS)
        assert comment.findtext("q:conditionvar/q:varequal", namespaces=NS) == wrong
        assert comment.find("q:displayfeedback", NS).get("linkrefid") == f"{wrong}_fb"
        assert comment.find("q:setvar", NS) is None  # a comment, not a score: the option stays at 0
        assert _itemfeedback(item) == {f"{wrong}_fb": _feedback("wrong statement")}


def test_canvas_numerical_and_blanks_get_the_mistakes_as_the_incorrect_comment(planted: shared.Quiz) -> None:
    items = _items(planted)
    for qid, name, conditions in (("receptive-field", "off by seven", 1), ("output-size", "one row too many", 3)):
        bank = next(b for b in planted.banks if b.qid == qid)
        for variant, item in zip(bank.variants, items[qid], strict=True):
            comment = _itemfeedback(item)["general_incorrect_fb"]
            assert f"Common mistake: {name}</strong> (it gives" in comment
            if qid == "receptive-field":
                assert f"(it gives {variant.answer + 7})" in comment and "seven again" in comment
                assert "right anyway" not in comment and "not here" not in comment
            else:
                assert f"(it gives H = {variant.answer[0] + 1}; W = {variant.answer[1] + 1})" in comment
            shown = item.find("q:resprocessing/q:respcondition[q:displayfeedback]", NS)
            assert shown.get("continue") == "Yes"
            scoring = item.findall("q:resprocessing/q:respcondition[q:setvar]", NS)
            assert len(scoring) == conditions  # the scoring conditions are the key's alone
            if conditions == 1:
                assert shown.find("q:conditionvar/q:other", NS) is not None
            else:  # any answer short of every blank right
                assert len(shown.findall("q:conditionvar/q:not/q:and/*", NS)) == conditions


def test_no_misconception_no_feedback(monkeypatch: pytest.MonkeyPatch) -> None:
    for kind in PLANTED:
        monkeypatch.setattr(KINDS[kind], "MISCONCEPTIONS", (), raising=False)
    quiz = _quiz()
    assert all(not _itemfeedback(item) for items in _items(quiz).values() for item in items)
    for questions in _questions(quiz).values():
        for question in questions:
            assert all(a.get("fraction") == "100" or not a.findtext("feedback/text")
                       for a in question.findall("answer"))
