"""Gradescope's results.json (https://gradescope-autograders.readthedocs.io/en/latest/specs/).

Only the specification's keys: the top level has `score` (which overrides the sum of the tests), `execution_time`
(whole seconds), `output`, `visibility`, `stdout_visibility` and `extra_data`; the assignment's maximum is set in
Gradescope, so it travels in `extra_data.max_score` for every other reader of this file. Each test has `name`,
`number`, `score`, `max_score`, `status` ("passed"/"failed"), `output` and `visibility` (per question, from the
spec: visible, after_due_date, after_published or hidden).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from grader.pipeline.records import GradedSubmission, points_text

VISIBILITIES = ("visible", "after_due_date", "after_published", "hidden")


def results_json(record: GradedSubmission, titles: Mapping[str, str], visibility: Mapping[str, str] | None = None,
                 execution_time: float | None = None) -> dict[str, Any]:
    """One test per question, feedback as its output, submission-level notes as the top-level output."""
    tests = []
    for number, score in enumerate(record.scores, start=1):
        title = titles.get(score.qid, "")
        shown_when = (visibility or {}).get(score.qid, "visible")
        if shown_when not in VISIBILITIES:
            raise ValueError(f"question {score.qid!r}: visibility {shown_when!r} is not one of {VISIBILITIES}")
        tests.append({
            "name": f"{score.qid}: {title}" if title else score.qid,
            "number": str(number),
            "score": score.points,
            "max_score": score.max_points,
            "status": "passed" if score.points >= score.max_points else "failed",
            "output": score.feedback,
            "visibility": shown_when,
        })
    header = f"Score {points_text(record.points)}/{points_text(record.max_points)} for student {record.student_id or 'unknown'}"
    seconds = record.seconds if execution_time is None else execution_time
    return {
        "score": record.points,
        "execution_time": max(0, math.ceil(seconds)),
        "output": "\n".join([header, *record.notes]),
        "visibility": "visible",
        "stdout_visibility": "hidden",  # the autograder's stdout is for instructors (the sandbox's isolation)
        "tests": tests,
        "extra_data": {"max_score": record.max_points, "student_id": record.student_id,
                       "assignment": record.assignment, "status": record.status, "submission": record.label,
                       "late": record.late},
    }
