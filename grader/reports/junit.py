"""JUnit XML for CI systems: one test suite per submission, one test case per question, failures for lost points,
errors for questions that could not be graded (a crash before them, an unreadable file).

Every test case carries `time`: the notebook runs once for all its questions and per-question time is not
measured, so each case gets an equal share of the submission's sandbox seconds (the cases sum to the suite's)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from pathlib import Path

from grader.pipeline.records import GradedSubmission, points_text
from grader.pipeline.scoring import NOT_GRADED
from generator.files import PUBLIC, write_bytes_atomic


def junit_xml(records: Sequence[GradedSubmission]) -> bytes:
    """The XML document; a rejected submission is one error case carrying its reason."""
    root = ET.Element("testsuites", name="cnnlab")
    for record in records:
        suite = ET.SubElement(root, "testsuite", name=record.student_id or record.filename,
                              tests=str(max(1, len(record.scores))), time=f"{record.seconds:.3f}")
        failures = errors = 0
        share = f"{record.seconds / max(1, len(record.scores)):.3f}"
        if not record.scores:
            case = ET.SubElement(suite, "testcase", classname=suite.get("name", ""), name="submission", time=share)
            ET.SubElement(case, "error", message=" | ".join(record.notes) or record.status)
            errors += 1
        for score in record.scores:
            case = ET.SubElement(suite, "testcase", classname=suite.get("name", ""), name=score.qid, time=share)
            if score.feedback.startswith(NOT_GRADED):  # it never ran (unreadable file, a crash before it): no verdict
                ET.SubElement(case, "error", message=score.feedback)
                errors += 1
            elif score.points < score.max_points:  # the message is the summary line; the text all of it
                summary = score.feedback.split("\n", 1)[0]
                failure = ET.SubElement(case, "failure", message=f"{points_text(score.points)}/{points_text(score.max_points)}: "
                                                                 f"{summary}")
                failure.text = score.feedback
                failures += 1
        suite.set("failures", str(failures))
        suite.set("errors", str(errors))
        if record.notes:
            ET.SubElement(suite, "system-out").text = "\n".join(record.notes)
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"


def write_junit(path: Path, records: Sequence[GradedSubmission]) -> None:
    """Write the JUnit report atomically."""
    write_bytes_atomic(path, junit_xml(records), mode=PUBLIC)
