"""The modern-layer and architecture kinds against torch, 200 variants of each bundled template: dilated convs'
output sizes (nn.Conv2d with a dilation) and receptive fields (autograd's footprint), transposed convs' output
volumes (nn.ConvTranspose2d), global average pooling (nn.AdaptiveAvgPool2d and the nn.Linear heads), the VGG stack
and ResNet blocks (sum(p.numel()) of modules built with torch.nn, a forward pass for shapes). Large modules are
built on the meta device: torch computes their parameters' sizes and the forward pass's shapes without memory."""

from __future__ import annotations

import re
from functools import cache
from typing import Any

import pytest
import torch
from torch import nn

from generator.grading.read import leaves
from generator.kinds import KINDS, misconceptions
from generator.kinds._common import explain_answer
from generator.model import Variant
from generator.templates import load_template
from solutions.shapes import Conv2d
from tests.generator.conftest import TEMPLATES, bundled
from tests.solutions.shape_oracles import torch_block, torch_receptive_field
from tests.solutions.torch_oracle import n_params, one_torch_thread  # noqa: F401 (a fixture)

SEEDS = range(200)
TEMPLATE_IDS = ("dilated-conv", "transposed-conv", "global-pool", "vgg-stack", "residual-block")


@cache
def variants(template_id: str) -> tuple[Variant, ...]:
    """The bundled template's variants for seeds 0..199 (drawn once: several tests read them)."""
    template = bundled(template_id)
    return tuple(KINDS[template.kind].generate(template, seed) for seed in SEEDS)


def side(out: torch.Tensor) -> int:
    """The width of a square output (its height checked equal)."""
    assert out.shape[-2] == out.shape[-1], tuple(out.shape)
    return int(out.shape[-1])


def test_dilated_conv_matches_torch() -> None:
    dilations = set()
    for variant in variants("dilated-conv"):
        p = variant.params
        first = (p["K1"], p["S1"], p["P1"], 1)
        asked = (p["K"], p["S"], p["P"], p["D"])
        stack = nn.Sequential(*(nn.Conv2d(1, 1, k, s, pad, d) for k, s, pad, d in (first, asked)))
        field = torch_receptive_field([Conv2d(None, k, s, pad, d) for k, s, pad, d in (first, asked)])
        assert variant.answer == {"output_size": side(stack(torch.zeros(1, 1, p["W"], p["W"]))),
                                  "receptive_field": field[0]}, (variant.seed, p)
        dilations.add(p["D"])
    assert dilations == {2, 3, 4}


def test_a_dilated_layer_alone_matches_torch(write_yaml: Any) -> None:
    template = load_template(write_yaml("alone.yaml", """
        id: alone
        kind: dilated_conv
        title: One dilated layer
        points: 2
        params:
          W: {range: [8, 40]}
          K: {choices: [2, 3, 5]}
          D: {choices: [2, 3]}
          S: {choices: [1, 2, 3]}
          P: {range: [0, 4]}
        prompt: "{{ W }}, {{ K }}, dilation {{ D }}, stride {{ S }}, padding {{ P }}"
        """))
    for seed in range(50):
        variant = KINDS["dilated_conv"].generate(template, seed)
        p = variant.params
        out = nn.Conv2d(1, 1, p["K"], p["S"], p["P"], p["D"])(torch.zeros(1, 1, p["W"], p["W"]))
        field = torch_receptive_field([Conv2d(None, p["K"], p["S"], p["P"], p["D"])])[0]
        assert variant.answer == {"output_size": side(out), "receptive_field": field}
        assert field == p["D"] * (p["K"] - 1) + 1
        assert "strides ignored" not in {m.name for m, _ in misconceptions(variant)}


def test_dilated_conv_worked_solution_and_misconceptions() -> None:
    variant = next(v for v in variants("dilated-conv") if v.params["S1"] == 2 and v.params["D"] == 3)
    p = variant.params
    worked = KINDS["dilated_conv"].explain(variant)
    span = 3 * (p["K"] - 1) + 1
    assert f"$K' = D(K - 1) + 1 = 3 \\cdot ({p['K']} - 1) + 1 = {span}$" in worked
    assert f"= {variant.answer['output_size']}$" in worked and f"= {variant.answer['receptive_field']}$" in worked
    wrong = {m.name: value for m, value in misconceptions(variant)}
    undilated = [Conv2d(None, p["K1"], 2, p["P1"]), Conv2d(None, p["K"], p["S"], p["P"])]
    assert wrong["dilation ignored"]["receptive_field"] == torch_receptive_field(undilated)[0]
    assert wrong["strides ignored"]["receptive_field"] == 1 + (p["K1"] - 1) + span - 1


