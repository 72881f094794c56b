"""`cnnlab grade --answers marks.csv`: a paper exam graded from the cells TAs typed, by the notebooks' checkers, into
the same records, results.json files and gradebooks; bad rows are rejected records naming row and column."""

from __future__ import annotations

import csv
import json
import shutil
from collections.abc import Mapping
from pathlib import Path

import pytest

import cnnlab
from generator.fields import boxes, shown
from generator.kinds import answer_fields
from generator.model import Variant
from grader.pipeline.answer_key import KeyDir
from generator.paper.marks_sheet import FIXED, marks_columns, question_columns, write_marks_template
from grader.marks.sheet import read_marks
from grader.pipeline.store import Store

REPO = Path(__file__).resolve().parents[3]
STUDENTS = ("s001", "s002", "s003", "s004", "s005")


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The answer keys of five students of the bundled problem set, by the real generator."""
    root = tmp_path_factory.mktemp("class")
    (root / "roster.csv").write_text("student_id,name\n" + "".join(f"{s},Student {s[-1]}\n" for s in STUDENTS),
                                     "utf-8")
    assert cnnlab.main(["generate", str(REPO / "assignments" / "cnn-problem-set.yaml"), "--roster",
                        str(root / "roster.csv"), "--secret-file", str(REPO / "assignments" / "demo.secret"),
                        "--out", str(root / "gen")]) == 0
    return root / "gen" / "key"


def variants(keys: Path, student: str) -> list[Variant]:
    """The student's questions, as the key holds them."""
    return [Variant.from_key(q) for q in json.loads((keys / f"{student}.json").read_text("utf-8"))["questions"]]


def correct(keys: Path, student: str) -> dict[str, str]:
    """Every box of the student's questions as the key has it, written as a person writes it."""
    return {b.column: shown(b.expected) for v in variants(keys, student) for b in boxes(answer_fields(v))}


def write_sheet(path: Path, keys: Path, rows: Mapping[str, Mapping[str, str]], students: tuple[str, ...] = STUDENTS
                ) -> list[str]:
    """The exam's template for the students, then the given cells typed into their rows; returns the header."""
    write_marks_template(path, [(s, f"Student {s[-1]}", "A", variants(keys, s)) for s in students])
    with path.open(encoding="utf-8-sig", newline="") as file:
        table = list(csv.reader(file))
    header = table[0]
    kept = [table[0]] + [r for r in table[1:] if r[0] in rows]
    for row in kept[1:]:
        for column, text in rows[row[0]].items():
            row[header.index(column)] = text
    with path.open("w", encoding="utf-8-sig", newline="") as file:
        csv.writer(file).writerows(kept)
    return header


def gradebook(out: Path) -> dict[str, dict[str, str]]:
    """gradebook.csv by student id."""
    with (out / "gradebook.csv").open(encoding="utf-8") as file:
        return {row["student_id"]: row for row in csv.DictReader(file)}


def results(out: Path, student: str) -> dict[str, dict]:
    """The student's results.json tests by question id."""
    data = json.loads((out / "students" / student / "results.json").read_text("utf-8"))
    return {t["name"].split(":")[0]: t for t in data["tests"]}


def grade(sheet: Path, keys: Path, out: Path, *more: str) -> int:
    """`cnnlab grade --answers SHEET --key KEYS --out OUT`."""
    return cnnlab.main(["grade", "--answers", str(sheet), "--key", str(keys), "--out", str(out), *more])


def test_template_header_is_every_students_columns_in_order(keys: Path, tmp_path: Path) -> None:
    """student_id,name,form, then each box column once, in first appearance; rows prefilled, cells empty, BOM."""
    by_student = {s: variants(keys, s) for s in STUDENTS}
    columns = marks_columns(by_student)
    assert columns[:len(question_columns(by_student["s001"]))] == question_columns(by_student["s001"])
    assert set(columns) == {c for vs in by_student.values() for c in question_columns(vs)}
    assert len(columns) == len(set(columns)) and "code-conv2d.points" in columns
    write_marks_template(tmp_path / "t.csv", [(s, f"N {s}", "B", by_student[s]) for s in STUDENTS])
    assert (tmp_path / "t.csv").read_bytes().startswith(b"\xef\xbb\xbfstudent_id,name,form,")
    sheet = read_marks(tmp_path / "t.csv")
    assert sheet.header == (*FIXED, *columns)
    assert [r.cells["student_id"] for r in sheet.rows] == list(STUDENTS) and sheet.rows[0].line == 2
    assert all(r.cells["form"] == "B" and not any(r.cells[c] for c in columns) for r in sheet.rows)


