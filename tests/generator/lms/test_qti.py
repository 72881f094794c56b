"""The QTI zip, parsed back: the manifest lists each bank, and every variant's scoring condition is the key's."""

from __future__ import annotations

import io
import zipfile

from lxml import etree

from generator.lms import qti
from generator.lms import variants as shared
from generator.lms.qti_items import question_type
from generator.lms.variants import Quiz
from tests.generator.lms.conftest import rebuilt

NS = {"q": qti.QTI, "cp": qti.CP}


def unpacked(quiz: Quiz) -> dict[str, etree._Element]:
    """Every file of the zip, parsed."""
    with zipfile.ZipFile(io.BytesIO(qti.package(quiz))) as archive:
        return {name: etree.fromstring(archive.read(name)) for name in archive.namelist()}


def test_the_manifest_lists_one_bank_file_per_question(quiz: Quiz) -> None:
    files = unpacked(quiz)
    resources = files["imsmanifest.xml"].findall("cp:resources/cp:resource", NS)
    hrefs = [r.find("cp:file", NS).get("href") for r in resources]
    assert hrefs == [f"banks/{bank.qid}.xml" for bank in quiz.banks] == sorted(set(files) - {"imsmanifest.xml"},
                                                                               key=hrefs.index)
    assert {r.get("type") for r in resources} == {"imsqti_xmlv1p2"}
    for bank, href in zip(quiz.banks, hrefs):
        objectbank = files[href].find("q:objectbank", NS)
        assert objectbank.findtext("q:qtimetadata/q:qtimetadatafield/q:fieldentry", namespaces=NS).endswith(bank.qid)
        assert len(objectbank.findall("q:item", NS)) == len(bank.variants)


def test_every_variants_scoring_condition_is_the_keys(quiz: Quiz) -> None:
    files = unpacked(quiz)
    for bank in quiz.banks:
        items = files[f"banks/{bank.qid}.xml"].findall("q:objectbank/q:item", NS)
        for variant, item in zip(bank.variants, items, strict=True):
            kind, _, found = shared.shape(variant)
            meta = {f.findtext("q:fieldlabel", namespaces=NS): f.findtext("q:fieldentry", namespaces=NS)
                    for f in item.iterfind("q:itemmetadata/q:qtimetadata/q:qtimetadatafield", NS)}
            assert meta["question_type"] == question_type(kind, found)
            assert float(meta["points_possible"]) == variant.points
            assert item.get("ident") == shared.ident(variant.qid, variant.seed)
            assert rebuilt(variant, _typed(item, kind, found, variant.tolerance)) == variant.answer, variant.qid


def _typed(item: etree._Element, kind: str, found: tuple, tolerance: float) -> dict[str, str]:
    """What the item's scoring conditions accept first for each box, read off <varequal> and <setvar>."""
    conditions = item.findall("q:resprocessing/q:respcondition[q:setvar]", NS)  # scoring ones, not feedback
    if kind != "parts":
        assert len(conditions) == 1 and conditions[0].findtext("q:setvar", namespaces=NS) == "100"
        value = conditions[0].find(".//q:varequal", NS).text
        if kind == "number":
            low, high = (float(conditions[0].findtext(f".//q:{tag}", namespaces=NS)) for tag in ("vargte", "varlte"))
            assert high - low == 2 * tolerance or abs(high - low - 2 * tolerance) < 1e-9
            return {found[0].column: value}
        labels = [label.get("ident") for label in item.iterfind(".//q:response_label", NS)]
        return {found[0].column: "ABCDEFGHIJ"[labels.index(value)]}
    assert len(conditions) == len(found)
    assert abs(sum(float(c.findtext("q:setvar", namespaces=NS)) for c in conditions) - 100) < 0.1
    texts = {label.get("ident"): label.findtext(".//q:mattext", namespaces=NS)
             for label in item.iterfind(".//q:response_label", NS)}
    html = item.findtext("q:presentation/q:material/q:mattext", namespaces=NS)
    typed = {}
    for box, condition in zip(found, conditions):
        accepted = [texts[v.text] for v in condition.iterfind(".//q:varequal", NS)]
        blank = condition.find(".//q:varequal", NS).get("respident").removeprefix("response_")
        assert f"[{blank}]" in html
        typed[box.column] = accepted[0]
    return typed


def test_the_zip_is_byte_identical_and_dated_1980(quiz: Quiz) -> None:
    first = qti.package(quiz)
    assert first == qti.package(quiz)
    with zipfile.ZipFile(io.BytesIO(first)) as archive:
        assert archive.namelist()[0] == "imsmanifest.xml"
        assert {info.date_time for info in archive.infolist()} == {qti.ZIP_DATE}
