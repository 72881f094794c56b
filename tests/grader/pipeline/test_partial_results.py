"""A fault in one cell costs only what depends on it: graded end to end with the real generator and sandbox."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from cnnlab import main as cnnlab
from grader.pipeline.records import GradedSubmission
from tests.support.simulate import make_class, simulate
from grader.pipeline.store import Store

CONV = "grader-code-conv"
FAULTS = {  # name -> (source, where: appended to the conv2d cell, or a new cell right after it)
    "exit_in_conv": ("import os\nos._exit(0)", "append"),
    "killpg_in_conv": ("import os, signal\nos.killpg(0, signal.SIGKILL)", "append"),
    "sleep_after_conv": ("import time\ntime.sleep(30)", "after"),  # over the 10 s cell limit: that cell alone fails
    "print_after_conv": ("print('x' * 2_000_000)", "after"),
}


def _with_fault(notebook: dict[str, Any], source: str, where: str) -> tuple[dict[str, Any], int]:
    """The notebook with the fault in or after the conv2d code cell; returns it and that cell's 1-based number."""
    faulty = copy.deepcopy(notebook)
    cells = faulty["cells"]
    index = next(i for i, c in enumerate(cells) if c["metadata"].get("cnnlab", {}).get("qid") == CONV
                 and c["metadata"]["cnnlab"].get("role") == "code")
    if where == "append":
        cells[index]["source"] += "\n" + source
        return faulty, index + 1
    cells.insert(index + 1, {"cell_type": "code", "metadata": {}, "source": source, "outputs": [],
                             "execution_count": None, "id": "fault"})
    return faulty, index + 2


@pytest.fixture(scope="module")
def graded(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, GradedSubmission], dict[str, int], list[str]]:
    """s001's correct notebook, and one copy per fault, graded in one batch."""
    root = tmp_path_factory.mktemp("partial")
    gen = make_class(root, 1)
    load = lambda path: json.loads(path.read_text("utf-8"))  # noqa: E731
    key = load(gen / "key" / "s001.json")
    good = simulate(load(gen / "students" / "s001.ipynb"), load(gen / "instructor" / "s001.ipynb"), key, "correct")
    submissions = root / "submissions"
    submissions.mkdir()
    (submissions / "s001_correct.ipynb").write_text(json.dumps(good), "utf-8")
    numbers = {}
    for name, (source, where) in FAULTS.items():
        notebook, numbers[name] = _with_fault(good, source, where)
        (submissions / f"s001_{name}.ipynb").write_text(json.dumps(notebook), "utf-8")
    out = root / "out"
    assert cnnlab(["grade", str(submissions), "--key", str(gen / "key"), "--out", str(out)]) == 0
    records = {r.filename.removesuffix(".ipynb").removeprefix("s001_"): r for r in Store(out).records()}
    return records, numbers, [q["qid"] for q in key["questions"]]


@pytest.mark.parametrize("fault", ["exit_in_conv", "killpg_in_conv"])
def test_a_crash_in_a_code_cell_voids_that_question_and_the_later_ones_only(graded: tuple, fault: str) -> None:
    records, numbers, order = graded
    correct, record = records["correct"], records[fault]
    assert correct.points == correct.max_points > 0
    assert record.status == "crashed"
    before = order[:order.index(CONV)]
    for full, score in zip(correct.scores, record.scores):
        if score.qid in before:
            assert score.points == full.points == score.max_points, score
        else:
            assert score.points == 0 and f"stopped in cell {numbers[fault]}" in score.feedback.replace(
                "crashed in", "stopped in"), score.feedback
    assert any(f"crashed in cell {numbers[fault]}" in note for note in record.notes), record.notes


@pytest.mark.parametrize("fault", ["sleep_after_conv", "print_after_conv"])
def test_a_slow_or_loud_later_cell_costs_nothing_that_came_back(graded: tuple, fault: str) -> None:
    records, numbers, _ = graded
    record = records[fault]
    assert record.points == record.max_points, [s.feedback for s in record.scores if s.points < s.max_points]
    assert record.status == ("timeout" if fault.startswith("sleep") else "output_limit")
    if fault.startswith("sleep"):
        assert any(note.startswith(f"cell {numbers[fault]} raised Timeout") for note in record.notes), record.notes
