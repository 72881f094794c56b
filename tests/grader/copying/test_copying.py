"""Copy detection: copied answers are found, honest plausible mistakes are not, and only the instructor sees it."""

from __future__ import annotations

import copy
import csv
import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from cnnlab import main as cnnlab
from generator.fields import boxes
from generator.kinds import KINDS, answer_fields
from generator.model import Misconception, Score, Variant
from tests.support.simulate import make_class, simulate
from grader.copying import class_check, values as copying_values
from grader.copying.detect import Submitted, detect, key_parts, threshold_for
from grader.pipeline.answer_key import KeyDir
from tests.support.copying_sim import class_variants, simulate_class
from grader.reports.feedback import feedback_notebook
from grader.reports.results_json import results_json
from grader.reports.class_outputs import write_student_copies
from grader.pipeline.records import GradedSubmission
from grader.pipeline.store import Store, json_bytes


@pytest.fixture(scope="module")
def keys() -> dict[str, tuple[Variant, ...]]:
    return class_variants([f"s{i:03d}" for i in range(120)], b"copying-test")


def _copier(keys: dict[str, tuple[Variant, ...]], copier: str, source: str, count: int) -> dict[str, Any]:
    """The copier's answers: their own right ones, then `count` of the source's right answers on shared questions."""
    mine = {v.qid: copy.deepcopy(v.answer) for v in keys[copier] if v.entry_point is None}
    theirs = {v.qid: v.answer for v in keys[source] if v.entry_point is None}
    for qid in [q for q in mine if q in theirs and mine[q] != theirs[q]][:count]:
        mine[qid] = copy.deepcopy(theirs[qid])
    return mine


def test_the_parts_are_the_answer_boxes(keys: dict[str, tuple[Variant, ...]]) -> None:
    for variant in keys["s000"]:
        if variant.entry_point is None:
            parts = [p for p in key_parts(variant) if p != ("*",)]
            assert parts == [b.path for b in boxes(answer_fields(variant))], variant.qid


def test_a_copied_pair_is_found_with_its_values_and_whose_they_are(keys: dict[str, tuple[Variant, ...]]) -> None:
    simulated = simulate_class(keys, copiers=0, seed=1)
    submitted = [s for s in simulated.submitted if s.student_id != "s007"]
    submitted.append(Submitted("s007", _copier(keys, "s007", "s042", 4)))
    flagged = detect(keys, submitted)
    pair = next(p for p in flagged if {p.first, p.second} == {"s007", "s042"})
    assert len(pair.questions) >= 2 and pair.strength >= threshold_for(len(keys))
    assert all(m.student == "s007" and m.owner == "s042" and m.how == "key" for m in pair.matches)
    answers = {v.qid: v.answer for v in keys["s042"]}
    assert any(m.part == "whole answer" or str(answers[m.qid]) == m.value for m in pair.matches)


def test_an_honest_class_with_plausible_mistakes_raises_no_pair(keys: dict[str, tuple[Variant, ...]]) -> None:
    for seed in range(3):
        simulated = simulate_class(keys, copiers=0, seed=seed)
        wrong = sum(s.values[v.qid] != v.answer for s in simulated.submitted for v in keys[s.student_id]
                    if v.entry_point is None)
        assert wrong > 400, "the class makes mistakes"
        assert detect(keys, simulated.submitted) == []


def test_planted_copiers_are_found_among_honest_students(keys: dict[str, tuple[Variant, ...]]) -> None:
    simulated = simulate_class(keys, copiers=5, seed=3, copies=(6, 8))
    flagged = {(p.first, p.second) for p in detect(keys, simulated.submitted)}
    planted = {tuple(sorted(pair)) for pair in simulated.copied}
    assert len(flagged & planted) >= 4 and not flagged - planted


def test_a_student_copying_their_own_earlier_submission_is_not_flagged(keys: dict[str, tuple[Variant, ...]]) -> None:
    simulated = simulate_class(keys, copiers=0, seed=2)
    again = next(s for s in simulated.submitted if s.student_id == "s011")
    twice = [*simulated.submitted, Submitted("s011", copy.deepcopy(dict(again.values)))]
    assert not any("s011" in (p.first, p.second) for p in detect(keys, twice))
    assert not any(p.first == p.second for p in detect(keys, twice))