def test_transposed_conv_matches_torch() -> None:
    drawn = set()
    for variant in variants("transposed-conv"):
        p = variant.params
        layer = nn.ConvTranspose2d(p["C"], p["F"], p["K"], p["S"], p["P"], p["OP"], bias=False)
        out = layer(torch.zeros(1, p["C"], p["H"], p["W"]))
        assert variant.answer == [out.shape[2], out.shape[3], out.shape[1]], (variant.seed, p)
        assert variant.answer[0] > p["H"]  # every variant upsamples
        drawn.add((p["S"], p["OP"]))
    assert drawn == {(2, 0), (2, 1), (3, 0), (3, 1), (3, 2), (4, 0), (4, 1), (4, 2)}


def test_transposed_conv_with_dilation_matches_torch(write_yaml: Any) -> None:
    text = (TEMPLATES / "transposed-conv.yaml").read_text(encoding="utf-8")
    template = load_template(write_yaml("dilated.yaml", text.replace("  OP: {range: [0, 2]}\n",
                                                                     "  OP: {range: [0, 2]}\n  D: {choices: [1, 2, 3]}\n")
                                        .replace("output_padding={{ OP }})", "output_padding={{ OP }}, "
                                                 "dilation={{ D }})")))
    for seed in range(50):
        variant = KINDS["transposed_conv"].generate(template, seed)
        p = variant.params
        out = nn.ConvTranspose2d(1, 1, p["K"], p["S"], p["P"], p["OP"], dilation=p["D"])(
            torch.zeros(1, 1, p["H"], p["W"]))
        assert variant.answer[:2] == [out.shape[2], out.shape[3]]
        wrong = {m.name: value for m, value in misconceptions(variant)}
        assert ("dilation ignored" in wrong) == (p["D"] > 1)


def test_transposed_conv_forward_formula_misconception() -> None:
    variant = variants("transposed-conv")[0]
    p = variant.params
    forward = nn.Conv2d(p["C"], p["F"], p["K"], p["S"], p["P"], bias=False)(torch.zeros(1, p["C"], p["H"], p["W"]))
    wrong = {m.name: value for m, value in misconceptions(variant)}
    assert wrong["forward conv formula used"] == [forward.shape[2], forward.shape[3], p["F"]]


def heads(p: dict[str, Any]) -> tuple[nn.Module, nn.Module]:
    """Global average pooling then nn.Linear, and flatten then nn.Linear, on the meta device."""
    with torch.device("meta"):
        pooled = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(p["C"], p["N"]))
        flattened = nn.Sequential(nn.Flatten(), nn.Linear(p["C"] * p["H"] * p["W"], p["N"]))
    return pooled, flattened


def test_global_pool_matches_torch() -> None:
    for variant in variants("global-pool"):
        p = variant.params
        pooled_map = nn.AdaptiveAvgPool2d(1)(torch.zeros(1, p["C"], p["H"], p["W"]))
        pooled, flattened = heads(p)
        x = torch.zeros(1, p["C"], p["H"], p["W"], device="meta")
        assert pooled(x).shape == flattened(x).shape == (1, p["N"])
        assert variant.answer == {"output": [pooled_map.shape[2], pooled_map.shape[3], pooled_map.shape[1]],
                                  "gap_dense_params": n_params(pooled), "flatten_dense_params": n_params(flattened),
                                  "saved": n_params(flattened) - n_params(pooled)}, (variant.seed, p)


