"""Variety and fairness of the bundled templates: enough distinct answers per template, no trivial by-hand outputs,
the filters shown with their kernels, the conv1d floor rule stated, and the wording of padding and large numbers."""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from generator.errors import TemplateError
from generator.kinds import KINDS
from generator.kinds.dense_vs_conv import magnitude
from generator.kinds.named_filter import EDGE_KERNELS, FILTERS
from generator.model import Template, Variant
from generator.params import trivial_output
from generator.spec import load_spec
from generator.templates import STUDENTS, load_template, template_files
from generator.variety import measure_path, variety_report
from solutions.numpy_ref import conv2d
from tests.generator.conftest import SPEC, TEMPLATES

FILES = {load_template(path).id: path for path in template_files(TEMPLATES)}
TEMPLATES_BY_ID = {qid: load_template(path) for qid, path in FILES.items()}
BY_HAND = sorted(qid for qid, t in TEMPLATES_BY_ID.items()
                 if t.kind in ("conv1d_by_hand", "conv2d_by_hand", "pooling_by_hand", "named_filter"))
TRIVIAL_SEEDS = range(1000)


def test_every_template_has_50_distinct_answers_over_300_students_or_says_why() -> None:
    """Measured as `cnnlab validate --variety` measures it (generator.variety): any of its warnings is a problem."""
    varieties = measure_path(TEMPLATES)
    assert sorted(v.template.id for v in varieties) == sorted(FILES) and {v.students for v in varieties} == {STUDENTS}
    lines, warnings = variety_report(varieties)
    table = "\n".join(line for line in lines if line and not line.startswith("  "))
    print("\n" + table)
    assert warnings == [], "\n".join(warnings) + "\n" + table  # too few answers, a note belied, or a skewed draw


def output_of(variant: Variant) -> object:
    """What a by-hand variant shows or asks: the answer, or for identifying a filter the output Y shown."""
    return variant.params["output"] if variant.answer_format == "choice" else variant.answer


@pytest.mark.parametrize("template_id", BY_HAND)
def test_no_trivial_output_over_1000_seeds(template_id: str) -> None:
    """Trivial (generator.params.trivial_output): 2+ values all 0 or all equal, or 4+ with a majority of one value."""
    template = TEMPLATES_BY_ID[template_id]
    kind = KINDS[template.kind]
    reasons = Counter(trivial_output(output_of(kind.generate(template, seed))) for seed in TRIVIAL_SEEDS)
    print(f"\n{template_id}: {sum(n for r, n in reasons.items() if r)} trivial of {len(TRIVIAL_SEEDS)}")
    assert set(reasons) == {None}, reasons


@pytest.mark.parametrize("values, reason", [
    ([[9, 9], [9, 9]], "every value is the same"), ([0, 0, 0], "every value is 0"), ([3, 3], "every value is the same"),
    ([[1, 2], [2, 2]], "more than half the values are the same"), ([0.5, 0.5, 0.5, 1.0, 2.0], "more than half"),
    ([[1, 2], [2, 3]], None), ([1, 1, 2], None), ([7], None), ([2, 2, 1, 3, 4, 5], None),
])
def test_trivial_output_definition(values: object, reason: str | None) -> None:
    found = trivial_output(values)
    assert found == reason if reason is None else reason in str(found)


def _identify(seed: int) -> tuple[Variant, str]:
    kind = KINDS["named_filter"]
    variant = kind.generate(TEMPLATES_BY_ID["filter-identify"], seed)
    return variant, kind.render(variant)


def test_filter_identification_shows_the_five_kernels_and_uses_each_edge_kernel() -> None:
    edges = set()
    for seed in range(60):
        variant, text = _identify(seed)
        p = variant.params
        assert len(p["option_kernels"]) == 5 and text.count(r"\begin{bmatrix}") == 5 + 2  # the options, X and Y
        for letter, name, kernel in zip("ABCDE", p["options"], p["option_kernels"]):
            assert f"**{letter}.** {name}, $w = {kernel}$" in text
        shown = p["option_kernels"][p["options"].index("edge detection")]
        edges.update(name for name, rows in EDGE_KERNELS.items() if shown.endswith(_matrix_body(rows)))
        weights = _kernel_of(p["option_kernels"]["ABCDE".index(variant.answer)])
        y = conv2d(np.array(p["image"], float)[None, None], weights[None, None], padding=p["P"])[0, 0]
        np.testing.assert_allclose(y, p["output"], atol=1e-4)  # the answer's kernel, applied to X, gives Y
    assert edges == set(EDGE_KERNELS)


def _matrix_body(rows: list[list[int]]) -> str:
    """The LaTeX bmatrix of integer rows, as the kind prints it."""
    return r"\begin{bmatrix} " + r" \\ ".join(" & ".join(map(str, row)) for row in rows) + r" \end{bmatrix}"


