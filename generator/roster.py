"""The class roster: a CSV with a `student_id` column, optionally `name` and LMS alias columns, one student a line.

Generating and grading read the same file through this one reader, so a roster that generates also grades.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

from generator.errors import TemplateError, suggest

STUDENT_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
ALIAS_COLUMNS = ("lms_id", "canvas_id", "user_id", "username", "email", "login_id")  # other ids an LMS files under


@dataclass(frozen=True)
class Student:
    """One roster row."""

    student_id: str
    name: str
    aliases: tuple[str, ...] = ()  # LMS ids and e-mail addresses that also name this student


def read_roster(path: str | Path) -> tuple[Student, ...]:
    """Read and check a roster; ids must be unique and safe as file names."""
    name = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except OSError as error:
        raise TemplateError(name, f"cannot read roster: {error.strerror or error}") from None
    reader = csv.DictReader(text.splitlines())
    columns = reader.fieldnames or []
    if "student_id" not in columns:
        near = next((suggest(c, ["student_id"]) for c in columns if suggest(c, ["student_id"])), "")
        raise TemplateError(f"{name}:1", f"the roster needs a 'student_id' column, found {columns}{near}")
    alias_columns = [column for column in columns if column.strip().lower() in ALIAS_COLUMNS]
    students, seen = [], {}
    for row in reader:
        line = reader.line_num
        student_id = (row.get("student_id") or "").strip()
        if not STUDENT_ID.fullmatch(student_id):
            raise TemplateError(f"{name}:{line}", f"student_id {student_id!r} must be 1-64 letters, digits, '.', "
                                                  "'_' or '-' (it names the student's files)")
        if student_id in seen:
            raise TemplateError(f"{name}:{line}", f"duplicate student_id {student_id!r} (first on line "
                                                  f"{seen[student_id]})")
        seen[student_id] = line
        aliases = tuple(alias for column in alias_columns if (alias := (row.get(column) or "").strip()))
        students.append(Student(student_id, (row.get("name") or "").strip(), aliases))
    if not students:
        raise TemplateError(name, "the roster lists no students")
    return tuple(students)
