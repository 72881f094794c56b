"""`cnnlab export moodle SPEC --variants N --out quiz.xml`: a Moodle XML quiz, one category of N variants per question.

Each question of the spec becomes the category `$course$/top/<spec title>/<question id>` (a pool's templates each
get their own: see generator/lms/variants.py), from which a quiz draws one variant per student with "add a random
question". A single number is a `numerical` question with the variant's absolute tolerance; a single letter a
`multichoice` question with the options' texts in order (A, B, ...; not shuffled); several parts a `cloze`
question, one `{1:NUMERICAL:=value:tolerance}` per number and `{1:MULTICHOICE:A~=B~C}` per letter, laid out
as the answer is (labelled lines, a row, a grid or a table). Code questions are left out with a printed line.
Each value a kind's misconception gives (generator/common_mistakes.py) is a further answer at 0% whose feedback names
and explains the mistake: an <answer fraction="0"> of a numerical or multichoice question, or `~%0%14:tol#...` in a
cloze blank (a cloze question's mark, the sum of its blanks' weights, is unchanged).

A cloze question's mark: Moodle ignores <defaultgrade> for a cloze. qformat_xml's import_multianswer never reads it,
qtype_multianswer_extract_question sets `defaultmark += $wrapped->defaultmark` for each blank, and save_question
stores `$form->defaultmark = $question->defaultmark`; a blank's weight is the `{N:` before its type, whole digits only
(ANSWER_START_REGEX `\\{([0-9]*):`), and a weight of 0 makes the blank count for nothing (question.php grade_response
weighs each blank's fraction by it). So blank_weights shares the spec's points out in whole numbers (largest
remainder, the earlier blanks taking the extra point), which makes the mark exactly the points whenever there are at
most as many blanks as points. With more blanks than points (or fractional points) no whole weights can: every blank
then weighs 1, so each counts the same share as in `cnnlab grade`, and the category's info says which mark to give the
quiz slot (a random-question slot starts at mark 1 anyway and is set by hand).
Output is byte-identical for the same spec, secret and N: no timestamps, ids are hashes of the variant's seed.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from lxml import etree

from generator.fields import LETTERS, Box
from generator.files import PUBLIC, write_bytes_atomic
from generator.lms import variants as shared
from generator.lms.html import inline_html, markdown_to_html
from generator.media import explain_for
from generator.lms.layout import Blank, answer_html
from generator.model import Variant
from generator.common_mistakes import WrongAnswer, WrongValue, feedback_markdown, wrong_answers, wrong_values

# How a cloze blank's feedback is written so that Moodle's parser (question/type/multianswer/questiontype.php,
# qtype_multianswer_extract_question) reads back the HTML it was given: the feedback ends at the first `~` or `}`
# not after a backslash, is html_entity_decode()d once, then `\}` and `\#` lose their backslash (no other escape
# is undone, so `\~` or `\/` would show their backslash). So `&` is doubled into `&amp;`, `}` and `#` take a
# backslash, and `~` and `\` become entities (a trailing backslash could otherwise escape the closing brace).
CLOZE_FEEDBACK = {"&": "&amp;", "\\": "&#92;", "~": "&#126;", "}": "\\}", "#": "\\#"}
CLOZE_SPECIAL = re.compile(r"[&\\~}#]")


def quiz_xml(quiz: shared.Quiz) -> bytes:
    """The whole Moodle XML file, as bytes."""
    root = etree.Element("quiz")
    base = "$course$/top/" + quiz.spec.title.replace("/", "//")
    for bank in quiz.banks:
        category = etree.SubElement(root, "question", type="category")
        _text(category, "category", f"{base}/{bank.qid}")
        _text(category, "info", f"{bank.title} ({len(bank.variants)} variant{'s' * (len(bank.variants) != 1)})"
              + mark_note(bank), format="html")
        for number, variant in enumerate(bank.variants, start=1):
            root.append(question(variant, f"{bank.qid} #{number}: {bank.title}"))
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def question(variant: Variant, name: str) -> etree._Element:
    """One variant as a numerical, multichoice or cloze question."""
    kind, group, found = shared.shape(variant)
    wrong = wrong_answers(variant, group)
    text = markdown_to_html(shared.stem(variant, kind))
    moodle_type = {"number": "numerical", "choice": "multichoice", "parts": "cloze"}[kind]
    weights = dict(zip((box.column for box in found), blank_weights(variant.points, len(found))))
    if kind == "parts":
        text += "\n" + answer_html(group, _embedded(variant, wrong, weights))
    element = etree.Element("question", type=moodle_type)
    _text(element, "name", name)
    _text(element, "questiontext", text, format="html")
    _text(element, "generalfeedback", markdown_to_html(explain_for(variant, "lms")), format="html")  # after answering
    mark = sum(weights.values()) if kind == "parts" else variant.points  # what Moodle makes a cloze's mark
    etree.SubElement(element, "defaultgrade").text = shared.number(mark)
    etree.SubElement(element, "penalty").text = "0"
    etree.SubElement(element, "hidden").text = "0"
    etree.SubElement(element, "idnumber").text = shared.ident(variant.qid, variant.seed)
    if kind == "number":
        tolerance = shared.number(variant.tolerance)
        answer = _answer(element, shared.number(found[0].expected), 100, "moodle_auto_format")
        etree.SubElement(answer, "tolerance").text = tolerance
        for wrong_value in wrong_values(wrong, found[0]):  # a misconception's value: 0%, with its feedback
            answer = _answer(element, shared.number(wrong_value.value), 0, "moodle_auto_format", _html(wrong_value))
            etree.SubElement(answer, "tolerance").text = tolerance
    elif kind == "choice":
        _choices(element, found[0], wrong)
    return element


def _choices(element: etree._Element, box: Box, wrong: tuple[WrongAnswer, ...]) -> None:
    """A single-answer multichoice: the options in their lettered order, the key's letter worth 100%."""
    for tag, value in (("single", "true"), ("shuffleanswers", "0"), ("answernumbering", "ABCD")):
        etree.SubElement(element, tag).text = value
    feedback = _letter_feedback(box, wrong)
    for letter, option in zip(LETTERS, box.options):
        _answer(element, inline_html(option), 100 if letter == box.expected else 0, "html", feedback.get(letter, ""))


