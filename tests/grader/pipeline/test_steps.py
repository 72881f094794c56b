"""Each preparation step alone, on small hand-made notebooks and a real generated-format key."""

import json
from pathlib import Path

import pytest

from grader.pipeline.answer_key import KeyDir
from grader.pipeline.records import RawSubmission
from grader.pipeline.roster import Roster
from grader.pipeline.steps import (Env, State, build_job, drop_outputs, find_cells, identify_student, load_key, make_requests,
                          read_notebook)

KEY = {"format": 1, "assignment": "hw", "student_id": "s1", "seed": 5, "questions": [
    {"qid": "q1", "kind": "output_size", "seed": 1, "points": 2.0, "variable": "answer_q1", "params": {},
     "answer": [3, 3, 4], "answer_format": "shape"},
    {"qid": "pool", "kind": "code_max_pool2d", "seed": 2, "points": 3.0, "variable": "", "params": {},
     "answer": "x", "entry_point": "max_pool2d_forward",
     "hidden_tests": {"seed": 9, "cases": [{"x_shape": [1, 1, 4, 4], "kernel_size": 2, "stride": None}]}}]}


@pytest.fixture()
def env(tmp_path: Path) -> Env:
    (tmp_path / "s1.json").write_text(json.dumps(KEY))
    keys = KeyDir.open(tmp_path)
    return Env(keys, Roster.of_ids(keys.paths), None)


def _raw(cells: list[dict], name: str = "s1.ipynb", meta: dict | None = None) -> RawSubmission:
    nb = {"nbformat": 4, "nbformat_minor": 5, "metadata": {"cnnlab": meta or {"student_id": "s1"}}, "cells": cells}
    return RawSubmission(name, name, json.dumps(nb).encode())


def _cell(source: str, **cnnlab: str) -> dict:
    return {"cell_type": "code", "metadata": {"cnnlab": cnnlab} if cnnlab else {}, "source": source,
            "outputs": [{"output_type": "stream", "name": "stdout", "text": "x" * 1000}], "execution_count": 1}


def _run(raw: RawSubmission, env: Env) -> State:
    state = State(raw)
    for step in (read_notebook, drop_outputs, identify_student, load_key, find_cells, make_requests, build_job):
        state = step(state, env)
    return state


def test_steps_build_a_job_from_sources_only(env: Env) -> None:
    state = _run(_raw([_cell("def max_pool2d_forward(x, k, stride=None): pass", qid="pool", role="code"),
                       _cell("assert False", qid="pool", role="check"),
                       _cell("answer_q1 = (3, 3, 4)", qid="q1", role="answer", variable="answer_q1")]), env)
    assert state.fatal is None and state.notes == ()
    assert state.job is not None and state.job.variables == ("answer_q1",) and state.job.seed == 5
    assert len(state.job.cells) == 2 and "assert False" not in state.job.cells, "visible checks are not run"
    assert all(c.get("outputs") == [] for c in state.notebook["cells"])
    assert [c.name for c in state.job.calls] == [f"pool/case{i}" for i in range(4)]


def test_missing_and_duplicated_cells_are_noted(env: Env) -> None:
    state = _run(_raw([_cell("answer_q1 = 1", qid="q1", role="answer"), _cell("answer_q1 = 2", qid="q1",
                                                                              role="answer")]), env)
    assert any("2 answer cells" in n for n in state.notes) and any("question pool: no answer cell" in n
                                                                    for n in state.notes)


def test_unknown_student_and_unreadable_file(env: Env) -> None:
    state = _run(_raw([], name="x.ipynb", meta={"student_id": "zz"}), env)
    assert state.job is None and "no answer key for student 'zz'" in state.fatal
    broken = _run(RawSubmission("s1.ipynb", "s1.ipynb", b"\x00garbage"), env)
    assert broken.key is not None and broken.job is None and "s1.ipynb: not JSON" in broken.fatal


def test_bad_key_is_an_instructor_error(tmp_path: Path) -> None:
    (tmp_path / "s1.json").write_text(json.dumps({**KEY, "questions": [{"qid": "q"}]}))
    with pytest.raises(ValueError, match="s1.json question 0: question is missing kind"):
        KeyDir.open(tmp_path).load("s1")
