"""`cnnlab grade --answers marks.csv`: a paper exam graded from the cells TAs typed (columns as printed: `Q5
weights`), by the notebooks' checkers, into the same records, results.json files and gradebooks; an unreadable cell
costs its question only, a row that cannot be trusted is a rejected record naming row and column."""

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
from generator.paper.marks_sheet import FIXED, printed_columns, sheet_columns, write_marks_sheet
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
    """Every box of the student's questions as the key has it, written as a person writes it, by printed column."""
    return {printed_columns(n, v)[b.column]: shown(b.expected)
            for n, v in enumerate(variants(keys, student), start=1) for b in boxes(answer_fields(v))}


def column(keys: Path, student: str, qid: str, box: int = 0) -> str:
    """The printed column of a question's box on the student's paper: 'Q7 1'."""
    number, variant = next((n, v) for n, v in enumerate(variants(keys, student), start=1) if v.qid == qid)
    return list(printed_columns(number, variant).values())[box]


def write_sheet(path: Path, keys: Path, rows: Mapping[str, Mapping[str, str]], students: tuple[str, ...] = STUDENTS
                ) -> list[str]:
    """One header naming every student's columns (as one file with every form's rows), each student's row with the
    given cells typed in; returns the header."""
    columns = list(dict.fromkeys(c for s in students for c in sheet_columns(variants(keys, s))))
    header = [*FIXED, *columns]
    table = [header] + [[s, f"Student {s[-1]}", "A", *("" for _ in columns)] for s in students if s in rows]
    for row in table[1:]:
        for name, text in rows[row[0]].items():
            row[header.index(name)] = text
    with path.open("w", encoding="utf-8-sig", newline="") as file:
        csv.writer(file).writerows(table)
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


def test_sheet_has_each_students_printed_columns_with_a_header_where_they_change(keys: Path, tmp_path: Path) -> None:
    """student_id,name,form, then the student's boxes as printed ('Q2 weights', 'Q7 3', 'Q9 r2c2', 'Q15'), in
    printed order; a student whose columns differ from the row above gets a header line of their own; BOM."""
    by_student = {s: variants(keys, s) for s in STUDENTS}
    columns = sheet_columns(by_student["s001"])
    assert columns[0].startswith("Q1 ") and {"Q1 weights 1", "Q1 weights 3", "Q2 weights"} <= set(columns)
    assert {"Q9 r1c1", "Q9 r2c2", "Q15", "Q19 points"} <= set(columns) and len(set(columns)) == len(columns)
    assert not any(c in FIXED for c in columns)
    headers = write_marks_sheet(tmp_path / "t.csv", [(s, f"N {s}", "B", by_student[s]) for s in STUDENTS])
    assert (tmp_path / "t.csv").read_bytes().startswith(b"\xef\xbb\xbfstudent_id,name,form,Q1 ")
    assert headers[0] == columns and len(headers) == len({tuple(sheet_columns(v)) for v in by_student.values()}) > 1
    sheet = read_marks(tmp_path / "t.csv")
    assert [r.cells["student_id"] for r in sheet.rows] == list(STUDENTS) and sheet.rows[0].line == 2
    for row in sheet.rows:
        assert row.header == (*FIXED, *sheet_columns(by_student[row.student_id]))
        assert row.cells["form"] == "B" and not any(row.cells[c] for c in row.header[len(FIXED):])


