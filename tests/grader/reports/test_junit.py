"""JUnit: a lost point is a failure; a question that never ran (a crash before it, an unreadable file) an error."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from generator.model import Score
from grader.reports.junit import junit_xml
from grader.pipeline.records import GradedSubmission


def record(*scores: Score, status: str = "graded") -> GradedSubmission:
    return GradedSubmission("d" * 64, "s1.ipynb", "s1.ipynb", "s1", "hw", "k", status, scores, (), 1.5)


def test_crashed_questions_are_errors_and_wrong_ones_failures() -> None:
    crashed = record(Score("q1", 2.0, 2.0, "correct"), Score("q2", 1.0, 2.0, "1 of 2 parts wrong"),
                     Score("q3", 0.0, 3.0, "not graded: the notebook crashed in cell 7 (...) before its hidden tests "
                                           "ran"), status="crashed")
    suite = ET.fromstring(junit_xml([crashed])).find("testsuite")
    assert suite is not None and suite.get("failures") == "1" and suite.get("errors") == "1"
    cases = {c.get("name"): c for c in suite.iter("testcase")}
    assert list(cases["q1"]) == [] and cases["q2"][0].tag == "failure" and cases["q3"][0].tag == "error"
    assert "crashed in cell 7" in (cases["q3"][0].get("message") or "")


def test_a_rejected_file_is_all_errors_not_failures() -> None:
    rejected = record(*(Score(f"q{i}", 0.0, 1.0, "not graded: s1.ipynb: not JSON") for i in range(17)),
                      status="rejected")
    suite = ET.fromstring(junit_xml([rejected])).find("testsuite")
    assert suite is not None and suite.get("errors") == "17" and suite.get("failures") == "0"


def test_points_read_by_people_have_at_most_two_decimals() -> None:
    from grader.reports.feedback import feedback_notebook

    partial = record(Score("q1", 47.678571, 62.0, "some parts wrong"), Score("q2", 1.0, 2.0, "half"))
    summary = "".join(feedback_notebook(None, partial)["cells"][0]["source"])
    assert "48.68/64" in summary and "| q1 | 47.68/62 |" in summary and "| q2 | 1/2 |" in summary
    assert "47.678571" not in summary and "47.68/62: some parts wrong" in junit_xml([partial]).decode()


def test_every_case_carries_its_share_of_the_time() -> None:
    suite = ET.fromstring(junit_xml([record(Score("q1", 1.0, 1.0, "correct"), Score("q2", 0.0, 1.0, "no"))])).find(
        "testsuite")
    assert suite is not None and suite.get("time") == "1.500"
    assert [c.get("time") for c in suite.iter("testcase")] == ["0.750", "0.750"]
    rejected = ET.fromstring(junit_xml([record(status="rejected")])).find("testsuite/testcase")
    assert rejected is not None and rejected.get("time") == "1.500"