def _write_class(root: Path, keys: dict[str, tuple[Variant, ...]], answers: dict[str, dict[str, Any]]) -> Path:
    """A key folder and a grading output folder: records (half keep answers, half only their feedback notebook)."""
    key_dir = root / "key"
    key_dir.mkdir()
    for student, variants in keys.items():
        (key_dir / f"{student}.json").write_text(json.dumps(
            {"format": 1, "assignment": "cnn-ps1", "student_id": student, "seed": 1,
             "questions": [v.to_key() for v in variants]}), "utf-8")
    store = Store(root / "graded")
    for number, (student, values) in enumerate(sorted(answers.items())):
        variants = [v for v in keys[student] if v.entry_point is None]
        scores = tuple(Score(v.qid, float(values.get(v.qid) == v.answer), 1.0, "feedback") for v in variants)
        record = GradedSubmission(f"{number:016x}" + "0" * 48, f"{student}.ipynb", f"{student}.ipynb", student,
                                  "cnn-ps1", "k", "graded", scores, (), 0.1, answers=values if number % 2 else {})
        cells = [{"cell_type": "code", "metadata": {"cnnlab": {"qid": v.qid, "role": "answer",
                                                                  "variable": v.variable}},
                  "source": f"{v.variable} = {json.dumps(values.get(v.qid))}"} for v in variants]
        notebook = feedback_notebook({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 4}, record)
        store.save(record, {"results.json": json_bytes(results_json(record, {})),
                            "feedback.ipynb": json.dumps(notebook).encode("utf-8")})
    write_student_copies(store, store.records())
    return root


