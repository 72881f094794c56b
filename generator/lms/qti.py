"""`cnnlab export qti SPEC --variants N --out quiz.zip`: a QTI 1.2 zip that Canvas imports as item banks.

The zip holds imsmanifest.xml and one objectbank file per question (banks/<question id>.xml), each bank the N
variants of one template (a pool's templates each get their own: see generator/lms/variants.py); a Canvas quiz
draws one per student with a question group linked to the bank. A single number is a `numerical_question` with the
variant's absolute tolerance; a single letter a `multiple_choice_question` with the options' texts in order; several
parts a `fill_in_multiple_blanks_question` whose blanks take every spelling of a value within the tolerance, since
Canvas matches blank text exactly, or, all letters, a `multiple_dropdowns_question` (generator/lms/qti_items.py). Code questions are left out with a printed line.
Output is byte-identical for the same spec, secret and N: fixed zip dates, ids hashed from the variants' seeds.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from lxml import etree

from generator.files import PUBLIC, write_bytes_atomic
from generator.lms import variants as shared
from generator.lms.qti_items import item

QTI = "http://www.imsglobal.org/xsd/ims_qtiasiv1p2"
CP = "http://www.imsglobal.org/xsd/imsccv1p1/imscp_v1p1"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
ZIP_DATE = (1980, 1, 1, 0, 0, 0)  # the earliest a zip can say: no build time in the file


def bank_path(bank: shared.Bank) -> str:
    """Where a bank's file sits in the zip."""
    return f"banks/{bank.qid}.xml"


def package(quiz: shared.Quiz) -> bytes:
    """The zip: the manifest first, then each bank's file in spec order."""
    files = {"imsmanifest.xml": manifest(quiz)} | {bank_path(bank): bank_xml(quiz, bank) for bank in quiz.banks}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in files.items():
            info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
            info.compress_type, info.create_system, info.external_attr = zipfile.ZIP_DEFLATED, 3, PUBLIC << 16
            archive.writestr(info, data)
    return buffer.getvalue()


def bank_xml(quiz: shared.Quiz, bank: shared.Bank) -> bytes:
    """One <objectbank> of the bank's variants, titled '<spec title>: <question id>'."""
    root = etree.Element(f"{{{QTI}}}questestinterop", nsmap={None: QTI, "xsi": XSI})
    root.set(f"{{{XSI}}}schemaLocation", f"{QTI} http://www.imsglobal.org/xsd/ims_qtiasiv1p2p1.xsd")
    objectbank = etree.SubElement(root, "objectbank", ident=shared.ident(quiz.spec.id, "bank", bank.qid))
    metadata = etree.SubElement(objectbank, "qtimetadata")
    field = etree.SubElement(metadata, "qtimetadatafield")
    etree.SubElement(field, "fieldlabel").text = "bank_title"
    etree.SubElement(field, "fieldentry").text = f"{quiz.spec.title}: {bank.qid}"
    for number, variant in enumerate(bank.variants, start=1):
        objectbank.append(item(variant, f"{bank.qid} #{number}: {bank.title}"))
    _qualify(root, QTI)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def manifest(quiz: shared.Quiz) -> bytes:
    """imsmanifest.xml: one imsqti_xmlv1p2 resource per bank file."""
    root = etree.Element(f"{{{CP}}}manifest", nsmap={None: CP, "xsi": XSI},
                         identifier=shared.ident(quiz.spec.id, "manifest", *(b.qid for b in quiz.banks)))
    root.set(f"{{{XSI}}}schemaLocation", f"{CP} http://www.imsglobal.org/xsd/imscp_v1p1.xsd")
    metadata = etree.SubElement(root, "metadata")
    etree.SubElement(metadata, "schema").text = "IMS Content"
    etree.SubElement(metadata, "schemaversion").text = "1.1.3"
    etree.SubElement(root, "organizations")
    resources = etree.SubElement(root, "resources")
    for bank in quiz.banks:
        resource = etree.SubElement(resources, "resource", identifier=shared.ident(quiz.spec.id, "bank", bank.qid),
                                    type="imsqti_xmlv1p2", href=bank_path(bank))
        etree.SubElement(resource, "file", href=bank_path(bank))
    _qualify(root, CP)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _qualify(root: etree._Element, namespace: str) -> None:
    """Put every element built without a namespace into the document's default one."""
    for element in root.iter():
        if isinstance(element.tag, str) and not element.tag.startswith("{"):
            element.tag = f"{{{namespace}}}{element.tag}"
