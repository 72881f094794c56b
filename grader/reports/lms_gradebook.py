"""Grades as the CSV an LMS imports unchanged: Canvas's gradebook import and Moodle's "Import grades: CSV file".

Canvas (Grades > Import): `Student, ID, SIS User ID, SIS Login ID, Section`, then one column per assignment, and
a "Points Possible" row under the header. Canvas matches a row by ID, SIS User ID or SIS Login ID; a new column
name creates an assignment, `Name (12345)` updates assignment 12345. A blank cell leaves a grade unchanged.
Moodle (Grades > Import > CSV file): any header; at import the instructor maps "ID number" (to useridnumber) or
"Email address" (to useremail) to identify users and the assignment column to its grade item.
Each student's counted submission is exported; roster students without one get a blank cell; submissions whose
student is unknown cannot be imported and are counted in the returned warning.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from pathlib import Path

from grader.reports.gradebook import best_per_student
from grader.pipeline.records import GradedSubmission, points_text
from grader.pipeline.roster import Roster
from generator.files import PUBLIC, write_bytes_atomic

Writer = Callable[[Sequence[GradedSubmission], Roster | None, str], str]


def _points(record: GradedSubmission | None) -> str:
    """The score as a plain number with at most two decimals; '' for no submission."""
    return "" if record is None else points_text(record.points)


def _students(records: Sequence[GradedSubmission], roster: Roster | None) -> list[str]:
    """Everyone with a counted submission or on the roster, sorted."""
    return sorted(set(best_per_student(records)) | set(roster.names if roster else ()))


def canvas_csv(records: Sequence[GradedSubmission], roster: Roster | None, assignment: str) -> str:
    """Canvas's gradebook import layout, Points Possible row included."""
    best = best_per_student(records)
    maximum = max((r.max_points for r in best.values()), default=0.0)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["Student", "ID", "SIS User ID", "SIS Login ID", "Section", assignment])
    writer.writerow(["Points Possible", "", "", "", "", points_text(maximum)])
    for sid in _students(records, roster):
        lms = roster.details.get(sid, {}) if roster else {}
        name = (roster.names.get(sid, "") if roster else "") or sid
        sis = lms.get("sis_user_id", "" if lms.get("lms") == "canvas" else sid)  # a Canvas roster says; else ours
        writer.writerow([name, lms.get("canvas_id", ""), sis, lms.get("sis_login_id", ""),
                         lms.get("section", ""), _points(best.get(sid))])
    return buffer.getvalue()


def moodle_csv(records: Sequence[GradedSubmission], roster: Roster | None, assignment: str) -> str:
    """Moodle's CSV grade import: identify users by ID number or e-mail address, one grade column."""
    best = best_per_student(records)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["First name", "Last name", "ID number", "Email address", assignment])
    for sid in _students(records, roster):
        lms = roster.details.get(sid, {}) if roster else {}
        first, last = lms.get("first_name", ""), lms.get("last_name", "")
        if not (first or last):
            first = (roster.names.get(sid, "") if roster else "") or sid
        number = lms.get("id_number", "" if lms.get("lms") == "moodle" else sid)  # a Moodle roster says; else ours
        writer.writerow([first, last, number, lms.get("email", ""), _points(best.get(sid))])
    return buffer.getvalue()


EXPORTS: dict[str, Writer] = {"canvas": canvas_csv, "moodle": moodle_csv}


def write_lms_csv(path: Path, lms: str, records: Sequence[GradedSubmission], roster: Roster | None,
                  assignment: str | None = None) -> str | None:
    """Write the LMS's CSV atomically; a warning line when some submissions could not be given to a student."""
    if lms not in EXPORTS:
        raise ValueError(f"unknown LMS {lms!r}: choose one of {', '.join(EXPORTS)}")
    name = assignment or next((r.assignment for r in records if r.assignment), None) or "cnnlab"
    write_bytes_atomic(path, EXPORTS[lms](records, roster, name).encode("utf-8"), mode=PUBLIC)
    unknown = [r for r in records if r.student_id is None]
    if not unknown:
        return None
    return (f"{len(unknown)} submission(s) with no identified student are not in {path.name} (see gradebook.csv), "
            f"e.g. {unknown[0].label}")
