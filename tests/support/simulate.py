"""Simulated submissions built from generated notebooks: correct, partly wrong, blank and crashing.

The demo, the speed benchmark and the end-to-end tests grade these, so they exercise the real generator's
notebooks and keys rather than hand-made ones.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any, Literal

from generator.kinds import KINDS
from generator.model import Variant

Flavour = Literal["correct", "wrong", "blank", "crash"]
FLAVOURS: tuple[Flavour, ...] = ("correct", "wrong", "blank", "crash")
BUGGY_CODE = {  # a plausible student bug per code exercise: right on some hidden cases, wrong on others
    "conv2d_forward": "def conv2d_forward(x, w, b, stride=1, padding=0):\n"
                      "    import numpy as np\n"
                      "    n, _, h, wd = x.shape\n    f, _, kh, kw = w.shape\n"
                      "    ho, wo = (h - kh) // stride + 1, (wd - kw) // stride + 1  # forgets the padding\n"
                      "    out = np.zeros((n, f, ho, wo))\n"
                      "    for i in range(ho):\n        for j in range(wo):\n"
                      "            win = x[:, :, i*stride:i*stride+kh, j*stride:j*stride+kw]\n"
                      "            out[:, :, i, j] = np.tensordot(win, w, axes=([1, 2, 3], [1, 2, 3])) + b\n"
                      "    return out\n",
}


def _answer_cells(notebook: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Answer and code cells by question id."""
    return {c["metadata"]["cnnlab"]["qid"]: c for c in notebook["cells"]
            if c.get("metadata", {}).get("cnnlab", {}).get("role") in ("answer", "code")}


def _near_miss_source(question: dict[str, Any]) -> str | None:
    """`var = <near miss>` for an answer question, from the generator's own near_miss."""
    if question.get("entry_point"):
        return BUGGY_CODE.get(question["entry_point"])
    wrong = KINDS[question["kind"]].near_miss(Variant.from_key(question))
    return f"{question['variable']} = {json.dumps(wrong)}"


def simulate(student_nb: dict[str, Any], instructor_nb: dict[str, Any], key: dict[str, Any],
             flavour: Flavour) -> dict[str, Any]:
    """The student's notebook answered as the flavour says (metadata and cell order untouched)."""
    notebook = copy.deepcopy(student_nb)
    if flavour == "blank":
        return notebook
    solved, mine = _answer_cells(instructor_nb), _answer_cells(notebook)
    for qid, cell in mine.items():
        cell["source"] = solved[qid]["source"]
    if flavour == "wrong":
        for index, question in enumerate(key["questions"]):
            source = _near_miss_source(question) if index % 2 == 0 or question.get("entry_point") else None
            if source is not None:
                mine[question["qid"]]["source"] = source
    if flavour == "crash":
        first = next(iter(mine.values()))
        first["source"] += "\nimport os\nos._exit(3)  # the kernel dies here\n"
    return notebook


def write_simulated(generated: Path, out: Path, flavours: list[Flavour]) -> list[Path]:
    """One submission per generated student, cycling through the flavours; returns the files written."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for index, key_path in enumerate(sorted((generated / "key").glob("*.json"))):
        student = key_path.stem
        load = lambda folder: json.loads((generated / folder / f"{student}.ipynb").read_text("utf-8"))  # noqa: E731
        flavour = flavours[index % len(flavours)]
        notebook = simulate(load("students"), load("instructor"), json.loads(key_path.read_text("utf-8")), flavour)
        path = out / f"{student}_{flavour}.ipynb"
        path.write_text(json.dumps(notebook, indent=1), encoding="utf-8")
        written.append(path)
    return written


CODE_TEMPLATES = {  # the generator's code kinds, as templates (assignments/templates holds the answer questions)
    "grader-code-conv": ("code_conv2d", "Implement conv2d", 4, "n_cases: {value: 3}"),
    "grader-code-pool": ("code_max_pool2d", "Implement max pooling", 3, "n_cases: {value: 3}"),
    "grader-code-lenet": ("code_lenet5", "Build LeNet-5", 4,
                          "input_size: {value: 32}\n  num_classes: {value: 10}\n  style: {choices: [classic, modern]}"),
}
ANSWER_TEMPLATES = ("output-size", "conv-params", "pooling", "lenet-table", "filter-identify")
REPO = Path(__file__).resolve().parents[2]


def make_class(folder: Path, students: int, secret: str = "cnnlab-simulated-class-secret") -> Path:
    """Run the real `cnnlab generate` on a spec of answer and code questions for s001..sNNN; returns its --out."""
    from cnnlab import main as cnnlab_main

    templates = folder / "templates"
    templates.mkdir(parents=True, exist_ok=True)
    for qid, (kind, title, points, params) in CODE_TEMPLATES.items():
        (templates / f"{qid}.yaml").write_text(
            f"id: {qid}\nkind: {kind}\ntitle: {title}\npoints: {points}\nparams:\n  {params}\n"
            f"prompt: |\n  {title}.\n", encoding="utf-8")
    questions = "".join(f"  - id: {qid}\n" for qid in (*ANSWER_TEMPLATES, *CODE_TEMPLATES))
    (folder / "spec.yaml").write_text(
        f"id: simulated-hw\ntitle: Simulated homework\ntemplates: [{REPO / 'assignments' / 'templates'}, "
        f"{templates}]\nquestions:\n{questions}", encoding="utf-8")
    (folder / "roster.csv").write_text("student_id,name\n" + "".join(
        f"s{i:03d},Student {i}\n" for i in range(1, students + 1)), encoding="utf-8")
    (folder / "secret").write_text(secret, encoding="utf-8")
    out = folder / "generated"
    code = cnnlab_main(["generate", str(folder / "spec.yaml"), "--roster", str(folder / "roster.csv"),
                        "--out", str(out), "--secret-file", str(folder / "secret")])
    if code != 0:
        raise OSError(f"cnnlab generate failed with exit code {code}")
    return out