def test_paper_exam_graded_like_notebooks(keys: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Key answers score full, a blank row 0, one number off less than full, typed code points count, a typo costs
    its question only (named by line and printed column, in the notes and the feedback), and a student without a
    row is missing."""
    near = correct(keys, "s003")
    near[column(keys, "s003", "conv1d", 1)] = str(int(near[column(keys, "s003", "conv1d", 1)]) + 1)
    near[column(keys, "s003", "code-conv2d")] = "5"
    typo = column(keys, "s004", "conv1d", 2)
    bad = {**correct(keys, "s004"), typo: "seven"}
    full = correct(keys, "s001")
    total = column(keys, "s001", "lenet-table", -1)
    full[total] = f"{int(full[total]):,}"  # "61,706", as a person may type it
    write_sheet(tmp_path / "marks.csv", keys, {"s001": full, "s002": {}, "s003": near, "s004": bad})
    out = tmp_path / "graded"
    assert grade(tmp_path / "marks.csv", keys, out, "--junit", str(tmp_path / "junit.xml")) == 0
    line = f"ungraded: marks.csv line 5 (s004), column {typo}: 'seven' is not a number"
    assert f"cnnlab: {line}" in capsys.readouterr().err.splitlines()
    book = gradebook(out)
    assert book["s001"]["status"] == "graded" and book["s001"]["score"] == book["s001"]["max_score"]
    assert book["s002"]["status"] == "graded" and book["s002"]["score"] == "0"
    conv1d_points = next(v.points for v in variants(keys, "s004") if v.qid == "conv1d")
    assert (book["s004"]["status"], book["s004"]["notes"]) == ("graded", line)
    assert float(book["s004"]["score"]) == float(book["s004"]["max_score"]) - conv1d_points
    mine = results(out, "s004")
    assert (mine["conv1d"]["score"], mine["conv1d"]["output"]) == (0.0, line)
    assert all(t["score"] == t["max_score"] for qid, t in mine.items() if qid != "conv1d")
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
    assert line in (out / "students" / "s004" / "feedback.ipynb").read_text("utf-8")
    typed = {r.student_id: r.answers for r in Store(out).records()}  # instructor-only, for copy detection
    assert typed["s001"] == {v.qid: v.answer for v in KeyDir.open(keys).load("s001").questions
                             if v.entry_point is None} and typed["s002"] == {} and "conv1d" not in typed["s004"]
    assert "<testsuite" in (tmp_path / "junit.xml").read_text("utf-8")
    assert cnnlab.main(["report", str(out)]) == 0
    assert line.replace("'", "&#39;") in (out / "report" / "report.html").read_text("utf-8")


def test_rerun_reuses_unchanged_rows_and_a_corrected_row_regrades(keys: Path, tmp_path: Path,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    """Rows are records by sheet and student: unchanged ones are reused, a fixed cell regrades that student only."""
    typo = column(keys, "s002", "conv1d")
    rows = {"s001": correct(keys, "s001"), "s002": {**correct(keys, "s002"), typo: "?"}}
    write_sheet(tmp_path / "marks.csv", keys, rows)
    out = tmp_path / "graded"
    assert grade(tmp_path / "marks.csv", keys, out) == 0
    before = {r.student_id: r for r in Store(out).records()}
    assert grade(tmp_path / "marks.csv", keys, out) == 0
    assert "2 reused from an earlier run" in capsys.readouterr().out
    assert {r.student_id: r for r in Store(out).records()} == before
    rows["s002"][typo] = correct(keys, "s002")[typo]
    write_sheet(tmp_path / "marks.csv", keys, rows)
    assert grade(tmp_path / "marks.csv", keys, out) == 0
    after = Store(out).records()
    assert [(r.student_id, r.status) for r in after] == [("s001", "graded"), ("s002", "graded")]
    assert after[0] == before["s001"] and gradebook(out)["s002"]["score"] == gradebook(out)["s002"]["max_score"]


def test_bad_rows_are_rejected_one_line_each_and_the_rest_graded(keys: Path, tmp_path: Path,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    """Unknown student, two rows of one student, a cell of another student's question, a form that is not the key's,
    a cell past the header and a row without an id reject their row, each named by line and column; points over the
    question's leave that question ungraded and the rest of its row graded."""
    forms = tmp_path / "key"
    shutil.copytree(keys, forms)
    for path in forms.glob("*.json"):  # the exam builder's keys carry the form they were drawn for
        path.write_text(json.dumps({**json.loads(path.read_text("utf-8")), "form": "A"}), "utf-8")
    header = write_sheet(tmp_path / "marks.csv", keys, {s: {} for s in STUDENTS})
    foreign = next(c for c in header[len(FIXED):] if c not in sheet_columns(variants(keys, "s002")))
    points = column(keys, "s003", "code-conv2d")
    with (tmp_path / "marks.csv").open("a", encoding="utf-8", newline="") as file:
        file.write("s999,Nobody,A\r\n" + "s001,Student 1,A\r\n" + ",,,7\r\n")
    lines = (tmp_path / "marks.csv").read_text("utf-8-sig").splitlines()
    table = [next(csv.reader([row])) for row in lines]
    table[2][header.index(foreign)] = "3"  # s002
    table[3][header.index(points)] = "9"  # s003: the question is worth 8
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
        f"ungraded: marks.csv line 4 (s003), column {points}: '9' is not between 0 and 8, the question's points",
        "marks.csv line 5 (s004), column form: 'B', but s004's paper was form A; check which paper this row was "
        "typed from",
        f"marks.csv line 6 (s005), column #{len(header) + 2} (past the header's {len(header)} columns): '2' is under "
        "no column name",
        "marks.csv line 7 (s999): no answer key for student 's999'",
        "marks.csv line 9: no student_id"]
    assert [line.removeprefix("cnnlab: ").removeprefix("row not graded: ") for line in err.splitlines()] == expected
    book = gradebook(out)
    assert {book[s]["status"] for s in (*STUDENTS, "s999") if s != "s003"} == {"rejected"}
    assert book["s003"]["status"] == "graded" and results(out, "s003")["code-conv2d"]["output"] == expected[2]
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
    assert read_marks(tmp_path / "semi.csv").rows[0].header == tuple(header)
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
    deleted = column(keys, "s001", "conv1d", 1)
    with (tmp_path / "marks.csv").open(encoding="utf-8-sig", newline="") as file:
        table = [[cell for i, cell in enumerate(row) if header[i] != deleted] for row in csv.reader(file)]
    with (tmp_path / "marks.csv").open("w", encoding="utf-8", newline="") as file:
        csv.writer(file).writerows(table)
    assert grade(tmp_path / "marks.csv", keys, tmp_path / "out") == 0
    book = gradebook(tmp_path / "out")["s001"]
    assert book["status"] == "graded" and float(book["conv1d"]) < 3
    assert book["notes"] == f"marks.csv line 2 (s001): the sheet has no column {deleted} for s001's questions; " \
                            "read as blank"


