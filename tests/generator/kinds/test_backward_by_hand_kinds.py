"""Backward passes on paper against autograd: every key of conv_backward_by_hand (dL/dw, dL/dx, dL/db) and of
maxpool_backward_by_hand (dL/dx) over 200 variants equals what torch's conv2d and max_pool2d backpropagate for the
variant's own numbers, exactly (small integers); no variant is trivial, and the class gets varied answers."""

from __future__ import annotations

import json
import re
import textwrap
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F
import typst

from generator.errors import TemplateError
from generator.kinds import KINDS
from generator.media import explain_for, prompt_for
from generator.model import Template, Variant
from generator.paper.markup import to_typst
from generator.params import trivial_output
from generator.seeds import question_seed
from generator.templates import load_template
from tests.generator.conftest import SECRET, bundled
from tests.solutions.torch_oracle import one_torch_thread  # noqa: F401 (a fixture)

SEEDS = range(200)
MAXPOOL_TEMPLATES = ("maxpool-backward-by-hand", "maxpool-backward-overlap")
ENTRY = re.compile(r"^- \$\\partial L / \\partial (\w)_\{(\d+)\{,\}(\d+)\} = .* = (.*) = (-?\d+(?:\.\d+)?)\$$",
                   re.MULTILINE)  # '- $\partial L / \partial w_{1{,}2} = symbols = 1 \cdot 2 + (-1) \cdot 3 = -1$'


def variants(template: Template, seeds: range = SEEDS) -> list[Variant]:
    """The template's variants over the seeds."""
    return [KINDS[template.kind].generate(template, seed) for seed in seeds]


def tensor(values: list[list[int]], grad: bool = False) -> torch.Tensor:
    """A 1×1×H×W float64 tensor of a variant's integer matrix."""
    return torch.tensor(values, dtype=torch.float64)[None, None].requires_grad_(grad)


def distinct_answers(template: Template, students: int = 300) -> int:
    """How many different answers the class gets, with the seeds `cnnlab generate` derives."""
    kind = KINDS[template.kind]
    return len({json.dumps(kind.generate(template, question_seed(SECRET, "cnn-ps2", f"s{i}", template.id)).answer)
                for i in range(students)})


def inline(write_yaml: Callable[[str, str], Path], body: str) -> Template:
    """A one-off conv_backward_by_hand template on a 3×3 input and a 2×2 kernel, the rest from body."""
    return load_template(write_yaml("t.yaml", "id: t\ntitle: T\npoints: 4\nkind: conv_backward_by_hand\n"
                                              "params: {H: 3, K: 2}\nprompt: x\n" + textwrap.dedent(body)))


# --- conv ----------------------------------------------------------------------------------------------------------

def test_conv_backward_matches_autograd_over_200_variants() -> None:
    for variant in variants(bundled("conv-backward-by-hand")):
        p = variant.params
        x, w, b = tensor(p["x"], True), tensor(p["w"], True), torch.zeros(1, dtype=torch.float64, requires_grad=True)
        y = F.conv2d(x, w, b)
        assert y[0, 0].tolist() == p["y"], variant.seed  # the forward output the prompt shows
        y.backward(tensor(p["dy"]))
        assert variant.answer == {"dw": w.grad[0, 0].tolist(), "dx": x.grad[0, 0].tolist(), "db": b.grad.item()}, \
            variant.seed
        assert all(isinstance(v, int) for row in variant.answer["dw"] for v in row), "exact integers in the key"


def test_conv_backward_variants_are_never_trivial_and_vary() -> None:
    template = bundled("conv-backward-by-hand")
    for variant in variants(template):
        assert (3, 3) == np.shape(variant.params["x"]) and (2, 2) == np.shape(variant.params["dy"])
        for values in (variant.answer["dw"], variant.answer["dx"], variant.params["dy"], variant.params["w"]):
            assert trivial_output(values) is None, (variant.seed, values)
        assert variant.answer["db"] != 0, variant.seed
    assert distinct_answers(template) >= 50