def test_paper_exam_graded_like_notebooks(keys: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Key answers score full, a blank row 0, one number off less than full, typed code points count, a bad cell
    rejects its row only (naming line and column), and a student without a row is missing."""
    near = correct(keys, "s003")
    near["conv1d.2"] = str(int(near["conv1d.2"]) + 1)
    near["code-conv2d.points"] = "5"
    bad = {**correct(keys, "s004"), "conv1d.3": "x"}
    full = correct(keys, "s001")
    full["lenet-table.total"] = f"{int(full['lenet-table.total']):,}"  # "61,706", as a person may type it
    write_sheet(tmp_path / "marks.csv", keys, {"s001": full, "s002": {}, "s003": near, "s004": bad})
    out = tmp_path / "graded"
    assert grade(tmp_path / "marks.csv", keys, out, "--junit", str(tmp_path / "junit.xml")) == 0
    line = "marks.csv line 5 (s004), column conv1d.3: 'x' is not a number"
    assert f"cnnlab: row not graded: {line}" in capsys.readouterr().err
    book = gradebook(out)
    assert book["s001"]["status"] == "graded" and book["s001"]["score"] == book["s001"]["max_score"]
    assert book["s002"]["status"] == "graded" and book["s002"]["score"] == "0"
    assert (book["s004"]["status"], book["s004"]["score"], book["s004"]["notes"]) == ("rejected", "0", line)
    assert book["s005"]["status"] == "missing" and book["s004"]["name"] == "Student 4"  # names: the sheet's
    mine = results(out, "s003")
    assert 0 < mine["conv1d"]["score"] < mine["conv1d"]["max_score"] and "parts wrong" in mine["conv1d"]["output"]
    assert (mine["code-conv2d"]["score"], mine["code-conv2d"]["output"]) == (
        5.0, "marked by hand against the rubric: 5/8 points")
    assert sum(t["score"] for t in mine.values()) == float(book["s003"]["score"]) < float(book["s003"]["max_score"])
    assert all(t["score"] == t["max_score"] and (t["output"] == "correct" or t["output"].startswith(
        "marked by hand against the rubric: ")) for t in results(out, "s001").values())
    blank = results(out, "s002")
    assert {t["output"] for t in blank.values()} <= {"no answer", "no answer (no points marked)"}
    assert all(t["output"] == f"not graded: {line}" for t in results(out, "s004").values())
    assert json.loads((out / "students" / "s001" / "feedback.ipynb").read_text("utf-8"))["cells"]
    typed = {r.student_id: r.answers for r in Store(out).records()}  # instructor-only, for copy detection
    assert typed["s001"] == {v.qid: v.answer for v in KeyDir.open(keys).load("s001").questions
                             if v.entry_point is None} and typed["s002"] == {} and typed["s004"] == {}
    assert "<testsuite" in (tmp_path / "junit.xml").read_text("utf-8")
    assert cnnlab.main(["report", str(out)]) == 0 and (out / "report" / "report.html").exists()


def test_rerun_reuses_unchanged_rows_and_a_corrected_row_regrades(keys: Path, tmp_path: Path,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    """Rows are records by sheet and student: unchanged ones are reused, a fixed cell regrades that student only."""
    rows = {"s001": correct(keys, "s001"), "s002": {**correct(keys, "s002"), "conv1d.1": "?"}}
    write_sheet(tmp_path / "marks.csv", keys, rows)
    out = tmp_path / "graded"
    assert grade(tmp_path / "marks.csv", keys, out) == 0
    before = {r.student_id: r for r in Store(out).records()}
    assert grade(tmp_path / "marks.csv", keys, out) == 0
    assert "2 reused from an earlier run" in capsys.readouterr().out
    assert {r.student_id: r for r in Store(out).records()} == before
    rows["s002"]["conv1d.1"] = correct(keys, "s002")["conv1d.1"]
    write_sheet(tmp_path / "marks.csv", keys, rows)
    assert grade(tmp_path / "marks.csv", keys, out) == 0
    after = Store(out).records()
    assert [(r.student_id, r.status) for r in after] == [("s001", "graded"), ("s002", "graded")]
    assert after[0] == before["s001"] and gradebook(out)["s002"]["score"] == gradebook(out)["s002"]["max_score"]


def test_bad_rows_are_rejected_one_line_each_and_the_rest_graded(keys: Path, tmp_path: Path,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    """Unknown student, two rows of one student, a cell of another student's question, points over the question's,
    a form that is not the key's, a cell past the header and a row without an id: each named by line and column."""
    forms = tmp_path / "key"
    shutil.copytree(keys, forms)
    for path in forms.glob("*.json"):  # the exam builder's keys carry the form they were drawn for
        path.write_text(json.dumps({**json.loads(path.read_text("utf-8")), "form": "A"}), "utf-8")
    header = write_sheet(tmp_path / "marks.csv", keys, {s: {} for s in STUDENTS})
    foreign = next(c for c in header[len(FIXED):] if c not in question_columns(variants(keys, "s002")))
    with (tmp_path / "marks.csv").open("a", encoding="utf-8", newline="") as file:
        file.write("s999,Nobody,A\r\n" + "s001,Student 1,A\r\n" + ",,,7\r\n")
    lines = (tmp_path / "marks.csv").read_text("utf-8-sig").splitlines()
    table = [next(csv.reader([row])) for row in lines]
    table[2][header.index(foreign)] = "3"  # s002
    table[3][header.index("code-conv2d.points")] = "9"  # s003: the question is worth 8
    table[4][header.index("form")] = "B"  # s004
    table[5] += ["", "2"]  # s005: past the header
    with (tmp_path / "marks.csv").open("w", encoding="utf-8-sig", newline="") as file:
        csv.writer(file).writerows(table)
    out = tmp_path / "graded"
    assert grade(tmp_path / "marks.csv", forms, out) == 0
    err = capsys.readouterr().err
    expected = [
        "marks.csv line 8 (s001): s001 already has a row on line 2; keep one of them",
        f"marks.csv line 3 (s002), column {foreign}: '3' is in a column of a question s002 does not have "
        "(typed into the wrong column or row?)",
        "marks.csv line 4 (s003), column code-conv2d.points: '9' is not between 0 and 8, the question's points",
        "marks.csv line 5 (s004), column form: 'B', but s004's paper was form A; check which paper this row was "
        "typed from",
        f"marks.csv line 6 (s005), column #{len(header) + 2} (past the header's {len(header)} columns): '2' is under "
        "no column name",
        "marks.csv line 7 (s999): no answer key for student 's999'",
        "marks.csv line 9: no student_id"]
    assert [line.removeprefix("cnnlab: row not graded: ") for line in err.splitlines()] == expected
    book = gradebook(out)
    assert {book[s]["status"] for s in (*STUDENTS, "s999")} == {"rejected"}
    records = Store(out).records()
    assert len(records) == 7 and {r.student_id for r in records} == {*STUDENTS, "s999", None}


@pytest.mark.parametrize(("content", "message"), [
    (b"student_id,name,form\ns001,Ad\xe9le,A\n", "marks.csv line 2: not UTF-8 text (byte 0xe9)"),
    (b"id,name,form\ns001,A,A\n", "the header has no student_id column"),
    (b"", "empty file"),
    (b"student_id,conv1d.1,conv1d.1\n", "the header names column 'conv1d.1' twice"),
    (b'student_id,name\ns001,"Ada\n', "marks.csv line 2: not readable as CSV"),
])
def test_a_bad_file_is_one_line_and_exit_2(keys: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                           content: bytes, message: str) -> None:
    """A sheet that cannot be read as a whole stops the run before anything is written."""
    (tmp_path / "marks.csv").write_bytes(content)
    assert grade(tmp_path / "marks.csv", keys, tmp_path / "out") == 2
    err = capsys.readouterr().err
    assert err.startswith("cnnlab: error: ") and message in err and err.count("\n") == 1
    assert not (tmp_path / "out").exists()


def test_notebooks_and_answers_exclude_each_other(keys: Path, tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    """Either notebooks or a marks sheet, not both, and not neither."""
    assert cnnlab.main(["grade", str(tmp_path), "--answers", "m.csv", "--key", str(keys), "--out", "o"]) == 2
    assert cnnlab.main(["grade", "--key", str(keys), "--out", "o"]) == 2
    err = capsys.readouterr().err.splitlines()
    assert err == ["cnnlab: error: give either notebooks (files, folders or zips) or --answers CSV, not both",
                   "cnnlab: error: nothing to grade: give notebooks (files, folders or zips), or --answers CSV"]


def test_excel_semicolons_and_a_bom_are_read(keys: Path, tmp_path: Path) -> None:
    """A spreadsheet in a decimal-comma locale saves with ';'; Excel's CSV UTF-8 starts with a BOM."""
    rows = {"s001": correct(keys, "s001")}
    header = write_sheet(tmp_path / "comma.csv", keys, rows, ("s001",))
    text = (tmp_path / "comma.csv").read_text("utf-8-sig")
    (tmp_path / "semi.csv").write_bytes(b"\xef\xbb\xbf" + text.replace(",", ";").encode("utf-8"))
    assert read_marks(tmp_path / "semi.csv").header == tuple(header)
    assert grade(tmp_path / "semi.csv", keys, tmp_path / "out") == 0
    assert gradebook(tmp_path / "out")["s001"]["percent"] == "100.0"


def test_keys_with_a_form_grade_and_the_roster_names_the_missing(keys: Path, tmp_path: Path) -> None:
    """The exam builder's keys carry "form"; the row's form agrees (any case); --roster lists who has no row."""
    forms = tmp_path / "key"
    shutil.copytree(keys, forms)
    path = forms / "s001.json"
    path.write_text(json.dumps({**json.loads(path.read_text("utf-8")), "form": "A"}), "utf-8")
    write_sheet(tmp_path / "marks.csv", keys, {"s001": {**correct(keys, "s001"), "form": "a"}}, ("s001",))
    (tmp_path / "roster.csv").write_text("student_id,name\ns001,Ada\ns002,Alan\n", "utf-8")
    assert grade(tmp_path / "marks.csv", forms, tmp_path / "out", "--roster", str(tmp_path / "roster.csv")) == 0
    book = gradebook(tmp_path / "out")
    assert (book["s001"]["name"], book["s001"]["percent"]) == ("Ada", "100.0")
    assert (book["s002"]["name"], book["s002"]["status"]) == ("Alan", "missing") and "s003" not in book


def test_a_grader_side_failure_is_an_error_record_and_exit_2(keys: Path, tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    """A checker that raises is the grader's defect: the row is an error record (graded again next run), exit 2."""
    write_sheet(tmp_path / "marks.csv", keys, {"s001": correct(keys, "s001")}, ("s001",))

    def broken(*args: object) -> None:
        raise RuntimeError("checker broke")

    monkeypatch.setattr("grader.marks.grading.kinds.score", broken)
    assert grade(tmp_path / "marks.csv", keys, tmp_path / "out") == 2
    assert "grader error: RuntimeError in marks: checker broke" in capsys.readouterr().err
    assert [r.status for r in Store(tmp_path / "out").records()] == ["error"]
    monkeypatch.undo()
    assert grade(tmp_path / "marks.csv", keys, tmp_path / "out") == 0
    assert [r.status for r in Store(tmp_path / "out").records()] == ["graded"]


def test_a_column_missing_from_the_header_reads_as_blank_with_a_note(keys: Path, tmp_path: Path) -> None:
    """A deleted column cannot be typed into: its box is blank, and the record says which column was missing."""
    header = write_sheet(tmp_path / "marks.csv", keys, {"s001": correct(keys, "s001")}, ("s001",))
    with (tmp_path / "marks.csv").open(encoding="utf-8-sig", newline="") as file:
        table = [[cell for i, cell in enumerate(row) if header[i] != "conv1d.2"] for row in csv.reader(file)]
    with (tmp_path / "marks.csv").open("w", encoding="utf-8", newline="") as file:
        csv.writer(file).writerows(table)
    assert grade(tmp_path / "marks.csv", keys, tmp_path / "out") == 0
    book = gradebook(tmp_path / "out")["s001"]
    assert book["status"] == "graded" and float(book["conv1d"]) < 3
    assert book["notes"] == "marks.csv line 2 (s001): the sheet has no column conv1d.2 for s001's questions; " \
                            "read as blank"


def test_an_answer_column_may_not_take_a_fixed_columns_name() -> None:
    """A question whose id is 'name' would write its one box into the name column: refused when the sheet is made."""
    question = Variant("name", "receptive_field", 1, {}, 5, 2.0, variable="answer_name")
    assert question_columns([question]) == ["name"]
    with pytest.raises(ValueError, match="answer column is named 'name'"):
        marks_columns({"s001": [question]})
