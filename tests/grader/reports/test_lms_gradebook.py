"""LMS rosters in (Canvas gradebook export, Moodle participants export), LMS file names, and grades out as the
CSV each LMS imports."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from pathlib import Path

import pytest

from cnnlab import main as cnnlab
from grader.pipeline.identify import identify
from grader.reports.lms_gradebook import canvas_csv, moodle_csv
from grader.pipeline.records import GradedSubmission, Score
from grader.pipeline.roster import read_roster
from grader.pipeline.store import Store
from tests.grader.classroom import correct_class

CANVAS = ('Student,ID,SIS User ID,SIS Login ID,Section,Problem set 1 (4321)\n'
          '    Points Possible,,,,,88\n'
          '"Lovelace, Ada",111,s001,ada,CS 101 A,\n'
          '"Babbage, Charles",222,,cbabbage,CS 101 B,\n'
          '"Student, Test",999,,,CS 101 A,\n')
MOODLE = ('First name,Last name,ID number,Email address\n'
          'Ada,Lovelace,s001,ada@uni.example\n'
          'Charles,Babbage,,cbabbage@uni.example\n')
WORKSHEET = ('Identifier,Full name,Email address,Status,Grade\n'
             'Participant 1237,Ada Lovelace,ada@uni.example,Submitted,\n')


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_canvas_gradebook_export_is_a_roster(tmp_path: Path) -> None:
    roster = read_roster(write(tmp_path, "canvas.csv", CANVAS))
    assert roster.names == {"s001": "Lovelace, Ada", "222": "Babbage, Charles"}, "SIS id, else Canvas ID; no test"
    assert roster.aliases["111"] == "s001" and roster.aliases["ada"] == "s001" and roster.aliases["cbabbage"] == "222"
    assert roster.details["s001"] == {"lms": "canvas", "canvas_id": "111", "sis_user_id": "s001", "sis_login_id": "ada",
                                      "section": "CS 101 A"}


def test_moodle_participants_and_worksheet_are_rosters(tmp_path: Path) -> None:
    roster = read_roster(write(tmp_path, "moodle.csv", MOODLE))
    assert roster.names == {"s001": "Ada Lovelace", "cbabbage": "Charles Babbage"}, "ID number, else e-mail's name"
    assert roster.aliases["ada@uni.example"] == "s001" and roster.details["s001"]["first_name"] == "Ada"
    worksheet = read_roster(write(tmp_path, "worksheet.csv", WORKSHEET))
    assert worksheet.aliases["1237"] == "ada" and worksheet.names["ada"] == "Ada Lovelace"


def test_unknown_roster_layout_is_one_line_naming_the_file(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"x.csv:1: the roster needs a 'student_id' column, found \['Name'\]; a Canvas"):
        read_roster(write(tmp_path, "x.csv", "Name\nAda\n"))


def test_moodle_folder_names_the_student_by_participant_id_or_full_name(tmp_path: Path) -> None:
    roster = read_roster(write(tmp_path, "r.csv", "student_id,name,lms_id\ns001,Ada Lovelace,1237\ns002,Bob Ross,\n"))
    by_id = identify(None, "Someone Else_1237_assignsubmission_file_/ps1.ipynb", roster, roster)
    assert by_id.student_id == "s001" and by_id.source == "file name"
    by_name = identify(None, "bob  ross_5555_assignsubmission_file_/ps1.ipynb", roster, roster)
    assert by_name.student_id == "s002"
    assert identify(None, "Nobody_5555_assignsubmission_file_/ps1.ipynb", roster, roster).student_id is None


def record(student: str | None, filename: str, points: float) -> GradedSubmission:
    return GradedSubmission(filename.ljust(64, "0"), f"zip:{filename}", filename, student, "cnn-ps1", "k",
                            "graded" if student else "rejected", (Score("q1", points, 10.0, ""),), (), 0.2)


def test_canvas_late_marker_is_recorded() -> None:
    late = record("s001", "lovelaceada_LATE_111_5_ps1.ipynb", 4)
    assert late.late and late.to_json()["late"] is True and GradedSubmission.from_json(late.to_json()) == late
    assert not record("s001", "lovelaceada_111_5_ps1.ipynb", 4).late


def test_canvas_and_moodle_csv_layouts(tmp_path: Path) -> None:
    records = [record("s001", "a.ipynb", 7.5), record("s001", "b.ipynb", 9.25), record(None, "c.ipynb", 0)]
    rows = list(csv.reader(io.StringIO(canvas_csv(records, read_roster(write(tmp_path, "c.csv", CANVAS)),
                                                  "Problem set 1 (4321)"))))
    assert rows[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "Problem set 1 (4321)"]
    assert rows[1] == ["Points Possible", "", "", "", "", "10"]
    assert rows[2:] == [["Babbage, Charles", "222", "", "cbabbage", "CS 101 B", ""],
                        ["Lovelace, Ada", "111", "s001", "ada", "CS 101 A", "9.25"]]
    rows = list(csv.reader(io.StringIO(moodle_csv(records, read_roster(write(tmp_path, "m.csv", MOODLE)), "PS1"))))
    assert rows == [["First name", "Last name", "ID number", "Email address", "PS1"],
                    ["Charles", "Babbage", "", "cbabbage@uni.example", ""],
                    ["Ada", "Lovelace", "s001", "ada@uni.example", "9.25"]]
    plain = list(csv.reader(io.StringIO(canvas_csv(records, None, "PS1"))))
    assert plain[2] == ["s001", "", "s001", "", "", "9.25"], "without a roster the SIS User ID is the student id"


def test_lms_zips_graded_end_to_end_then_exported(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Moodle folders (participant id; an unknown one) and a Canvas LATE file, graded; then both LMS exports."""
    key, notebook = correct_class(tmp_path / "class", students=2)
    cleared = json.loads(json.dumps(notebook))
    cleared["metadata"]["cnnlab"]["student_id"] = ""
    other = json.loads(json.dumps(cleared))
    submissions = tmp_path / "moodle.zip"
    with zipfile.ZipFile(submissions, "w") as archive:
        archive.writestr("Student One_1237_assignsubmission_file_/ps1.ipynb", json.dumps(cleared))
        archive.writestr("Who Knows_4444_assignsubmission_file_/ps1.ipynb", json.dumps(other))
    canvas = tmp_path / "studenttwo_LATE_2002_77_ps1.ipynb"
    canvas.write_text(json.dumps(cleared), encoding="utf-8")
    roster = write(tmp_path, "roster.csv", "student_id,name,lms_id,canvas_id\ns001,Student One,1237,2001\n"
                                           "s002,Student Two,,2002\ns003,Student Three,,2003\n")
    out = tmp_path / "graded"
    assert cnnlab(["grade", str(submissions), str(canvas), "--key", str(key), "--out", str(out), "--roster",
                   str(roster), "--workers", "1"]) == 0
    rows = {(r["student_id"], r["status"], r["late"]) for r in csv.DictReader((out / "gradebook.csv").open())}
    assert ("s001", "graded", "") in rows and ("s002", "graded", "late") in rows and ("s003", "missing", "") in rows
    assert ("", "rejected", "") in rows, "the unknown folder is a row with its status, not a missing student"
    assert cnnlab(["report", str(out), "--export", "canvas", "--roster", str(roster)]) == 0
    exported = list(csv.reader((out / "canvas-grades.csv").open()))
    assert exported[0][-1] == "simulated-hw" and exported[1][0] == "Points Possible"
    assert [r[1] for r in exported[2:]] == ["2001", "2002", "2003"] and exported[2][-1] == exported[1][-1]
    assert exported[4][-1] == "", "no submission: a blank cell, which Canvas leaves as it is"
    assert "1 submission(s) with no identified student" in capsys.readouterr().err
    assert cnnlab(["report", str(out), "--export", "moodle", "--out", str(tmp_path / "m.csv")]) == 0
    assert (tmp_path / "m.csv").read_text().startswith("First name,Last name,ID number,Email address,simulated-hw\n")
    assert Store(out).records()[0].to_json()["late"] in (True, False)