def test_conv_worked_solution_writes_every_entry_as_its_sum_of_products() -> None:
    """Each entry's line: its products with the variant's numbers, adding up to the key's entry."""
    for variant in variants(bundled("conv-backward-by-hand"), range(30)):
        text = KINDS[variant.kind].explain(variant)
        found = {}
        for name, row, col, products, total in ENTRY.findall(text):
            value = eval(products.replace("\\cdot", "*"))  # noqa: S307 - our own arithmetic: digits, + * ( ) -
            assert value == float(total), (variant.seed, products, total)
            found[(name, int(row), int(col))] = value
        answer = variant.answer
        assert {k: v for k, v in found.items() if k[0] == "w"} == \
            {("w", i + 1, j + 1): answer["dw"][i][j] for i, j in np.ndindex(2, 2)}
        assert {k: v for k, v in found.items() if k[0] == "x"} == \
            {("x", i + 1, j + 1): answer["dx"][i][j] for i, j in np.ndindex(3, 3)}
        assert f"= {answer['db']}$" in text.split("\\partial b =")[-1]


def test_conv_parts_and_the_matrix_format(write_yaml: Callable[[str, str], Path]) -> None:
    for variant in variants(inline(write_yaml, "answer: {format: matrix}\n"), range(20)):  # dL/dw alone
        x, w = tensor(variant.params["x"]), tensor(variant.params["w"], True)
        F.conv2d(x, w).backward(tensor(variant.params["dy"]))
        assert variant.answer == w.grad[0, 0].tolist() and variant.params["parts"] == ["dw"]
    dx_db = KINDS["conv_backward_by_hand"].generate(inline(write_yaml, "parts: [db, dx]\n"), 0)
    assert list(dx_db.answer) == ["dx", "db"] and "flipped" in KINDS[dx_db.kind].explain(dx_db)
    assert "partial w}" not in KINDS[dx_db.kind].explain(dx_db)


@pytest.mark.parametrize(("body", "message"), [
    ("parts: [dw, dz]\n", "parts: must be a non-empty list of distinct names among dw, dx, db, got ['dw', 'dz']"),
    ("parts: []\n", "parts: must be a non-empty list"),
    ("parts: [dw, dw]\n", "distinct names"),
    ("parts: [dw]\nanswer: {format: matrix}\n", "parts: the matrix format asks dL/dw alone"),
])
def test_conv_bad_parts_name_the_line(write_yaml: Callable[[str, str], Path], body: str, message: str) -> None:
    with pytest.raises(TemplateError, match=r"t\.yaml:\d+: ") as error:
        inline(write_yaml, body)
    assert message in str(error.value)


def test_conv_misconceptions_are_the_mistakes_they_name() -> None:
    """Each mistaken gradient, recomputed with torch as the mistake computes it, and recognised when submitted."""
    kind = KINDS["conv_backward_by_hand"]
    names = [m.name for m in kind.MISCONCEPTIONS]
    for variant in variants(bundled("conv-backward-by-hand"), range(20)):
        p, answer = variant.params, variant.answer
        mistaken = {m.name: m.answer(variant) for m in kind.MISCONCEPTIONS}
        x, dy = torch.tensor(p["x"], dtype=torch.float64), torch.tensor(p["dy"], dtype=torch.float64)
        flipped = F.conv2d(x[None, None], dy.flip(0, 1)[None, None])[0, 0].tolist()
        assert mistaken["kernel flipped in dL/dw"] == {**answer, "dw": flipped}
        assert mistaken["gradients averaged over positions instead of added"] == \
            {**answer, "dw": (np.array(answer["dw"]) / 4).tolist(), "db": answer["db"] / 4}
        assert mistaken["forward output y used instead of dL/dy"]["db"] == sum(map(sum, p["y"]))
        for name in names:
            if mistaken[name] is not None:
                assert name in kind.grade(variant, mistaken[name]).misconceptions