def blank_weights(points: float, count: int) -> tuple[int, ...]:
    """Whole-number weights of a cloze's blanks summing to the points where Moodle allows it; else 1 each."""
    if count < 1:
        raise ValueError(f"a cloze question needs at least one blank, got {count}")
    if not float(points).is_integer() or count > points:
        return (1,) * count
    whole, extra = divmod(int(points), count)
    return tuple(whole + (index < extra) for index in range(count))


def mark_note(bank: shared.Bank) -> str:
    """The category info's warning where Moodle's mark for a variant is not the spec's points ('' when it is)."""
    marks = sorted({sum(blank_weights(v.points, len(shared.shape(v)[2]))) for v in bank.variants
                    if shared.shape(v)[0] == "parts"})
    if not marks or marks == [bank.points]:
        return ""
    shown = " to ".join(dict.fromkeys((shared.number(marks[0]), shared.number(marks[-1]))))
    return (f". Worth {shared.number(bank.points)} points in the spec, but Moodle makes a cloze question's mark the sum"
            f" of its blanks' whole-number weights, {shown} here (1 a blank where blanks outnumber points): give its quiz"
            f" slot the maximum mark {shared.number(bank.points)}")


def _embedded(variant: Variant, wrong: tuple[WrongAnswer, ...], weights: dict[str, int]) -> Blank:
    """A cloze blank for each box, `{weight:` first: NUMERICAL with the tolerance, or MULTICHOICE over the letters.

    A misconception's value is one more alternative at 0% with its feedback; it leaves the weights alone.
    """
    tolerance = shared.number(variant.tolerance)

    def blank(box: Box) -> str:
        weight = weights[box.column]
        if box.options:
            feedback = {letter: f"#{cloze_feedback(text)}" for letter, text in _letter_feedback(box, wrong).items()}
            choices = (("=" if x == box.expected else "") + x + feedback.get(x, "") for x in LETTERS[:len(box.options)])
            return f"{{{weight}:MULTICHOICE:" + "~".join(choices) + "}"
        mistakes = "".join(f"~%0%{shared.number(v.value)}:{tolerance}#{cloze_feedback(_html(v))}"
                           for v in wrong_values(wrong, box))
        return f"{{{weight}:NUMERICAL:={shared.number(box.expected)}:{tolerance}{mistakes}}}"
    return blank


def _letter_feedback(box: Box, wrong: tuple[WrongAnswer, ...]) -> dict[str, str]:
    """Each wrong letter a misconception picks, with its feedback as HTML."""
    return {v.value: _html(v) for v in wrong_values(wrong, box)}


def _html(value: WrongValue) -> str:
    """The feedback on one wrong value, as HTML."""
    return markdown_to_html(feedback_markdown(value))


def cloze_feedback(html: str) -> str:
    """Feedback HTML written inside a cloze blank so that Moodle reads the same HTML back (CLOZE_FEEDBACK)."""
    return CLOZE_SPECIAL.sub(lambda match: CLOZE_FEEDBACK[match.group(0)], html)


def _answer(element: etree._Element, text: str, fraction: int, text_format: str, feedback: str = "") -> etree._Element:
    """An <answer> with its fraction and its feedback (HTML; empty but for a misconception's value)."""
    answer = etree.SubElement(element, "answer", fraction=str(fraction), format=text_format)
    etree.SubElement(answer, "text").text = text
    _text(answer, "feedback", feedback, format="html")
    return answer


def _text(parent: etree._Element, tag: str, text: str, **attributes: Any) -> etree._Element:
    """Moodle's `<tag><text>...</text></tag>`."""
    element = etree.SubElement(parent, tag, **attributes)
    etree.SubElement(element, "text").text = text
    return element
