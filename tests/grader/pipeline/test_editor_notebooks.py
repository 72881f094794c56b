"""Students' real notebooks, saved the way each editor saves them, graded and checked through the real sandbox.

Colab writes nbformat 4.0 with each cell's id in its metadata; VS Code 4.2 with sorted keys; JupyterLab 4 writes 4.5
with top-level cell ids; the classic Notebook 4.4. Each copy carries the habits of its editor's templates.
"""

from __future__ import annotations

import copy
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from cnnlab import main as cnnlab
from grader.pipeline.answer_cells import STRIPPED, untouched
from grader.pipeline.records import GradedSubmission
from grader.pipeline.store import Store
from tests.support.simulate import make_class, simulate

EDITORS = {"colab": (0, "metadata"), "vscode": (2, None), "jupyterlab4": (5, "top"), "classic": (4, None)}
HABITS = {  # what each editor's templates and users put at the top of the setup cell
    "colab": "%matplotlib inline\nfrom google.colab import drive\ndrive.mount('/content/drive')\n",
    "vscode": "%matplotlib inline\n%config InlineBackend.figure_format = 'retina'\n",
    "jupyterlab4": "%matplotlib widget\n%load_ext autoreload\n%autoreload 2\n",
    "classic": "%matplotlib notebook\n",
}


def save_as(notebook: dict[str, Any], editor: str) -> str:
    """The notebook's text as the editor writes it: its nbformat minor, where cell ids live, key order, lines."""
    minor, ids = EDITORS[editor]
    cells = []
    for index, cell in enumerate(notebook["cells"]):
        cell = {k: v for k, v in cell.items() if k != "id"}
        source = cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
        cell["source"] = source.splitlines(keepends=True)
        cell_id = hashlib.sha256(f"{editor}{index}".encode()).hexdigest()[:12]
        if ids == "metadata":
            cell["metadata"] = {**cell["metadata"], "id": cell_id}
        elif ids == "top":
            cell["id"] = cell_id
        cells.append(cell)
    metadata = dict(notebook["metadata"])
    if editor == "colab":
        metadata["colab"] = {"provenance": [], "name": "ps1.ipynb"}
    if editor == "vscode":
        metadata["vscode"] = {"interpreter": {"hash": "0" * 64}}
    saved = {**notebook, "cells": cells, "metadata": metadata, "nbformat_minor": minor}
    if editor == "colab":  # Colab keeps nbformat first and does not sort
        return json.dumps({"nbformat": 4, "nbformat_minor": minor, "metadata": metadata, "cells": cells}, indent=2)
    return json.dumps(saved, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def setup_cell(notebook: dict[str, Any]) -> dict[str, Any]:
    return next(c for c in notebook["cells"] if c["metadata"].get("cnnlab", {}).get("role") == "setup")


def answer_index(notebook: dict[str, Any], qid: str) -> int:
    return next(i for i, c in enumerate(notebook["cells"]) if c["metadata"].get("cnnlab", {}).get("qid") == qid
                and c["metadata"]["cnnlab"]["role"] in ("answer", "code"))


def stripped(notebook: dict[str, Any]) -> dict[str, Any]:
    """What `nbstripout --extra-keys "metadata.cnnlab cell.metadata.cnnlab"` leaves."""
    bare = copy.deepcopy(notebook)
    bare["metadata"].pop("cnnlab")
    for cell in bare["cells"]:
        cell["metadata"].pop("cnnlab", None)
    return bare


def duplicated(notebook: dict[str, Any], student: dict[str, Any], qid: str) -> tuple[dict[str, Any], int]:
    """The answered cell of the question with the untouched stub pasted below it; the stub's cell number."""
    copied = copy.deepcopy(notebook)
    where = answer_index(copied, qid)
    copied["cells"].insert(where + 1, copy.deepcopy(student["cells"][answer_index(student, qid)]))
    return copied, where + 2


@pytest.fixture(scope="module")
def course(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any], dict[str, Any], dict[str, Any]]:
    root = tmp_path_factory.mktemp("editors")
    generated = make_class(root, 1)
    load = lambda folder, suffix="ipynb": json.loads((generated / folder / f"s001.{suffix}").read_text())
    student, key = load("students"), load("key", "json")
    return root, student, simulate(student, load("instructor"), key, "correct"), key


