"""Feedback of several lines (a summary, one line per wrong part, an explanation) in every report that shows it."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from generator.model import Score
from grader.pipeline.records import GradedSubmission
from grader.reports.feedback import feedback_markdown, feedback_notebook
from grader.reports.junit import junit_xml
from grader.reports.results_json import results_json

FEEDBACK = ("2 of 3 parts wrong: biases, total; looks like \"bias forgotten\"\n"
            "- biases: you gave 0. Looks like the mistake \"bias forgotten\": each filter adds one bias. Expected 8.\n"
            "- total: you gave 72 <b>. Looks like \"bias forgotten\" again. Expected 80.\n"
            "Pooling has no parameters.")


def record() -> GradedSubmission:
    return GradedSubmission("d" * 64, "s1.ipynb", "s1.ipynb", "s1", "hw", "k", "graded",
                            (Score("q1", 1.0, 3.0, FEEDBACK, (), ("bias forgotten",)),), (), 1.0)


def test_the_notebook_shows_the_summary_then_a_list_then_the_explanation() -> None:
    assert feedback_markdown(FEEDBACK) == [
        '2 of 3 parts wrong: biases, total; looks like "bias forgotten"', "",
        '- biases: you gave 0. Looks like the mistake "bias forgotten": each filter adds one bias. '
        "Expected 8.",
        '- total: you gave 72 &lt;b&gt;. Looks like "bias forgotten" again. Expected 80.', "",
        "Pooling has no parameters."]
    cell = feedback_notebook(None, record())["cells"][-1]
    assert cell["source"].endswith("\n".join(feedback_markdown(FEEDBACK)))


def test_junit_gives_the_summary_as_the_message_and_everything_as_the_text() -> None:
    failure = ET.fromstring(junit_xml([record()])).find("testsuite/testcase/failure")
    assert failure is not None and failure.text == FEEDBACK
    assert failure.get("message") == "1/3: 2 of 3 parts wrong: biases, total; looks like \"bias forgotten\""


def test_results_json_keeps_every_line_for_gradescope() -> None:
    assert results_json(record(), {})["tests"][0]["output"] == FEEDBACK
