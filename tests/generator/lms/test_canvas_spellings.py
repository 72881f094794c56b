"""Canvas's blanks read back from the QTI zip: every numeric blank lists only spellings within the tolerance, and all
the ones a student may type (6.00, +6, both roundings at the asked decimals); letters-only parts are drop-downs."""

from __future__ import annotations

import io
import zipfile
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

import pytest
from lxml import etree

from generator.fields import Box, Group
from generator.lms import qti
from generator.lms import variants as shared
from generator.lms.qti_items import DROPDOWNS, item
from generator.lms.variants import Quiz
from generator.rounding import asked_places

NS = {"q": qti.QTI}


def _accepted(item_element: etree._Element) -> list[list[str]]:
    """Each blank's correct texts, in blank order, read off the scoring conditions as Canvas's importer reads them."""
    texts = {label.get("ident"): label.findtext(".//q:mattext", namespaces=NS)
             for label in item_element.iterfind(".//q:response_label", NS)}
    conditions = item_element.findall("q:resprocessing/q:respcondition[q:setvar]", NS)
    return [[texts[v.text] for v in condition.iterfind(".//q:varequal", NS)] for condition in conditions]


def _items(quiz: Quiz) -> list[tuple[shared.Bank, list[etree._Element]]]:
    """Each bank with its parsed items."""
    with zipfile.ZipFile(io.BytesIO(qti.package(quiz))) as archive:
        return [(bank, etree.fromstring(archive.read(qti.bank_path(bank))).findall("q:objectbank/q:item", NS))
                for bank in quiz.banks]


def test_every_numeric_blank_takes_each_spelling_within_the_tolerance_and_nothing_outside(quiz: Quiz) -> None:
    numeric = with_tolerance = 0
    for bank, items in _items(quiz):
        for variant, element in zip(bank.variants, items, strict=True):
            kind, _, found = shared.shape(variant)
            if kind != "parts":
                continue
            places, spread = asked_places(variant), Decimal(repr(variant.tolerance))
            for box, accepted in zip(found, _accepted(element), strict=True):
                if box.options:
                    assert accepted[0] == box.expected and "(" + box.expected + ")" in accepted
                    continue
                numeric += 1
                exact = Decimal(repr(box.expected))
                assert all(abs(Decimal(text.replace(",", "")) - exact) <= spread for text in accepted), accepted
                assert len(set(accepted)) == len(accepted)
                written = accepted[0]
                if "." not in written:
                    assert {f"{written}.0", f"{written}.00"} <= set(accepted)
                if exact > 0:
                    assert f"+{written}" in accepted
                if abs(exact) >= 1000:
                    assert any("," in text for text in accepted)
                if spread and places is not None:
                    with_tolerance += 1
                    step = Decimal(1).scaleb(-places)
                    for rounding in (ROUND_FLOOR, ROUND_CEILING):
                        rounded = exact.quantize(step, rounding=rounding)
                        assert any(Decimal(text) == rounded and len(text.partition(".")[2]) == places
                                   for text in accepted if "," not in text), (variant.qid, rounded, accepted)
    assert numeric > 100 and with_tolerance > 20


def test_letters_among_numbers_stay_typed_blanks(quiz: Quiz) -> None:
    for bank, items in _items(quiz):
        if bank.qid in ("same-padding", "flat-patch"):
            meta = items[0].findtext(".//q:qtimetadatafield[q:fieldlabel='question_type']/q:fieldentry", namespaces=NS)
            assert meta == "fill_in_multiple_blanks_question"


def test_a_question_of_letters_only_is_drop_downs(quiz: Quiz, monkeypatch: pytest.MonkeyPatch) -> None:
    variant = next(bank for bank in quiz.banks if bank.qid == "same-padding").variants[0]
    options = ("first", "second", "third")
    letters = Group("", "list", (Box(("a",), "first part", f"{variant.qid}.a", "C", options),
                                 Box(("b",), "second part", f"{variant.qid}.b", "A", options)))
    monkeypatch.setattr(shared, "answer_fields", lambda _: letters)
    element = etree.fromstring(etree.tostring(item(variant, "letters")))
    meta = element.findtext(".//qtimetadatafield[fieldlabel='question_type']/fieldentry")
    assert meta == DROPDOWNS
    responses = element.findall("presentation/response_lid")
    assert [r.get("ident") for r in responses] == ["response_a", "response_b"]
    for response in responses:
        assert [m.text for m in response.iterfind("render_choice/response_label/material/mattext")] == ["A", "B", "C"]
    conditions = element.findall("resprocessing/respcondition[setvar]")
    named = [c.findtext("conditionvar/varequal") for c in conditions]
    ident = shared.ident(variant.qid, variant.seed)
    assert named == [f"{ident}_a_3", f"{ident}_b_1"]  # the key's letter alone scores: C, then A
    assert [c.findtext("setvar") for c in conditions] == ["50.00", "50.00"]
    assert "[a]" in element.findtext("presentation/material/mattext")
