"""Identification: metadata, file name (Canvas style) and roster, with a flag for every fallback or mismatch."""

from grader.pipeline.identify import identify, ids_in_filename
from grader.pipeline.roster import Roster

KNOWN = Roster({"s001": "Ada", "s002": "Bob"}, {"s001": "s001", "s002": "s002", "98765": "s002"})


def test_canvas_file_name_finds_student_by_lms_alias() -> None:
    assert ids_in_filename("bobsmith_98765_1234_hw1.ipynb", KNOWN.aliases) == ("s002",)
    assert ids_in_filename("hw1_s0011.ipynb", KNOWN.aliases) == (), "ids match whole tokens only"


def test_agreeing_metadata_and_file_name() -> None:
    identity = identify("s001", "adalovelace_111_222_hw1_s001.ipynb", KNOWN, KNOWN)
    assert identity.student_id == "s001" and identity.flags == ()


def test_metadata_of_another_student_is_flagged_and_file_name_wins() -> None:
    identity = identify("s001", "bobsmith_98765_1234_hw1.ipynb", KNOWN, KNOWN)
    assert identity.student_id == "s002"
    assert "metadata says student 's001'" in identity.flags[0] and "flagged" in identity.flags[0]


def test_cleared_metadata_falls_back_to_file_name_and_says_so() -> None:
    identity = identify(None, "s001.ipynb", KNOWN, KNOWN)
    assert identity.student_id == "s001" and "no student id" in identity.flags[0]


def test_metadata_only_and_not_on_roster() -> None:
    assert identify("s002", "submission.ipynb", KNOWN, None).student_id == "s002"
    identity = identify("s999", "submission.ipynb", KNOWN, KNOWN)
    assert identity.student_id == "s999" and "not on the roster" in identity.flags[-1]


def test_unidentifiable() -> None:
    identity = identify("", "submission.ipynb", KNOWN, None)
    assert identity.student_id is None and "cannot identify" in identity.flags[0]


def test_file_name_naming_two_students_is_ignored() -> None:
    identity = identify("s001", "s001_copied_from_s002.ipynb", KNOWN, None)
    assert identity.student_id == "s001" and "several students" in identity.flags[0]