# --- max pooling ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("template_id", MAXPOOL_TEMPLATES)
def test_maxpool_backward_matches_autograd_over_200_variants(template_id: str) -> None:
    template = bundled(template_id)
    for variant in variants(template):
        p = variant.params
        x = tensor(p["x"], True)
        F.max_pool2d(x, p["K"], p["S"]).backward(tensor(p["dy"]))
        assert variant.answer == x.grad[0, 0].tolist(), variant.seed


@pytest.mark.parametrize("template_id", MAXPOOL_TEMPLATES)
def test_maxpool_variants_have_no_ties_and_are_never_trivial(template_id: str) -> None:
    """No window has two largest values; dL/dy has no zero and is varied; overlapping windows share a maximum."""
    template = bundled(template_id)
    for variant in variants(template):
        p = variant.params
        windows = torch.tensor(p["x"], dtype=torch.float64)[None, None].unfold(2, p["K"], p["S"]).unfold(
            3, p["K"], p["S"]).reshape(-1, p["K"] ** 2)
        assert ((windows == windows.max(dim=1, keepdim=True).values).sum(dim=1) == 1).all(), variant.seed
        assert all(g != 0 for row in p["dy"] for g in row) and trivial_output(p["dy"]) is None, variant.seed
        nonzero = np.count_nonzero(variant.answer)
        assert nonzero == np.size(p["dy"]) if p["S"] == p["K"] else 1 < nonzero < np.size(p["dy"]), variant.seed
    assert distinct_answers(template) >= 50


def test_maxpool_worked_solution_adds_up_shared_maxima() -> None:
    variant = next(v for v in variants(bundled("maxpool-backward-overlap")))
    text = KINDS[variant.kind].explain(variant)
    assert "gradients add up" in text and text.count("- window rows") == 4
    plain = KINDS[variant.kind].explain(variants(bundled("maxpool-backward-by-hand"), range(1))[0])
    assert "gradients add up" not in plain and plain.count("- window rows") == 4


def test_maxpool_misconceptions_are_the_mistakes_they_name() -> None:
    kind = KINDS["maxpool_backward_by_hand"]
    for template_id in MAXPOOL_TEMPLATES:
        for variant in variants(bundled(template_id), range(20)):
            p = variant.params
            mistaken = {m.name: m.answer(variant) for m in kind.MISCONCEPTIONS}
            x = tensor(p["x"], True)
            F.avg_pool2d(x, p["K"], p["S"]).backward(tensor(p["dy"]))
            assert mistaken["gradient spread over the window (average-pool rule)"] == \
                np.round(x.grad[0, 0].numpy(), 4).tolist()
            low = tensor((-np.array(p["x"])).tolist(), True)
            F.max_pool2d(low, p["K"], p["S"]).backward(tensor(p["dy"]))
            assert mistaken["gradient routed to the minimum"] == low.grad[0, 0].tolist()
            overwritten = mistaken["overlapping windows' gradients overwritten instead of added"]
            if p["S"] == p["K"]:
                assert overwritten is None  # windows that tile never share a maximum
            elif overwritten is not None:  # the same routes, each holding one window's gradient, not the sum
                routes = np.flatnonzero(overwritten).tolist()
                assert routes == np.flatnonzero(variant.answer).tolist() and overwritten != variant.answer
                assert set(np.ravel(overwritten)[routes].tolist()) <= set(np.ravel(p["dy"]).tolist())
            for name, value in mistaken.items():
                if value is not None:
                    assert name in kind.grade(variant, value).misconceptions


# --- on paper ------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("template_id", ("conv-backward-by-hand", *MAXPOOL_TEMPLATES))
def test_paper_prompt_and_worked_solution_compile_in_typst(template_id: str) -> None:
    """The ∂ of every gradient (Typst calls it partial) and the braced-comma indices typeset; no notebook wording."""
    variant = variants(bundled(template_id), range(1))[0]
    prompt, solution = prompt_for(variant, "paper"), explain_for(variant, "paper")
    assert "Enter" not in prompt and "list of rows" not in prompt
    for converted in to_typst([prompt, solution]):
        assert "partial" in converted
        typst.compile(converted.encode(), ignore_system_fonts=True)