def test_vgg_stack_matches_torch() -> None:
    for variant in variants("vgg-stack"):
        p = variant.params
        n, channels = p["n"], p["C"]
        field = torch_receptive_field([Conv2d(None, 3)] * n)
        with torch.device("meta"):
            stack = nn.Sequential(*(nn.Conv2d(channels, channels, 3, padding=1) for _ in range(n)))
            single = nn.Conv2d(channels, channels, field[0], padding=field[0] // 2)
            x = torch.zeros(1, channels, 16, 16)
            assert stack(x).shape == single(x).shape == x.shape  # both keep the size: the same output grid
        assert variant.answer == {"receptive_field": field[0], "stack_params": n_params(stack),
                                  "single_params": n_params(single)}, (variant.seed, p)


def torch_residual(p: dict[str, Any]) -> tuple[nn.Module, torch.Size]:
    """The block built with torch.nn on the meta device, with a projection only where torch cannot add the input
    to the main path's output as it is; and its output's shape (no autograd: the meta forward is faster)."""
    kind, width = p["block"], p["C_out"] if p["block"] == "basic" else p["C_mid"]
    x = torch.zeros(1, p["C_in"], p["H"], p["W"], device="meta")
    for projection in (False, True):
        with torch.device("meta"):
            block, _ = torch_block(kind, p["C_in"], width, p["S"], projection=projection)
        try:
            with torch.no_grad():
                return block, block.eval()(x).shape
        except RuntimeError:  # the shapes differ: the shortcut must project
            continue
    raise AssertionError(f"no block of {p} runs in torch")


def test_residual_block_matches_torch() -> None:
    drawn = set()
    for variant in variants("residual-block"):
        p = variant.params
        block, shape = torch_residual(p)
        assert variant.answer == {"main": n_params(block.main), "shortcut": n_params(block.shortcut),
                                  "total": n_params(block), "output": [shape[2], shape[3], shape[1]]}, (variant.seed, p)
        drawn.add((p["block"], variant.answer["shortcut"] > 0))
    assert drawn == {("basic", False), ("basic", True), ("bottleneck", False), ("bottleneck", True)}


def test_resnet18_first_block_is_a_variant() -> None:
    p = {"block": "basic", "C_in": 64, "C_out": 64, "C_mid": 32, "S": 1, "H": 56, "W": 56}
    assert n_params(torch_residual(p)[0]) == 73_984
    assert any(v.params["block"] == "basic" and v.params["C_in"] == v.params["C_out"] == 64 and v.params["S"] == 1
               and v.answer["total"] == 73_984 for v in variants("residual-block"))


@pytest.mark.parametrize("template_id, name", [
    ("residual-block", "batch norm parameters forgotten"), ("residual-block", "conv biases counted"),
    ("vgg-stack", "receptive field of n 3×3 layers taken as 3n"), ("global-pool", "global pooling output taken as H×W×C"),
])
def test_misconceptions_give_the_torch_count_of_the_mistaken_module(template_id: str, name: str) -> None:
    variant = variants(template_id)[1]
    p = variant.params
    wrong = dict((m.name, value) for m, value in misconceptions(variant))[name]
    if template_id == "residual-block":
        block, _ = torch_residual(p)
        convs = [m for m in block.modules() if isinstance(m, nn.Conv2d)]
        norms = sum(n_params(m) for m in block.modules() if isinstance(m, nn.BatchNorm2d))
        expected = n_params(block) - norms if "forgotten" in name else n_params(block) + sum(c.out_channels
                                                                                              for c in convs)
        assert wrong["total"] == expected
    elif template_id == "vgg-stack":
        with torch.device("meta"):
            single = nn.Conv2d(p["C"], p["C"], 3 * p["n"])
        assert (wrong["receptive_field"], wrong["single_params"]) == (3 * p["n"], n_params(single))
    else:
        assert wrong["output"] == [p["H"], p["W"], p["C"]] and wrong["gap_dense_params"] == n_params(heads(p)[1])


@pytest.mark.parametrize("template_id", TEMPLATE_IDS)
def test_worked_solutions_state_every_number_of_the_key(template_id: str) -> None:
    for variant in variants(template_id)[:50]:
        worked = KINDS[variant.kind].explain(variant).removesuffix(explain_answer(variant))
        stated = {int(number.replace("{,}", "")) for number in re.findall(r"\d+(?:\{,\}\d{3})*", worked)}
        missing = [value for _, value in leaves(variant.answer) if value not in stated]
        assert not missing, (variant.seed, missing, worked)


def test_residual_worked_solution_adds_up_its_convs() -> None:
    for variant in variants("residual-block")[:50]:
        worked = KINDS["residual_block"].explain(variant)
        main = next(line for line in worked.splitlines() if line.startswith("- main path: $"))
        terms, total = main.removeprefix("- main path: $").removesuffix("$").split(" = ")
        numbers = [int(term.replace("{,}", "")) for term in terms.split(" + ")]
        assert sum(numbers) == int(total.replace("{,}", "")) == variant.answer["main"], (variant.seed, main)
