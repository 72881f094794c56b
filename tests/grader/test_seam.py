"""The grader names no kind: each kind declares what the sandbox runs and scores what comes back."""

from __future__ import annotations

import ast
import re
import subprocess
from pathlib import Path

from generator.kinds import KINDS, score
from generator.model import Context, Returned, Template, Variant
from generator.templates import load_template
from grader.pipeline.worked_solutions import grade_worked_solutions

GRADER = Path(__file__).resolve().parents[2] / "grader"


def test_the_grader_names_no_code_kind() -> None:
    """The check anyone can run: grep -rE "code_(conv2d|max_pool2d|avg_pool2d|lenet5)" grader/ finds nothing."""
    found = subprocess.run(["grep", "-rE", "code_(conv2d|max_pool2d|avg_pool2d|lenet5)", str(GRADER)],
                           capture_output=True, text=True)
    assert found.returncode == 1 and found.stdout == "", found.stdout


def test_the_grader_names_no_kind_at_all_and_imports_no_private_generator_module() -> None:
    names = re.compile(r"\b(" + "|".join(map(re.escape, KINDS)) + r")\b")
    for path in GRADER.rglob("*.py"):
        source = path.read_text("utf-8")
        assert not names.search(source), f"{path} names a kind: {names.search(source)}"
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.ImportFrom) and node.module:
                private = [p for p in node.module.split(".") if p.startswith("_") and p != "__future__"]
                assert not private, f"{path} imports {node.module}"


def test_a_new_code_kind_is_one_module_and_grades_through_the_real_path(tmp_path: Path) -> None:
    """A kind the grader has never heard of: its declaration alone gets it graded, sandbox included."""
    import types

    kind = types.ModuleType("code_relu")
    exec('''
import numpy as np
from generator.kinds._common import sample_variant
from generator.model import Request, Score, Part
from generator.calls import Call
FORMATS, REQUIRED, EXTRA_KEYS = ("code",), (), {}
X = np.array([-2.0, -0.5, 0.0, 1.5])
def generate(template, seed):
    return sample_variant(template, seed, lambda t, p, rng: (p, "np.maximum"), entry_point="relu")
def render(variant): return variant.prompt
def check_template(template): pass
def answer_stub(variant): return "def relu(x):\\n    raise NotImplementedError"
def solution_source(variant): return "def relu(x):\\n    return np.maximum(x, 0)"
def request(variant, context): return Request(calls=(Call("x", "relu", (X,)),))
def score(variant, returned, context):
    value, problem = returned.get("x")
    ok = problem is None and np.array_equal(np.asarray(value), np.maximum(X, 0))
    points = variant.points if ok else 0.0
    return Score(variant.qid, points, variant.points, "correct" if ok else f"wrong: {problem or value}",
                 (Part("x", points, variant.points),))
''', kind.__dict__)
    KINDS["code_relu"] = kind
    try:
        path = tmp_path / "relu.yaml"
        path.write_text("id: relu\nkind: code_relu\ntitle: ReLU\npoints: 2\nprompt: Write relu.\n")
        template: Template = load_template(path)
        variant = kind.generate(template, 0)
        assert grade_worked_solutions([variant]) == []
        broken = Variant(**{**variant.__dict__, "points": 2.0})
        assert score(broken, Returned({}, {"x": "NameError"}), Context()).points == 0
    finally:
        del KINDS["code_relu"]


def test_every_bundled_template_grades_through_the_sandbox() -> None:
    """The worked solution scores full and the stub 0 for one variant of each kind (LeNet-5 trains here too)."""
    from generator.templates import load_templates, template_files
    from tests.generator.conftest import TEMPLATES

    templates = load_templates(template_files(TEMPLATES))
    one_per_kind = {t.kind: t for t in templates.values()}
    variants = [KINDS[t.kind].generate(t, 0) for t in one_per_kind.values()]
    assert grade_worked_solutions(variants) == []