def test_several_sheets_at_once_and_a_student_on_two_of_them(keys: Path, tmp_path: Path,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    """Sheets as files and as a folder, graded in one run; a student with rows on two sheets keeps neither."""
    (tmp_path / "sheets").mkdir()
    write_sheet(tmp_path / "sheets" / "one.csv", keys, {"s001": correct(keys, "s001")}, ("s001",))
    write_sheet(tmp_path / "sheets" / "two.csv", keys, {"s002": correct(keys, "s002")}, ("s002",))
    write_sheet(tmp_path / "three.csv", keys, {"s003": correct(keys, "s003"), "s001": {}}, ("s003", "s001"))
    out = tmp_path / "out"
    assert cnnlab.main(["grade", "--answers", str(tmp_path / "sheets"), str(tmp_path / "three.csv"), "--key",
                        str(keys), "--out", str(out)]) == 0
    assert capsys.readouterr().err.splitlines() == [
        "cnnlab: row not graded: three.csv line 3 (s001): s001 already has a row on one.csv line 2; keep one of them"]
    book = gradebook(out)
    assert [book[s]["status"] for s in STUDENTS] == ["rejected", "graded", "graded", "missing", "missing"]
    assert book["s002"]["percent"] == book["s003"]["percent"] == "100.0"
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "one.csv").write_bytes((tmp_path / "sheets" / "one.csv").read_bytes())
    assert cnnlab.main(["grade", "--answers", str(tmp_path / "sheets"), str(tmp_path / "other" / "one.csv"),
                        "--key", str(keys), "--out", str(tmp_path / "out2")]) == 2
    assert "another marks sheet is also named one.csv" in capsys.readouterr().err