def test_the_report_shows_the_section_and_writes_the_csv_and_students_see_none_of_it(
        tmp_path: Path, keys: dict[str, tuple[Variant, ...]], capsys: pytest.CaptureFixture[str]) -> None:
    simulated = simulate_class(keys, copiers=0, seed=4)
    answers = {s.student_id: dict(s.values) for s in simulated.submitted}
    answers["s005"] = _copier(keys, "s005", "s099", 6)
    root = _write_class(tmp_path, keys, answers)
    graded = root / "graded"
    student_files = {p: p.read_bytes() for p in graded.rglob("*") if p.is_file() and p.name != "record.json"}
    assert cnnlab(["report", str(graded), "--key", str(root / "key")]) == 0
    assert "possible copying: 1 answer pair(s)" in capsys.readouterr().out
    html = (graded / "report" / "report.html").read_text("utf-8")
    section = html[html.index("Possible copying"):]
    assert "s005 &amp; s099" in section or "s099 &amp; s005" in section
    assert "never a penalty" in section and "the right answer of s099's variant" in section
    with (graded / "report" / "possible-copying.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert rows and {(r["student"], r["other_student"]) for r in rows} == {("s005", "s099")}
    assert all(r["belongs_to"] == "the right answer of s099's variant" for r in rows)
    for path, data in student_files.items():  # results.json, feedback notebooks, student copies: untouched
        assert path.read_bytes() == data
        assert b"copying" not in data.lower() and b'"answers"' not in data
    assert b"s099" not in (graded / "students" / "s005" / "results.json").read_bytes()
    assert b"s099" not in (graded / "students" / "s005" / "feedback.ipynb").read_bytes()


def test_a_stored_notebook_is_read_once_and_only_for_what_its_record_lacks(
        tmp_path: Path, keys: dict[str, tuple[Variant, ...]], monkeypatch: pytest.MonkeyPatch) -> None:
    read: list[str] = []
    monkeypatch.setattr(class_check, "read_notebook",
                        lambda path: read.append(path.parent.name) or copying_values.read_notebook(path))
    students = sorted(keys)[:6]
    for name, variants in {"answers": {s: tuple(v for v in keys[s] if v.entry_point is None) for s in students},
                           "code": {s: keys[s] for s in students}}.items():
        (tmp_path / name).mkdir()
        root = _write_class(tmp_path / name, variants, {s: {v.qid: v.answer for v in keys[s]} for s in students})
        store = Store(root / "graded")
        records, read[:] = store.records(), []
        assert class_check.gather(store, records, KeyDir.open(root / "key")).submissions == len(students)
        needed = [r for r in records if name == "code" or not r.answers]  # code is in the stored notebook alone
        assert sorted(read) == sorted(store.folder(r.digest).name for r in needed) and 0 < len(needed) <= 6


def test_without_a_key_the_report_says_copying_was_not_checked(tmp_path: Path,
                                                               keys: dict[str, tuple[Variant, ...]]) -> None:
    root = _write_class(tmp_path, {k: keys[k] for k in ("s000", "s001")},
                        {s: {v.qid: v.answer for v in keys[s]} for s in ("s000", "s001")})
    assert cnnlab(["report", str(root / "graded")]) == 0
    assert "Not checked" in (root / "graded" / "report" / "report.html").read_text("utf-8")
    assert not (root / "graded" / "report" / "possible-copying.csv").exists()


def test_every_grade_batch_checks_copying_and_the_report_shows_it_without_the_key(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Through the real sandbox, a class of 40: s002 pasted four of s001's answer cells into their own notebook."""
    generated = make_class(tmp_path, 40)

    def answered(student: str, how: str = "correct") -> dict[str, Any]:
        load = lambda folder, suffix="ipynb": json.loads(  # noqa: E731
            (generated / folder / f"{student}.{suffix}").read_text("utf-8"))
        return simulate(load("students"), load("instructor"), load("key", "json"), how)

    source, copier = answered("s001"), answered("s002")
    copied = ("conv-params", "output-size", "lenet-table", "pooling")
    answer_cells = {c["metadata"]["cnnlab"]["qid"]: c for c in source["cells"]
                    if c["metadata"].get("cnnlab", {}).get("role") == "answer"}
    copier["cells"] = [answer_cells[c["metadata"]["cnnlab"]["qid"]]
                       if c["metadata"].get("cnnlab", {}).get("role") == "answer"
                       and c["metadata"]["cnnlab"]["qid"] in copied else c for c in copier["cells"]]
    submissions = tmp_path / "submissions"
    submissions.mkdir()
    honest = {f"s{i:03d}": answered(f"s{i:03d}", ("correct", "wrong")[i % 2]) for i in range(3, 41)}
    for student, notebook in {"s001": source, "s002": copier, **honest}.items():
        (submissions / f"{student}.ipynb").write_text(json.dumps(notebook), "utf-8")
    out = tmp_path / "out"
    assert cnnlab(["grade", str(submissions), "--key", str(generated / "key"), "--out", str(out)]) == 0
    assert "possible copying: 1 answer pair(s)" in capsys.readouterr().out
    record = next(r for r in Store(out).records() if r.student_id == "s002")
    assert set(record.answers) >= set(copied) and record.points < record.max_points
    with (out / "report" / "possible-copying.csv").open(encoding="utf-8") as handle:
        answer_rows = [r for r in csv.DictReader(handle) if r["type"] == "answers"]
    assert {(r["student"], r["other_student"]) for r in answer_rows} == {("s002", "s001")}
    assert {r["qid"] for r in answer_rows} == set(copied)
    assert cnnlab(["report", str(out)]) == 0  # no --key: what the grade found
    section = (out / "report" / "report.html").read_text("utf-8").split("Possible copying", 1)[1]
    assert "s001 &amp; s002" in section and "Not checked" not in section
    for path in (out / "students").rglob("*"):
        assert not path.is_file() or b"s001" not in path.read_bytes() or path.parent.name == "s001"


def _one_number_class(base: Variant, slips: dict[tuple[str, str], int]) -> dict[str, tuple[Variant, ...]]:
    """40 students, three one-number questions of the base's kind, every right answer its own; `slips`: the value
    the kind's known mistake gives on (student, question)'s variant (elsewhere the mistake does not apply)."""
    return {f"t{i:02d}": tuple(replace(base, qid=f"q{q}", answer=1000 + 10 * i + q,
                                       params={"slip": slips.get((f"t{i:02d}", f"q{q}"))}) for q in range(3))
            for i in range(40)}


def _flagged(class_keys: dict[str, tuple[Variant, ...]], given: dict[str, dict[str, int]]) -> set[tuple[str, str]]:
    """The flagged pairs when everyone answers right but the students in `given`."""
    submitted = [Submitted(student, {v.qid: given.get(student, {}).get(v.qid, v.answer) for v in variants})
                 for student, variants in class_keys.items()]
    return {(p.first, p.second) for p in detect(class_keys, submitted)}


def test_a_match_a_known_misconception_explains_is_weak_evidence(keys: dict[str, tuple[Variant, ...]],
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    base = next(v for v in keys["s000"] if v.qid == "receptive-field")
    monkeypatch.setattr(KINDS[base.kind], "MISCONCEPTIONS",
                        (Misconception("slip", "the mistake this test plants", lambda v: v.params["slip"]),))
    theirs = {f"q{q}": 1000 + 20 + q for q in range(3)}  # t01 gives t02's right answers
    shared = {f"q{q}": 5550 + q for q in range(3)}  # t03 and t04 give the same wrong answers, nobody's key
    given = {"t01": theirs, "t03": shared, "t04": shared}
    assert _flagged(_one_number_class(base, {}), given) == {("t01", "t02"), ("t03", "t04")}, "no known mistake"
    own_mistake = {("t01", q): value for q, value in theirs.items()}
    both_make_it = {**{("t03", q): value for q, value in shared.items()},
                    **{("t04", q): value for q, value in shared.items()}}
    assert _flagged(_one_number_class(base, {**own_mistake, **both_make_it}), given) == set(), \
        "a known mistake on one's own numbers, or one both students make, is weak evidence"
    one_makes_it = {("t03", q): value for q, value in shared.items()}
    assert _flagged(_one_number_class(base, one_makes_it), given) == {("t01", "t02"), ("t03", "t04")}, \
        "t04 gives t03's mistake that t04's own numbers do not explain: still evidence"
