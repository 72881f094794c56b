"""Generating a whole class: determinism, personalisation, valid notebooks, metadata, keys and the manifest."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import nbformat
import pytest

from generator.build import generate_class
from generator.kinds import KINDS
from generator.model import Variant
from generator.roster import read_students
from generator.spec import load_spec
from grader.pipeline.answer_key import parse_key
from tests.generator.conftest import ROSTER, SECRET, SPEC


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled assignment generated once for the bundled 30-student roster."""
    folder = tmp_path_factory.mktemp("class")
    generate_class(load_spec(SPEC), read_students(ROSTER), SECRET, folder)
    return folder


def _tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _keys(out: Path) -> list[dict[str, Any]]:
    return [json.loads(p.read_text()) for p in sorted((out / "key").glob("*.json"))]


def _cells(path: Path, role: str) -> dict[str, dict[str, Any]]:
    notebook = json.loads(path.read_text())
    return {c["metadata"]["cnnlab"]["qid"]: c for c in notebook["cells"]
            if c["metadata"].get("cnnlab", {}).get("role") == role}


def test_outputs_are_byte_identical_across_runs(out: Path, tmp_path: Path) -> None:
    generate_class(load_spec(SPEC), read_students(ROSTER), SECRET, tmp_path)
    first, second = _tree(out), _tree(tmp_path)
    assert len(first) == 30 * 3 + 1 and first == second


def test_layout_and_no_leftover_temporary_files(out: Path) -> None:
    names = set(_tree(out))
    assert {"manifest.json", "students/s2025001.ipynb", "instructor/s2025001.ipynb", "key/s2025001.json"} <= names
    assert not [n for n in names if n.endswith(".tmp") or "/." in n]


def test_variants_differ_across_students(out: Path) -> None:
    """Count distinct variants (parameters and hidden tests) per question over the 30 students."""
    variants: dict[str, list[str]] = {}
    for key in _keys(out):
        for q in key["questions"]:
            drawn = {"params": q["params"], "hidden": q.get("hidden_tests")}
            variants.setdefault(q["qid"], []).append(json.dumps(drawn, sort_keys=True))
    distinct = {qid: (len(set(v)), len(v)) for qid, v in variants.items()}
    distinct.pop("mlp-lecture", None)  # the lecture's own MLP: one fixed answer on purpose (its variety: note)
    distinct.pop("code-lenet5", None)  # four configurations (input size x style) on purpose (its variety: note)
    distinct.pop("code-plot-filters", None)  # the filters are drawn when grading, from the seed (its variety: note)
    for qid, (count, students) in distinct.items():
        assert count >= 0.6 * students, f"{qid}: only {count} different variants for {students} students"
    assert sum(count for count, _ in distinct.values()) >= 0.85 * sum(n for _, n in distinct.values())
    per_student = Counter(tuple(q["seed"] for q in key["questions"]) for key in _keys(out))
    assert max(per_student.values()) == 1


def test_every_kind_is_covered(out: Path) -> None:
    """Each notebook has every kind of its problem set but the picks; the two problem sets together cover all."""
    picks, union = ({"code_max_pool2d", "code_avg_pool2d", "code_max_pool2d_backward"},), set()
    first = load_spec(SPEC)
    asked = {first.templates[qid].kind for entry in first.entries for qid in entry.pool} - set().union(*picks)
    for key in _keys(out):
        kinds = {q["kind"] for q in key["questions"]}
        assert asked <= kinds and all(len(kinds & pick) == 1 for pick in picks)
        union |= kinds
    second = load_spec(SPEC.with_name("cnn-problem-set-2.yaml"))
    covered = union | {second.templates[qid].kind for entry in second.entries for qid in entry.pool}
    assert covered == set(KINDS), f"in neither problem set: {sorted(set(KINDS) - covered)}"


def test_every_notebook_validates(out: Path) -> None:
    paths = sorted(out.glob("students/*.ipynb")) + sorted(out.glob("instructor/*.ipynb"))
    assert len(paths) == 60
    for path in paths:
        nbformat.validate(nbformat.read(path, as_version=4))


