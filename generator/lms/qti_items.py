"""One variant as a Canvas QTI 1.2 <item>: numerical_question, multiple_choice_question, fill_in_multiple_blanks_question
or, when every part is a letter, multiple_dropdowns_question.

Canvas matches a blank's text exactly, so each number's blank lists every spelling of every value within the
variant's tolerance (generator/lms/spellings.py: 6, 6.0, 6.00, +6, 5.99, 6.01, 1,091,940, .5), the key's own first; a
letter typed in a blank among numbers takes B, (B), B. and B). A question whose parts are all letters is asked with a
drop-down per part instead (Canvas's importer, fill_in_the_blank.rb, reads `multiple_dropdowns_question` with each
choice at weight 0 and the choices a SCORE-adding condition names at 100). Canvas cannot mix typed blanks and
drop-downs in one question, so a letter among numbers stays typed. A numerical question needs none of this: Canvas
compares it as a number, within the tolerance.

A kind's misconceptions (generator/common_mistakes.py) become feedback where Canvas imports it. A multiple-choice
option a misconception picks gets its own comment, written as Canvas's own export writes one (lib/cc/qti/qti_items.rb:
a `continue="Yes"` respcondition on the option with a displayfeedback to `<option id>_fb`; the importer's
choice_interaction.rb attaches it to that answer). Canvas has no wrong answer with a comment in a numerical or a
fill-in-multiple-blanks question: its importer makes every numerical condition (numeric_interaction.rb,
get_canvas_answers: `{:weight=>100, ...}`) and every listed blank text (fill_in_the_blank.rb, process_canvas:
`weight = ... ? 0 : 100`) a correct answer. There the mistakes, with the values they give, are the question's
incorrect-answer comment (`general_incorrect_fb`, which assessment_item_converter.rb's get_feedback imports).
"""

from __future__ import annotations

import copy
import re
from decimal import Decimal

from lxml import etree

from generator.fields import LETTERS, Box, shown
from generator.lms import variants as shared
from generator.lms.html import inline_html, markdown_to_html
from generator.lms.layout import answer_html
from generator.lms.spellings import letter_spellings, numeric_spellings
from generator.model import Variant
from generator.rounding import asked_places
from generator.common_mistakes import WrongAnswer, feedback_markdown, listing_markdown, wrong_answers, wrong_values

QUESTION_TYPES = {"number": "numerical_question", "choice": "multiple_choice_question",
                  "parts": "fill_in_multiple_blanks_question"}
DROPDOWNS = "multiple_dropdowns_question"  # a multi-part question whose parts are all lettered choices
INCORRECT = "general_incorrect_fb"  # the itemfeedback Canvas imports as the question's incorrect-answer comment


def item(variant: Variant, title: str) -> etree._Element:
    """The variant's <item>: metadata, text, response, the condition that scores 100, and the mistakes' comments."""
    kind, group, found = shared.shape(variant)
    wrong = wrong_answers(variant, group)
    item_id = shared.ident(variant.qid, variant.seed)
    text = markdown_to_html(shared.stem(variant, kind))
    names = blank_names(variant.qid, found)
    if kind == "parts":
        text += "\n" + answer_html(group, lambda box: f"[{names[box.column]}]")
    element = etree.Element("item", ident=item_id, title=title)
    presentation = etree.Element("presentation")
    _mattext(presentation, text, "text/html")
    processing = etree.Element("resprocessing")
    outcomes = etree.SubElement(processing, "outcomes")
    etree.SubElement(outcomes, "decvar", maxvalue="100", minvalue="0", varname="SCORE", vartype="Decimal")
    answer_ids: list[str] = []
    feedback: dict[str, str] = {}  # itemfeedback ident -> HTML
    if kind == "number":
        _numerical(presentation, processing, found[0], variant.tolerance)
    elif kind == "choice":
        answer_ids, feedback = _choice(presentation, processing, found[0], item_id, wrong)
    else:
        answer_ids = _blanks(presentation, processing, found, names, variant, item_id)
    if wrong and kind != "choice":
        feedback[INCORRECT] = markdown_to_html(listing_markdown(wrong))
        _incorrect_condition(processing, blanks=kind == "parts")
    _metadata(element, {"question_type": question_type(kind, found), "points_possible": shared.number(variant.points),
                        "original_answer_ids": ",".join(answer_ids), "assessment_question_identifierref": item_id})
    element.extend([presentation, processing])
    for ident, html in feedback.items():
        _mattext(etree.SubElement(etree.SubElement(element, "itemfeedback", ident=ident), "flow_mat"), html,
                 "text/html")
    return element


