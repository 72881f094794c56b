"""Per-submission and class outputs: atomic store, Gradescope results.json, feedback notebook, gradebooks, JUnit."""

import csv
import json
import sqlite3
import xml.etree.ElementTree as ET
from pathlib import Path

import nbformat

from grader.reports.feedback import feedback_notebook
from grader.reports.gradebook import best_per_student
from grader.reports.results_json import results_json
from grader.reports.junit import junit_xml
from grader.reports.class_outputs import write_class_outputs
from grader.pipeline.records import GradedSubmission, Score
from grader.pipeline.roster import Roster
from generator.files import PUBLIC, write_bytes_atomic
from grader.pipeline.store import Store


def record(student: str | None, digest: str, points: tuple[float, float], notes: tuple[str, ...] = ()
           ) -> GradedSubmission:
    scores = (Score("q1", points[0], 2.0, "correct" if points[0] == 2 else "wrong", (("a", points[0], 2.0),)),
              Score("q2", points[1], 3.0, "2/3 hidden test cases passed"))
    return GradedSubmission(digest, f"zip:{digest}.ipynb", f"{digest}.ipynb", student, "hw1", "k" if student else None,
                            "graded" if student else "rejected", scores, notes, 0.5, "2024-01-01T00:00:00+00:00")


def test_record_round_trip_and_store_resume(tmp_path: Path) -> None:
    store = Store(tmp_path)
    r = record("s1", "a" * 64, (2.0, 1.0), ("note",))
    assert GradedSubmission.from_json(json.loads(json.dumps(r.to_json()))) == r
    assert store.load(r.digest) is None
    store.save(r, {"results.json": b"{}"})
    assert store.load(r.digest) == r and store.records() == [r]
    (store.folder(r.digest) / "record.json").write_text("{truncated")
    assert store.load(r.digest) is None and store.records() == [], "a damaged record means: grade again"
    assert not list(tmp_path.rglob("*.tmp")), "no temporary files left behind"


def test_atomic_write_replaces(tmp_path: Path) -> None:
    write_bytes_atomic(tmp_path / "x" / "f.txt", b"one", mode=PUBLIC)
    write_bytes_atomic(tmp_path / "x" / "f.txt", b"two", mode=PUBLIC)
    assert (tmp_path / "x" / "f.txt").read_bytes() == b"two"


def test_gradescope_results_follow_the_spec() -> None:
    data = results_json(record("s1", "b" * 64, (2.0, 1.0), ("flagged",)), {"q1": "Output size"})
    assert data["score"] == 3.0 and "max_score" not in data and data["extra_data"]["max_score"] == 5.0
    assert data["execution_time"] == 1 and data["extra_data"]["late"] is False
    assert [t["name"] for t in data["tests"]] == ["q1: Output size", "q2"]
    assert [t["status"] for t in data["tests"]] == ["passed", "failed"]
    for test in data["tests"]:
        assert set(test) <= {"score", "max_score", "status", "name", "name_format", "number", "output",
                             "output_format", "tags", "visibility", "extra_data"}
        assert test["visibility"] in ("hidden", "after_due_date", "after_published", "visible")
    assert "flagged" in data["output"]


def test_feedback_cell_under_each_answer_even_reordered() -> None:
    nb = {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [
        {"cell_type": "code", "id": "c2", "metadata": {"cnnlab": {"qid": "q2", "role": "code"}}, "source": "",
         "outputs": [], "execution_count": None},
        {"cell_type": "markdown", "id": "m", "metadata": {}, "source": "text"},
        {"cell_type": "code", "id": "c1", "metadata": {"cnnlab": {"qid": "q1", "role": "answer"}},
         "source": "answer_q1 = '<script>'", "outputs": [], "execution_count": None}]}
    out = feedback_notebook(nb, record("s1", "c" * 64, (2.0, 1.0), ("<b>note</b>",)))
    nbformat.validate(nbformat.from_dict(out))
    ids = [c["id"] for c in out["cells"]]
    assert ids[1] == "c2" and out["cells"][2]["metadata"]["cnnlab"] == {"role": "feedback", "qid": "q2"}
    assert out["cells"][-1]["metadata"]["cnnlab"]["qid"] == "q1" and "2/2" in out["cells"][-1]["source"]
    assert "&lt;b&gt;" in out["cells"][0]["source"], "student-derived text is escaped"
    alone = feedback_notebook(None, record(None, "d" * 64, (0.0, 0.0), ("not JSON",)))
    nbformat.validate(nbformat.from_dict(alone))
    assert "not JSON" in alone["cells"][0]["source"]


def test_best_submission_counts_once() -> None:
    low, high = record("s1", "1" * 64, (0.0, 1.0)), record("s1", "2" * 64, (2.0, 3.0))
    assert best_per_student([high, low, record(None, "3" * 64, (0, 0))]) == {"s1": high}


def test_class_outputs_are_idempotent(tmp_path: Path) -> None:
    store = Store(tmp_path)
    runs = [record("s1", "1" * 64, (0.0, 1.0)), record("s1", "2" * 64, (2.0, 3.0)), record("s2", "3" * 64, (1, 1)),
            record(None, "4" * 64, (0.0, 0.0), ("cannot identify",))]
    for r in runs:
        store.save(r, {"results.json": json.dumps({"digest": r.digest}).encode(), "feedback.ipynb": b"{}"})
    roster = Roster({"s1": "Ada", "s2": "Bob", "s3": "Cy"}, {})
    for _ in range(2):
        write_class_outputs(store, roster, runs[:1], tmp_path / "junit.xml")
    rows = list(csv.DictReader((tmp_path / "gradebook.csv").open()))
    assert [(r["student_id"], r["score"], r["status"]) for r in rows] == [
        ("s1", "5", "graded"), ("s2", "2", "graded"), ("s3", "", "missing"), ("", "0", "rejected")]
    assert rows[-1]["notes"] == "cannot identify" and rows[-1]["submission"] == "zip:" + "4" * 64 + ".ipynb"
    db = sqlite3.connect(tmp_path / "gradebook.sqlite")
    assert db.execute("SELECT count(*) FROM submissions").fetchone() == (4,)
    assert db.execute("SELECT count(*) FROM scores").fetchone() == (8,)
    assert db.execute("SELECT sum(score) FROM submissions WHERE counted").fetchone() == (7.0,)
    assert json.loads((tmp_path / "students" / "s1" / "results.json").read_text())["digest"] == "2" * 64
    assert json.loads((tmp_path / "results.json").read_text())["digest"] == "1" * 64, "one graded: Gradescope path"


def test_junit_has_failures_and_errors() -> None:
    root = ET.fromstring(junit_xml([record("s1", "1" * 64, (2.0, 1.0)), GradedSubmission(
        "9" * 64, "x", "x.ipynb", None, None, None, "rejected", (), ("x.ipynb: not JSON",), 0.0)]))
    suites = root.findall("testsuite")
    assert [s.get("failures") for s in suites] == ["1", "0"] and suites[1].get("errors") == "1"
    assert "not JSON" in suites[1].find("testcase/error").get("message")
