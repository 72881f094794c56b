"""`cnnlab check`: runs a notebook in the sandbox with no key and checks only the answers' form."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from cnnlab import main as cnnlab
from generator.answer_form import answer_form
from generator.model import Variant
from tests.support.simulate import simulate
from grader.pipeline.form_check import form_problem


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from tests.support.simulate import make_class

    return make_class(tmp_path_factory.mktemp("check"), 1)


def notebooks(generated: Path) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    load = lambda folder, suffix="ipynb": json.loads((generated / folder / f"s001.{suffix}").read_text())  # noqa
    return load("students"), load("instructor"), load("key", "json")


def run(tmp_path: Path, notebook: dict[str, Any], capsys: pytest.CaptureFixture[str]) -> tuple[int, list[str]]:
    path = tmp_path / "ps1.ipynb"
    path.write_text(json.dumps(notebook))
    code = cnnlab(["check", str(path)])
    return code, capsys.readouterr().out.splitlines()


def answer_cell(notebook: dict[str, Any], qid: str) -> dict[str, Any]:
    return next(c for c in notebook["cells"] if c["metadata"].get("cnnlab", {}).get("qid") == qid
                and c["metadata"]["cnnlab"]["role"] in ("answer", "code"))


def test_right_and_wrong_answers_both_pass_the_form_check(generated: Path, tmp_path: Path,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    student, instructor, key = notebooks(generated)
    right, wrong = simulate(student, instructor, key, "correct"), simulate(student, instructor, key, "wrong")
    near_misses = 0
    for qid in (q["qid"] for q in key["questions"] if not q.get("entry_point")):  # wrong answers, working code
        near_misses += answer_cell(wrong, qid)["source"] != answer_cell(right, qid)["source"]
        answer_cell(right, qid)["source"] = answer_cell(wrong, qid)["source"]
    assert near_misses >= 2
    for notebook in (simulate(student, instructor, key, "correct"), right):
        code, lines = run(tmp_path, notebook, capsys)
        assert code == 0 and len(lines) == 1 and "well-formed" in lines[0], lines
        assert "says nothing about whether they are right" in lines[0]
    code, lines = run(tmp_path, wrong, capsys)  # a buggy function fails the notebook's own visible checks
    assert code == 1 and all("the visible checks in cell" in line for line in lines), lines


def test_untouched_notebook_lists_every_unanswered_question(generated: Path, tmp_path: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    student, _, key = notebooks(generated)
    code, lines = run(tmp_path, student, capsys)
    assert code == 1
    for q in key["questions"]:
        mine = [line for line in lines if f"question {q['qid']}:" in line]
        assert mine, (q["qid"], lines)
        if not q.get("entry_point"):
            assert "has no answer yet" in mine[0]
    assert not any("correct" in line or "wrong" in line for line in lines)


def test_bad_forms_are_named_one_line_each(generated: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    student, instructor, key = notebooks(generated)
    notebook = simulate(student, instructor, key, "correct")
    answer_cell(notebook, "output-size")["source"] = "answer_output_size = (13, 13)"
    answer_cell(notebook, "filter-identify")["source"] = "answer_filter_identify = 'Z'"
    answer_cell(notebook, "conv-params")["source"] = "weights = 3"
    code, lines = run(tmp_path, notebook, capsys)
    assert code == 1 and len(lines) == 3, lines
    assert "question output-size: answer_output_size (cell" in lines[0] and "expected 3 numbers, got [13, 13]" in lines[0]
    assert any("answer_conv_params" in line and "not defined" in line for line in lines)
    assert any("'Z' is not one of the options" in line for line in lines)


def test_form_never_tells_more_than_the_stub() -> None:
    vector = Variant("c", "conv1d_by_hand", 1, {}, [1, -5, 4, 8], 1.0, variable="answer_c")
    assert answer_form(vector, "answer_c = None  # a list of numbers") == "numbers", "no length"
    matrix = Variant("p", "pooling_by_hand", 1, {}, [[1.5, 2.0], [3.0, 4.0]], 1.0, variable="answer_p")
    assert answer_form(matrix, "answer_p = None") == "matrix", "no size"
    shape = Variant("o", "output_size", 1, {}, [13, 13, 44], 1.0, variable="answer_o")
    assert answer_form(shape, "answer_o = (None, None, None)") == {"numbers": 3}, "the stub shows three"
    table = Variant("t", "conv_params", 1, {}, {"weights": 4, "biases": 2, "total": 6}, 1.0, variable="answer_t")
    assert answer_form(table, "answer_t = {'weights': None, 'biases': None, 'total': None}") == {
        "keys": [["weights", "number"], ["biases", "number"], ["total", "number"]]}


def test_form_problem_accepts_what_the_grader_accepts() -> None:
    keys = {"keys": [["rows", {"list": [{"list": ["numbers", "number"]}]}], ["total", "number"]]}
    assert form_problem(keys, {"rows": [["6@28x28", 156]], "total": "156"}) is None
    assert form_problem(keys, [[[[6, 28, 28], 156]], 156]) is None, "a tuple in the stub's order"
    assert "expected a dict with keys 'rows', 'total'" in (form_problem(keys, {"rows": []}) or "")
    assert form_problem({"numbers": 3}, "13x13x44") is None and form_problem({"numbers": 3}, [[1], [2], [3]]) is None
    assert form_problem("number", [25]) is None and form_problem("number", "669,706") is None
    assert form_problem("number", "many") == "expected a number, got 'many'"
    assert "equal length" in (form_problem("matrix", [[1, 2], [3]]) or "")
    assert form_problem({"letter": "ABCD"}, "(c)") is None and form_problem({"letter": "ABCD"}, "box blur") is None