def blank_names(qid: str, found: tuple[Box, ...]) -> dict[str, str]:
    """A blank id per box column, from the column without the question id: conv1.C -> conv1_C, 1 -> b1."""
    names: dict[str, str] = {}
    for box in found:
        name = re.sub(r"\W+", "_", box.column.removeprefix(qid).lstrip(".")) or "answer"
        name = name if name[0].isalpha() else f"b{name}"
        names[box.column] = name if name not in names.values() else f"{name}_{len(names) + 1}"
    return names


def question_type(kind: shared.Shape, found: tuple[Box, ...]) -> str:
    """Canvas's question type: a multi-part question of letters only is drop-downs, any other as QUESTION_TYPES."""
    return DROPDOWNS if kind == "parts" and all(box.options for box in found) else QUESTION_TYPES[kind]


def alternatives(box: Box, tolerance: float, places: int | None) -> tuple[str, ...]:
    """Every text Canvas should take as correct for the box, the key's own first."""
    if box.options:
        return letter_spellings(box.expected)
    return tuple(dict.fromkeys((shown(box.expected), *numeric_spellings(box.expected, tolerance, places))))


def _exact(value: float) -> Decimal:
    """A key's number as the decimal it was written as (0.1 is 0.1, not 0.1000000000000000055...)."""
    return Decimal(repr(value))


def _numerical(presentation: etree._Element, processing: etree._Element, box: Box, tolerance: float) -> None:
    """A decimal entry, correct when equal to the key or within its absolute tolerance."""
    response = etree.SubElement(presentation, "response_str", ident="response1", rcardinality="Single")
    etree.SubElement(etree.SubElement(response, "render_fib", fibtype="Decimal"), "response_label", ident="answer1")
    condition = _condition(processing, "Set", "100", last=True)
    either = etree.SubElement(condition, "or")
    etree.SubElement(either, "varequal", respident="response1").text = shared.number(box.expected)
    within = etree.SubElement(either, "and")
    low, high = _exact(box.expected) - _exact(tolerance), _exact(box.expected) + _exact(tolerance)
    etree.SubElement(within, "vargte", respident="response1").text = shared.number(low)
    etree.SubElement(within, "varlte", respident="response1").text = shared.number(high)


def _choice(presentation: etree._Element, processing: etree._Element, box: Box, item_id: str,
            wrong: tuple[WrongAnswer, ...]) -> tuple[list[str], dict[str, str]]:
    """The options in lettered order; the key's letter scores 100; a misconception's letter shows its comment."""
    response = etree.SubElement(presentation, "response_lid", ident="response1", rcardinality="Single")
    choices = etree.SubElement(response, "render_choice")
    ids = [f"{item_id}_{letter}" for letter in LETTERS[:len(box.options)]]
    for answer_id, option in zip(ids, box.options):
        _mattext(etree.SubElement(choices, "response_label", ident=answer_id), inline_html(option), "text/html")
    feedback: dict[str, str] = {}
    for value in wrong_values(wrong, box):  # Canvas's answer comments: before the scoring condition, continue="Yes"
        answer_id = ids[LETTERS.index(value.value)]
        condition = etree.SubElement(processing, "respcondition", {"continue": "Yes"})
        variable = etree.SubElement(condition, "conditionvar")
        etree.SubElement(variable, "varequal", respident="response1").text = answer_id
        etree.SubElement(condition, "displayfeedback", feedbacktype="Response", linkrefid=f"{answer_id}_fb")
        feedback[f"{answer_id}_fb"] = markdown_to_html(feedback_markdown(value))
    condition = _condition(processing, "Set", "100", last=True)
    etree.SubElement(condition, "varequal", respident="response1").text = ids[LETTERS.index(box.expected)]
    return ids, feedback


