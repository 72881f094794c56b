"""Gradescope's results.json (https://gradescope-autograders.readthedocs.io/en/latest/specs/).

The spec's top level has `score` (which overrides the sum of the tests); Gradescope takes the maximum from
the assignment's settings and ignores keys it does not know, so the top-level `max_score` (and its copy in
`extra_data`) is for every other reader of this file. Each test carries its own `max_score`.
`status` is "passed" or "failed"; visibility is "visible".
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from grader.records import GradedSubmission, shown


def results_json(record: GradedSubmission, titles: Mapping[str, str]) -> dict[str, Any]:
    """One test per question, feedback as its output, submission-level notes as the top-level output."""
    tests = []
    for number, score in enumerate(record.scores, start=1):
        title = titles.get(score.qid, "")
        tests.append({
            "name": f"{score.qid}: {title}" if title else score.qid,
            "number": str(number),
            "score": score.points,
            "max_score": score.max_points,
            "status": "passed" if score.points >= score.max_points else "failed",
            "output": score.feedback,
            "visibility": "visible",
        })
    header = f"Score {shown(record.points)}/{shown(record.max_points)} for student {record.student_id or 'unknown'}"
    return {
        "score": record.points,
        "max_score": record.max_points,
        "output": "\n".join([header, *record.notes]),
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "tests": tests,
        "extra_data": {"max_score": record.max_points, "student_id": record.student_id,
                       "assignment": record.assignment, "status": record.status, "submission": record.label},
    }
