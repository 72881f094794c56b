"""The class roster: a CSV, one student a line, read the same way for generating and for grading.

Three layouts are read as they come, so a course never retypes its class list:
- cnnlab's own: a `student_id` column, optionally `name` and LMS alias columns (lms_id, canvas_id, email, ...);
- a Canvas gradebook export: `Student, ID, SIS User ID, SIS Login ID, Section, ...` (the student id is the SIS
  User ID, else Canvas's ID; the "Points Possible" row and Canvas's Test Student are skipped);
- a Moodle participants export or grading worksheet: `First name, Last name` (or `Full name`), `ID number`,
  `Email address`, optionally `Identifier` ("Participant 1237": the id in Moodle's download folder names); the
  student id is the ID number, else the e-mail address's local part.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from generator.errors import TemplateError, suggest

STUDENT_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
ALIAS_COLUMNS = ("lms_id", "canvas_id", "user_id", "username", "email", "login_id")  # other ids an LMS files under
CANVAS_TEST_STUDENTS = ("Student, Test", "Test Student")  # Canvas's built-in fake student
Row = Mapping[str, "str | None"]
Layout = Callable[[Row, list[str]], tuple[str, str, dict[str, str]]]  # row -> (student id, name, LMS fields)


@dataclass(frozen=True)
class Student:
    """One roster row."""

    student_id: str
    name: str
    aliases: tuple[str, ...] = ()  # LMS ids and e-mail addresses that also name this student
    lms: tuple[tuple[str, str], ...] = ()  # what an LMS grade import matches on: canvas_id, sis_login_id, email, ...

    @property
    def details(self) -> dict[str, str]:
        """The LMS fields by name."""
        return dict(self.lms)


def _get(row: Row, column: str) -> str:
    """A cell, stripped; '' when the column or the value is missing."""
    return (row.get(column) or "").strip()


def _cnnlab(row: Row, columns: list[str]) -> tuple[str, str, dict[str, str]]:
    """cnnlab's own layout: student_id, name and alias columns as they are."""
    fields = {column.strip().lower(): _get(row, column) for column in columns
              if column.strip().lower() in (*ALIAS_COLUMNS, "section", "first_name", "last_name")}
    return _get(row, "student_id"), _get(row, "name"), fields


def _canvas(row: Row, columns: list[str]) -> tuple[str, str, dict[str, str]]:
    """A Canvas gradebook export row: the SIS User ID if there is one, else Canvas's own ID."""
    fields = {"lms": "canvas", "canvas_id": _get(row, "ID"), "sis_user_id": _get(row, "SIS User ID"),
              "sis_login_id": _get(row, "SIS Login ID"), "section": _get(row, "Section")}
    return fields["sis_user_id"] or fields["canvas_id"], _get(row, "Student"), fields


def _moodle(row: Row, columns: list[str]) -> tuple[str, str, dict[str, str]]:
    """A Moodle participants export or grading worksheet row: the ID number, else the e-mail's local part."""
    first, last = _get(row, "First name"), _get(row, "Last name")
    fields = {"lms": "moodle", "first_name": first, "last_name": last, "id_number": _get(row, "ID number"),
              "email": _get(row, "Email address"),
              "lms_id": _get(row, "lms_id") or re.sub(r"^\D*", "", _get(row, "Identifier"))}
    name = _get(row, "Full name") or f"{first} {last}".strip()
    return fields["id_number"] or fields["email"].partition("@")[0], name, fields


def _layout(columns: list[str], where: str) -> Layout:
    """Which of the three layouts the header is, or a one-line error saying what was expected."""
    have = set(columns)
    if "student_id" in have:
        return _cnnlab
    if {"Student", "ID"} <= have:
        return _canvas
    if ({"First name", "Last name"} <= have or "Full name" in have) and have & {"ID number", "Email address"}:
        return _moodle
    near = next((suggest(c, ["student_id"]) for c in columns if suggest(c, ["student_id"])), "")
    raise TemplateError(where, f"the roster needs a 'student_id' column, found {columns}{near}; a Canvas gradebook "
                               "export ('Student', 'ID') or a Moodle participants export ('First name', 'Last name', "
                               "and 'ID number' or 'Email address') also works as it is")


def read_students(path: str | Path) -> tuple[Student, ...]:
    """Read and check a roster; ids must be unique and safe as file names."""
    name = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except OSError as error:
        raise TemplateError(name, f"cannot read roster: {error.strerror or error}") from None
    reader = csv.DictReader(text.splitlines())
    columns = [c for c in reader.fieldnames or [] if c is not None]
    layout = _layout(columns, f"{name}:1")
    students, seen = [], {}
    for row in reader:
        line = reader.line_num
        if layout is _canvas and (not _get(row, "ID") or _get(row, "Student") in CANVAS_TEST_STUDENTS):
            continue  # "Points Possible" and "Manual Posting" rows carry no ID; the Test Student is not a student
        student_id, full_name, fields = layout(row, columns)
        if not STUDENT_ID.fullmatch(student_id):
            raise TemplateError(f"{name}:{line}", f"student_id {student_id!r} must be 1-64 letters, digits, '.', "
                                                  "'_' or '-' (it names the student's files)")
        if student_id in seen:
            raise TemplateError(f"{name}:{line}", f"duplicate student_id {student_id!r} (first on line "
                                                  f"{seen[student_id]})")
        seen[student_id] = line
        aliases = tuple(dict.fromkeys(v for k, v in fields.items() if v and v != student_id
                                      and k not in ("lms", "section", "first_name", "last_name")))
        students.append(Student(student_id, full_name, aliases, tuple((k, v) for k, v in fields.items() if v)))
    if not students:
        raise TemplateError(name, "the roster lists no students")
    return tuple(students)