def _blanks(presentation: etree._Element, processing: etree._Element, found: tuple[Box, ...],
            names: dict[str, str], variant: Variant, item_id: str) -> list[str]:
    """One response per blank listing its correct texts (or, all letters, its drop-down's letters); each blank adds
    its share of 100 when one of the correct ones is given."""
    ids: list[str] = []
    share = f"{100 / len(found):.2f}"
    dropdowns = question_type("parts", found) == DROPDOWNS
    for box in found:
        name = names[box.column]
        response = etree.SubElement(presentation, "response_lid", ident=f"response_{name}")
        _mattext(response, name, None)
        choices = etree.SubElement(response, "render_choice")
        texts = tuple(LETTERS[:len(box.options)]) if dropdowns else \
            alternatives(box, variant.tolerance, asked_places(variant))
        labels = [f"{item_id}_{name}_{i}" for i, _ in enumerate(texts, start=1)]
        for label, text in zip(labels, texts):
            choice = etree.SubElement(choices, "response_label", ident=label, scoring_algorithm="TextInChoices")
            _mattext(choice, text, "text/plain")
        correct = [labels[LETTERS.index(box.expected)]] if dropdowns else labels
        condition = _condition(processing, "Add", share, last=False)
        either = etree.SubElement(condition, "or") if len(correct) > 1 else condition
        for label in correct:
            etree.SubElement(either, "varequal", respident=f"response_{name}").text = label
        ids += labels
    return ids


def _incorrect_condition(processing: etree._Element, blanks: bool) -> None:
    """Show the incorrect-answer comment: after a numerical's scoring (`other`), or when any blank is not right."""
    condition = etree.SubElement(processing, "respcondition", {"continue": "Yes"})
    variable = etree.SubElement(condition, "conditionvar")
    if blanks:  # blanks add up without stopping, so the comment's condition is: not every blank right
        every = etree.SubElement(etree.SubElement(variable, "not"), "and")
        for scored in processing.iterfind("respcondition[setvar]/conditionvar"):
            every.append(copy.deepcopy(scored[0]))
    else:
        etree.SubElement(variable, "other")
    etree.SubElement(condition, "displayfeedback", feedbacktype="Response", linkrefid=INCORRECT)


def _condition(processing: etree._Element, action: str, score: str, last: bool) -> etree._Element:
    """A <respcondition> that sets or adds to SCORE; returns its <conditionvar> to fill."""
    condition = etree.SubElement(processing, "respcondition", **({"continue": "No"} if last else {}))
    variable = etree.SubElement(condition, "conditionvar")
    etree.SubElement(condition, "setvar", action=action, varname="SCORE").text = score
    return variable


def _mattext(parent: etree._Element, text: str, texttype: str | None) -> None:
    """<material><mattext texttype=...>text</mattext></material>."""
    attributes = {"texttype": texttype} if texttype else {}
    etree.SubElement(etree.SubElement(parent, "material"), "mattext", **attributes).text = text


def _metadata(element: etree._Element, fields: dict[str, str]) -> None:
    """Canvas's <itemmetadata>: one qtimetadatafield per entry."""
    metadata = etree.SubElement(etree.SubElement(element, "itemmetadata"), "qtimetadata")
    for label, entry in fields.items():
        field = etree.SubElement(metadata, "qtimetadatafield")
        etree.SubElement(field, "fieldlabel").text = label
        etree.SubElement(field, "fieldentry").text = entry