def test_answer_cells_carry_the_contract_metadata(out: Path) -> None:
    for key in _keys(out):
        student = out / "students" / f"{key['student_id']}.ipynb"
        notebook = json.loads(student.read_text())
        assert notebook["metadata"]["cnnlab"] == {"format": 1, "assignment": "cnn-ps1",
                                                  "student_id": key["student_id"]}
        answers, code = _cells(student, "answer"), _cells(student, "code")
        for q in key["questions"]:
            if "entry_point" in q:
                assert code[q["qid"]]["metadata"]["cnnlab"]["entry_point"] == q["entry_point"]
                assert f"{'class' if q['kind'] == 'code_lenet5' else 'def'} {q['entry_point']}" in \
                    code[q["qid"]]["source"]
            else:
                assert answers[q["qid"]]["metadata"]["cnnlab"]["variable"] == q["variable"]
                assert answers[q["qid"]]["source"].startswith(f"{q['variable']} = ")
        assert len(answers) + len(code) == len(key["questions"])


def test_student_notebook_holds_no_seed_and_no_answer(out: Path) -> None:
    for key in _keys(out):
        text = (out / "students" / f"{key['student_id']}.ipynb").read_text()
        assert '"seed"' not in text and str(key["seed"]) not in text
        for q in key["questions"]:
            assert str(q["seed"]) not in text
            if "hidden_tests" in q:
                assert str(q["hidden_tests"]["seed"]) not in text
        assert '"hidden_tests"' not in text and "solution" not in json.dumps(
            [c["metadata"] for c in json.loads(text)["cells"]])


def _grade_cells(out: Path, folder: str) -> list[float]:
    """Run every answer cell of a notebook and grade the variable it assigns against the key (as the grader does)."""
    ratios = []
    for key in _keys(out)[:5]:
        answers = _cells(out / folder / f"{key['student_id']}.ipynb", "answer")
        for q in key["questions"]:
            if "entry_point" in q:
                continue
            namespace: dict[str, Any] = {}
            exec("import numpy as np\n" + answers[q["qid"]]["source"], namespace)  # noqa: S102
            variant = Variant.from_key(q)
            ratios.append(KINDS[q["kind"]].grade(variant, namespace[q["variable"]]).points / variant.points)
    return ratios


def test_instructor_answers_score_full_and_student_stubs_zero(out: Path) -> None:
    assert set(_grade_cells(out, "instructor")) == {1.0}
    assert set(_grade_cells(out, "students")) == {0.0}


def test_key_format(out: Path) -> None:
    key = _keys(out)[0]
    assert set(key) == {"format", "assignment", "student_id", "seed", "questions"}
    for q in key["questions"]:
        assert {"qid", "kind", "seed", "points", "variable", "params", "answer", "topic"} <= set(q)
        if q["kind"].startswith("code_"):  # array exercises carry hidden cases; LeNet-5 and plotting do not
            assert "entry_point" in q
            assert "hidden_tests" not in q or {"seed", "cases"} <= set(q["hidden_tests"])
            assert ("hidden_tests" in q) == (q["kind"] not in ("code_lenet5", "code_plot_filters"))


def test_the_grader_reads_each_question_s_lecture_topic_from_the_key(out: Path) -> None:
    key = parse_key((out / "key" / "s2025001.json").read_bytes(), "s2025001.json")
    assert set(key.topics) == {q.qid for q in key.questions}
    assert key.topics["conv-params"] == "2. Convolutional Layers: Example reduction parameters"


def test_manifest(out: Path) -> None:
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["assignment"] == "cnn-ps1" and len(manifest["students"]) == 30
    first = manifest["students"][0]
    assert first["files"]["key"] == "key/s2025001.json" and len(first["questions"]) == 23
    assert sum(manifest["question_counts"].values()) == 30 * 23




def test_dumps_writes_json_with_unicode_kept_whatever_the_memo() -> None:
    """Every item is json.dumps(sort_keys=True, ensure_ascii=False) on its own line, escapes and all, and a memo
    shared between calls (the notebooks' common cells) changes nothing."""
    from generator.notebook import dumps

    cell = {"source": "3×3 → é, DEL \x7f, \x01, \"quoted\", \\u00e9 and \\ alone, 😀", "n": 1.5, "a": None}
    doc = {"cells": [cell, {"source": "plain ASCII"}, cell], "metadata": {"title": "Ω"}, "nbformat": 4}
    items = ",\n".join(f"  {json.dumps(c, sort_keys=True, ensure_ascii=False)}" for c in doc["cells"])
    expected = (f'{{\n "cells": [\n{items}\n ],\n "metadata": {json.dumps(doc["metadata"], ensure_ascii=False)},\n'
                f' "nbformat": 4\n}}\n')
    memo: dict[int, tuple[Any, str]] = {}
    assert dumps(doc) == expected
    assert dumps(doc, memo) == dumps(doc, memo) == expected