def _kernel_of(latex: str) -> np.ndarray:
    """Read a printed kernel back: an optional \\frac{1}{d} and a bmatrix of integers."""
    divisor = re.match(r"\\frac\{1\}\{(\d+)\}", latex)
    body = latex[latex.index(r"\begin{bmatrix}") + 15:latex.index(r"\end{bmatrix}")]
    rows = [[float(v) for v in row.split("&")] for row in body.split(r"\\")]
    return np.array(rows) / (int(divisor.group(1)) if divisor else 1)


def test_edge_kernels_are_the_lectures_three() -> None:
    lecture = {(-1, -1, -1, -1, 8, -1, -1, -1, -1), (0, 1, 0, 1, -4, 1, 0, 1, 0), (1, 0, -1, 0, 0, 0, -1, 0, 1)}
    assert {tuple(np.ravel(rows)) for rows in EDGE_KERNELS.values()} == lecture
    assert all(np.sum(rows) == 0 for rows in EDGE_KERNELS.values()) and FILTERS["edge"][0] == "edge detection"


def test_unknown_edge_kernel_is_named(write_yaml: Callable[[str, str], Path]) -> None:
    path = write_yaml("t.yaml", "id: f\nkind: named_filter\ntitle: F\npoints: 1\nprompt: x\n"
                                "params:\n  filter: edge\n  edge: {choices: [sobel]}\n  H: 4\n")
    with pytest.raises(TemplateError, match=r"t.yaml:\d+: params: unknown edge 'sobel'; known: diagonal"):
        load_template(path)


def test_conv1d_states_the_same_floor_rule_to_every_student() -> None:
    kind, seen = KINDS["conv1d_by_hand"], set()
    for seed in range(200):
        variant = kind.generate(TEMPLATES_BY_ID["conv1d"], seed)
        p = variant.params
        fits = (p["L"] + 2 * p["P"] - p["K"]) % p["S"] == 0
        assert kind.render(variant).endswith(kind.FLOOR_RULE), seed  # no hint only some students get
        assert len(variant.answer) == (p["L"] + 2 * p["P"] - p["K"]) // p["S"] + 1
        seen.add(fits)
    assert seen == {True, False}


MATH = re.compile(r"\$\$(.+?)\$\$|\$(.+?)\$", re.DOTALL)


def _texts(template: Template, seeds: range) -> list[str]:
    """A template's rendered prompts and worked solutions."""
    kind = KINDS[template.kind]
    return [text for seed in seeds for variant in [kind.generate(template, seed)]
            for text in (kind.render(variant), kind.explain(variant))]


@pytest.mark.parametrize("template_id", sorted(TEMPLATES_BY_ID))
def test_wording_no_padding_of_zero_and_no_bare_commas_in_math(template_id: str) -> None:
    """'zero padding P = 0' reads as 'no padding'; a comma between digits inside $...$ typesets as '1, 000'."""
    for text in _texts(TEMPLATES_BY_ID[template_id], range(30)):
        assert not re.search(r"(?i)padding( of)? \$?P = 0\b|zero-pad(ded)? by 0\b", text), text
        for match in MATH.finditer(text):
            assert not re.search(r"\d,\d", match.group(1) or match.group(2)), match.group(0)


def test_dense_versus_conv_shows_the_right_order_of_magnitude() -> None:
    assert magnitude(4 * 10**10) == r"4 \times 10^{10}"
    assert magnitude(10**12) == "10^{12}"
    assert magnitude(2_500_000_000) == r"2.5 \times 10^{9}"
    assert magnitude(123_456_789_012) == r"\approx 1.23 \times 10^{11}"


def test_every_student_gets_the_same_mlp_question_with_fair_points() -> None:
    """The lecture's own MLP (answered on its slide) stays a bundled template, out of the problem set's picks."""
    spec = load_spec(SPEC)
    assert "mlp-lecture" in spec.templates
    for seed in range(20):
        questions = spec.questions_for(np.random.default_rng(seed))
        mlp = [q for q in questions if q.id in ("mlp-lecture", "mlp-params")]
        assert [(q.id, q.points) for q in mlp] == [("mlp-params", 4.0)]


@pytest.mark.parametrize("note", ['""', "3", "[a, b]"])
def test_variety_note_must_be_text(write_yaml: Callable[[str, str], Path], note: str) -> None:
    path = write_yaml("t.yaml", f"id: c\nkind: concept\ntitle: C\npoints: 1\nvariety: {note}\nprompt: x\n"
                                "correct: [yes]\ndistractors: [no, never, maybe]\n")
    with pytest.raises(TemplateError, match=r"t.yaml:5: variety must be text saying why"):
        load_template(path)