@pytest.fixture(scope="module")
def graded(course: tuple[Path, dict[str, Any], dict[str, Any], dict[str, Any]]) -> dict[str, GradedSubmission]:
    """One right notebook per editor with that editor's habits, one stripped, one with a duplicated cell: graded."""
    root, student, right, _ = course
    submissions = root / "submissions"
    submissions.mkdir()
    for editor, habit in HABITS.items():
        notebook = copy.deepcopy(right)
        setup_cell(notebook)["source"] = habit + setup_cell(notebook)["source"]
        (submissions / f"s001_{editor}.ipynb").write_text(save_as(notebook, editor), encoding="utf-8")
    (submissions / "s001_stripped.ipynb").write_text(save_as(stripped(right), "classic"), encoding="utf-8")
    (submissions / "s001_duplicated.ipynb").write_text(save_as(duplicated(right, student, "pooling")[0],
                                                               "jupyterlab4"), encoding="utf-8")
    out = root / "out"
    assert cnnlab(["grade", str(submissions), "--key", str(root / "generated" / "key"), "--out", str(out),
                   "--roster", str(root / "roster.csv")]) == 0
    return {r.filename.removesuffix(".ipynb").removeprefix("s001_"): r for r in Store(out).records()}


@pytest.mark.parametrize("editor", sorted(HABITS))
def test_a_right_notebook_with_its_editors_habits_scores_full(graded: dict[str, GradedSubmission], editor: str) -> None:
    record = graded[editor]
    assert record.status == "graded" and record.points == record.max_points > 0, record.notes
    assert not any("raised" in note for note in record.notes), record.notes
    colab = [note for note in record.notes if "google.colab" in note]
    assert len(colab) == (editor == "colab") and (not colab or "cell 2 imports google.colab" in colab[0]), colab


def test_stripped_metadata_is_one_note_naming_the_keys_real_names(graded: dict[str, GradedSubmission],
                                                                   course: tuple[Path, Any, Any, dict[str, Any]]) -> None:
    record, key = graded["stripped"], course[3]
    about_cells = [note for note in record.notes if "metadata" in note and "student id" not in note]
    assert len(about_cells) == 1 and about_cells[0].startswith(STRIPPED), record.notes
    for question in key["questions"]:
        real = question.get("entry_point") or question["variable"]
        assert real in about_cells[0]
        if question.get("entry_point"):
            assert question["variable"] not in about_cells[0], "a code question's cell defines its function"
    assert record.points == record.max_points, "the answers are still found by name"


def test_a_duplicated_answer_cell_uses_the_answered_copy(graded: dict[str, GradedSubmission],
                                                          course: tuple[Path, dict[str, Any], Any, Any]) -> None:
    record = graded["duplicated"]
    _, stub_number = duplicated(course[2], course[1], "pooling")
    assert record.points == record.max_points, record.notes
    note = next(note for note in record.notes if note.startswith("question pooling:"))
    assert f"cells {stub_number - 1} and {stub_number}" in note and f"cell {stub_number} holds the untouched stub" in note


def check(tmp_path: Path, text: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, list[str]]:
    path = tmp_path / "ps1.ipynb"
    path.write_text(text, encoding="utf-8")
    code = cnnlab(["check", str(path)])
    return code, capsys.readouterr().out.splitlines()


def test_check_fails_in_one_line_on_stripped_metadata_or_a_missing_student_id(
        course: tuple[Path, Any, dict[str, Any], Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    right = course[2]
    code, lines = check(tmp_path, save_as(stripped(right), "vscode"), capsys)
    assert code == 1 and len(lines) == 1 and "no answer cells and no student id" in lines[0], lines
    anonymous = copy.deepcopy(right)
    del anonymous["metadata"]["cnnlab"]["student_id"]
    code, lines = check(tmp_path, save_as(anonymous, "colab"), capsys)
    assert code == 1 and len(lines) == 1 and lines[0].split(": ", 1)[1].startswith("no student id:"), lines


def test_check_passes_editor_habits_and_uses_the_answered_copy(
        course: tuple[Path, dict[str, Any], dict[str, Any], Any], tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    _, student, right, _ = course
    notebook, stub_number = duplicated(right, student, "pooling")
    setup_cell(notebook)["source"] = HABITS["colab"] + setup_cell(notebook)["source"]
    code, lines = check(tmp_path, save_as(notebook, "colab"), capsys)
    assert code == 0, lines
    notes = [line for line in lines if ": note: " in line]
    assert len(notes) == 2 and f"cell {stub_number} holds the untouched stub" in notes[0] and "google.colab" in notes[1]
    assert "well-formed" in lines[-1]


@pytest.mark.parametrize(("source", "empty"), [
    ("answer_q = None  # e.g. 3", True),
    ("answer_q = {'rows': [(None, None)], 'total': None}", True),
    ("import torch\nclass Net:\n    '''doc'''\n\n    ...  # write __init__ and forward\n", True),
    ("def f(x):\n    '''doc'''\n    raise NotImplementedError('write this function')\n", True),
    ("", True),
    ("answer_q = 0", False),
    ("answer_q = np.array([[1, 2]])", False),
    ("def f(x):\n    return x\n", False),
    ("%matplotlib inline\nanswer_q = None", False),
    ("answer_q = (None,", False),
])
def test_untouched_tells_the_stub_from_an_answer(source: str, empty: bool) -> None:
    assert untouched(source) is empty
