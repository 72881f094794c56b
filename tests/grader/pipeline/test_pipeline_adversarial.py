"""Attacks on the grading pipeline (the sandbox's own isolation is tested in test_sandbox*): each earns nothing."""

import json
from pathlib import Path
from typing import Any

import pytest

from cnnlab import main as cnnlab
from grader.pipeline.records import GradedSubmission
from tests.support.simulate import make_class, simulate
from grader.pipeline.store import Store

FAKE_EQ = '''
class _AlwaysEqual(float):
    def __eq__(self, other): return True
    def __ne__(self, other): return False
    def __abs__(self): return 0.0
    def __sub__(self, other): return 0.0
    __hash__ = float.__hash__
'''
MONKEYPATCH = '''
import numpy as np
np.allclose = lambda *a, **k: True
np.array_equal = lambda *a, **k: True
np.testing.assert_allclose = lambda *a, **k: None
np.isclose = lambda *a, **k: True
import builtins
builtins.abs = lambda x: 0
'''


def _cells(nb: dict[str, Any], role: str) -> list[dict[str, Any]]:
    return [c for c in nb["cells"] if c.get("metadata", {}).get("cnnlab", {}).get("role") == role]


@pytest.fixture(scope="module")
def attacked(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, GradedSubmission], set[str]]:
    root = tmp_path_factory.mktemp("attack")
    gen = make_class(root, 3)
    load = lambda kind, s, ext="ipynb": json.loads((gen / kind / f"{s}.{ext}").read_text())  # noqa: E731
    s1 = (load("students", "s001"), load("instructor", "s001"), load("key", "s001", "json"))
    s2 = (load("students", "s002"), load("instructor", "s002"), load("key", "s002", "json"))
    out = root / "out"
    sub = root / "sub"
    sub.mkdir()

    def write(name: str, nb: dict[str, Any]) -> None:
        (sub / name).write_text(json.dumps(nb))

    # 1. the variant swap: s002's correct answers, metadata claiming s002's variant, file named for s001
    swapped = simulate(*s2, "correct")
    swapped["metadata"]["cnnlab"].update(assignment="other", seed=s2[2]["seed"], variant="s002")
    write("s001_swapped.ipynb", swapped)
    # 2. correct answers, but the metadata's variant fields tampered with: the key still decides, full marks
    tampered = simulate(*s1, "correct")
    tampered["metadata"]["cnnlab"].update(seed=1, variant="easy", student_id="s001")
    write("s001_tampered.ipynb", tampered)
    # 3. fake result files: the blank notebook writes full-marks results wherever it can reach
    fake = simulate(*s1, "blank")
    fake_results = json.dumps({"score": 999, "tests": []})
    fake["cells"].insert(1, {"cell_type": "code", "id": "fake", "metadata": {}, "outputs": [],
                             "execution_count": None, "source": (
        "import os, json\n"
        f"for p in ['results.json', '../results.json', '/tmp/results.json', {str(out / 'results.json')!r},\n"
        f"          {str(out / 'gradebook.csv')!r}]:\n"
        "    try:\n"
        "        os.makedirs(os.path.dirname(p) or '.', exist_ok=True)\n"
        f"        open(p, 'w').write({fake_results!r})\n"
        "    except OSError as e:\n        print('blocked', p, e)\n"
        "print(json.dumps({'status': 'ok', 'variables': {'answer_output_size': [1, 1, 1]}}))\n")})
    write("s002_fakefiles.ipynb", {**fake, "metadata": {**fake["metadata"],
                                                       "cnnlab": {**fake["metadata"]["cnnlab"], "student_id": "s002"}}})
    # 4. custom __eq__: every answer and every function result claims to equal anything
    eq = simulate(*s1, "blank")
    for cell in _cells(eq, "answer"):
        name = cell["metadata"]["cnnlab"]["variable"]
        cell["source"] = FAKE_EQ + f"{name} = _AlwaysEqual(0)\n"
    for cell in _cells(eq, "code"):
        entry = cell["metadata"]["cnnlab"]["entry_point"]
        cell["source"] = FAKE_EQ + f"def {entry}(*args, **kwargs):\n    return _AlwaysEqual(0)\n"
    write("s003_eq.ipynb", {**eq, "metadata": {**eq["metadata"], "cnnlab": {**eq["metadata"]["cnnlab"],
                                                                           "student_id": "s003"}}})
    # 5. monkeypatching numpy (and abs) before blank answers
    patched = simulate(*s1, "blank")
    patched["cells"].insert(1, {"cell_type": "code", "id": "patch", "metadata": {}, "outputs": [],
                                "execution_count": None, "source": MONKEYPATCH})
    write("s001_monkeypatch.ipynb", patched)
    assert cnnlab(["grade", str(sub), "--key", str(gen / "key"), "--out", str(out)]) == 0
    differ = {a["qid"] for a, b in zip(s1[2]["questions"], s2[2]["questions"]) if a["answer"] != b["answer"]}
    return out, {r.filename.removesuffix(".ipynb"): r for r in Store(out).records()}, differ


def test_variant_swap_has_no_effect(attacked: tuple[Path, dict[str, GradedSubmission], set[str]]) -> None:
    records, differ = attacked[1], attacked[2]
    swapped = records["s001_swapped"]
    assert swapped.student_id == "s001" and swapped.points < swapped.max_points
    assert differ, "the two students' variants differ"
    for score in swapped.scores:  # graded on s001's key: every answer that differs from s002's is not full marks
        assert score.qid not in differ or score.points < score.max_points, score
    assert any("assignment 'other'" in n for n in swapped.notes) and any("metadata says student 's002'" in n
                                                                        for n in swapped.notes)
    tampered = records["s001_tampered"]
    assert tampered.points == tampered.max_points, "extra metadata fields are ignored; the key decides"


def test_fake_result_files_earn_nothing(attacked: tuple[Path, dict[str, GradedSubmission], set[str]]) -> None:
    out, records, _ = attacked
    assert records["s002_fakefiles"].points == 0
    assert json.loads((out / "students" / "s002" / "results.json").read_text())["score"] == 0
    assert "999" not in (out / "gradebook.csv").read_text()


def test_custom_eq_earns_nothing(attacked: tuple[Path, dict[str, GradedSubmission], set[str]]) -> None:
    record = attacked[1]["s003_eq"]
    assert record.points == 0
    assert any("could not be read" in s.feedback for s in record.scores), "the reason is given"


def test_monkeypatched_numpy_earns_nothing(attacked: tuple[Path, dict[str, GradedSubmission], set[str]]) -> None:
    assert attacked[1]["s001_monkeypatch"].points == 0
