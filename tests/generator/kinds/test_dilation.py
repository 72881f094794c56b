"""Dilation in the kinds that ask for sizes and fields: keys checked against torch, every layer text naming the
dilation (and a pool's own stride), worked solutions with the effective kernel d(k − 1) + 1, its misconception,
a receptive-field conv without out_channels, and worked solutions that compute both axes where they differ."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from generator.expressions import compile_expression
from generator.kinds import KINDS, misconceptions
from generator.kinds._layers import stack_in_words
from generator.media import explain_for, paper_prompt, prompt_for
from generator.model import Template
from generator.templates import load_template
from solutions.shapes import Conv2d, layers_from_data
from tests.generator.conftest import bundled
from tests.solutions.shape_oracles import torch_output_hw, torch_receptive_field

DILATED_OUTPUT_SIZE = """
    kind: output_size
    params:
      H: {range: [16, 64]}
      W: {expr: H}
      C: {choices: [1, 3]}
      K: {choices: [3, 5]}
      S: {choices: [1, 2, 3]}
      P: {range: [0, 2]}
      F: {range: [4, 64, 4]}
      D: {choices: [1, 2, 3]}
      layer: {choices: [conv, maxpool]}
    constraints:
      - P <= K // 2
    prompt: "{{ layer }}, {{ F }} filters {{ K }}x{{ K }}, stride {{ S }}, padding {{ P }}, dilation {{ D }} on a
      {{ H }}x{{ W }}x{{ C }} input"
    """
DILATED_STACK = """
    kind: receptive_field
    params:
      d: {choices: [1, 2, 3]}
      s: {choices: [1, 2]}
      k: {choices: [3, 5]}
    layers:
      - {type: conv2d, out_channels: 8, kernel_size: 5, dilation: d}
      - {type: maxpool2d, kernel_size: 2, stride: 1}
      - {type: conv2d, kernel_size: k, stride: s, padding: 1, dilation: "d + 1"}
      - {type: avgpool2d, kernel_size: 2}
      - {type: conv2d, kernel_size: 3}
    prompt: "Consider:\\n\\n{{ stack }}"
    """


def inline(write_yaml: Callable[[str, str], Path], body: str) -> Template:
    """A one-off template: id, title and points filled in, the rest (kind, params, ...) from body."""
    return load_template(write_yaml("t.yaml", "id: t\ntitle: T\npoints: 2\n" + textwrap.dedent(body)))


def test_output_size_with_dilation_matches_torch(write_yaml: Callable[[str, str], Path]) -> None:
    template = inline(write_yaml, DILATED_OUTPUT_SIZE)
    drawn = set()
    for seed in range(40):
        variant = KINDS["output_size"].generate(template, seed)
        p = variant.params
        if p["layer"] == "conv":
            conv = Conv2d(p["F"], p["K"], p["S"], p["P"], p["D"])
            assert variant.answer == [*torch_output_hw(conv, p["H"], p["W"]), p["F"]], (seed, p)
        else:
            assert variant.answer == [*_torch_dilated_pool(p["H"], p["W"], p["K"], p["S"], p["P"], p["D"]), p["C"]]
        drawn.add((p["layer"], p["D"]))
    assert {d for _, d in drawn} == {1, 2, 3} and {layer for layer, _ in drawn} == {"conv", "maxpool"}


def _torch_dilated_pool(height: int, width: int, kernel: int, stride: int, padding: int,
                        dilation: int) -> tuple[int, int]:
    """torch.nn.MaxPool2d with a dilation (solutions.shapes has no dilated pool layer to hand it)."""
    import torch

    out = torch.nn.MaxPool2d(kernel, stride, padding, dilation)(torch.zeros(1, 1, height, width))
    return int(out.shape[-2]), int(out.shape[-1])


def test_dilated_output_size_worked_solution_rule_and_misconception(write_yaml: Callable[[str, str], Path]) -> None:
    template = inline(write_yaml, """
        kind: output_size
        params: {H: 55, W: 55, C: 1, K: 3, S: 1, P: 0, F: 52, D: 3}
        prompt: "{{ F }} filters {{ K }}x{{ K }}, dilation {{ D }}, stride {{ S }}, padding {{ P }} on {{ H }}x{{ W }}"
        """)
    variant = KINDS["output_size"].generate(template, 0)
    assert variant.answer[:2] == [49, 49]  # (55 - 3·(3 − 1) − 1) / 1 + 1
    worked = KINDS["output_size"].explain(variant)
    assert "$K' = D(K - 1) + 1 = 3 \\cdot (3 - 1) + 1 = 7$" in worked
    assert "- H: $\\lfloor (55 - 7 + 2 \\cdot 0) / 1 \\rfloor + 1 = 49$" in worked
    rule = KINDS["output_size"].DILATED_FLOOR_RULE
    assert prompt_for(variant, "notebook").endswith(rule) and rule in paper_prompt(variant, frozenset(), True)
    assert "\\lfloor" not in paper_prompt(variant, frozenset(), False)
    wrong = {m.name: value for m, value in misconceptions(variant)}
    assert wrong["dilation ignored"] == [53, 53, 52]  # (55 - 3) / 1 + 1: K in place of the span 7


def test_templates_without_d_keep_their_floor_rule_and_have_no_dilation_mistake() -> None:
    kind = KINDS["output_size"]
    variant = kind.generate(bundled("output-size"), 3)
    assert prompt_for(variant, "notebook").endswith(kind.FLOOR_RULE) and "D(K" not in prompt_for(variant, "notebook")
    assert "dilation ignored" not in {m.name for m, _ in misconceptions(variant)}


def test_average_pooling_takes_no_dilation(write_yaml: Callable[[str, str], Path]) -> None:
    template = inline(write_yaml, DILATED_OUTPUT_SIZE.replace("{choices: [conv, maxpool]}", "avgpool").replace(
        "D: {choices: [1, 2, 3]}", "D: 2"))
    with pytest.raises(ValueError, match="average pooling has no dilation"):
        KINDS["output_size"].generate(template, 0)


def test_exact_and_out_size_take_a_dilation() -> None:
    names = ("H", "K", "S", "P", "D")
    values = {"H": 55, "K": 3, "S": 2, "P": 0, "D": 3}
    assert compile_expression("out_size(H, K, S, P, D)", names)(values) == 25  # (55 - 7) // 2 + 1
    assert compile_expression("exact(H, K, S, P, D)", names)(values)
    assert not compile_expression("exact(H, K, S, P, D)", names)({**values, "H": 56})


def test_receptive_field_with_dilation_matches_torch_and_says_so(write_yaml: Callable[[str, str], Path]) -> None:
    template = inline(write_yaml, DILATED_STACK)
    for seed in range(12):
        variant = KINDS["receptive_field"].generate(template, seed)
        layers = layers_from_data(variant.params["layers"])
        assert variant.answer == torch_receptive_field(layers)[0], seed
        d = variant.params["d"]
        dilated = f", dilation {d}" if d > 1 else ""
        assert variant.params["descriptions"][:2] == [f"conv 8@5x5{dilated}", "max pool 2x2, stride 1"]
        assert f"dilation {d + 1}" in variant.params["descriptions"][2] and "@" not in variant.params["descriptions"][2]
        assert variant.params["stack"] in prompt_for(variant, "notebook")
        words = stack_in_words(variant.params["layers"])
        assert words[1] == "max pool 2 × 2, stride 1, no padding"
        assert words[2].startswith("convolution ") and words[2].endswith(f", dilation {d + 1}")
        assert all(text in prompt_for(variant, "paper") for text in words)


def test_receptive_field_worked_solution_uses_the_effective_kernel(write_yaml: Callable[[str, str], Path]) -> None:
    template = inline(write_yaml, DILATED_STACK.replace("{choices: [1, 2, 3]}", "3"))
    variant = KINDS["receptive_field"].generate(template, 0)
    worked = KINDS["receptive_field"].explain(variant)
    assert "$r_{out} = r_{in} + d\\,(k - 1)\\, j_{in}$" in worked
    assert "- after conv 8@5x5, dilation 3: $r = 1 + 3 \\cdot (5 - 1) \\cdot 1 = 13$, $j = 1 \\cdot 1 = 1$: 13 × 13" \
        in worked
    assert "after convolution 5 × 5, stride 1, no padding, dilation 3: $r = 1 + 3 \\cdot (5 - 1)" not in worked
    assert "after 8 filters, 5 × 5, stride 1, no padding, dilation 3: $r = 1 + 3" in explain_for(variant, "paper")
    wrong = {m.name: value for m, value in misconceptions(variant)}
    undilated = [{**layer, "dilation": 1} if layer["type"] == "conv2d" else layer for layer in variant.params["layers"]]
    assert wrong["dilation ignored"] == torch_receptive_field(layers_from_data(undilated))[0]


def test_undilated_receptive_field_keeps_its_rule() -> None:
    variant = KINDS["receptive_field"].generate(bundled("receptive-field"), 3)
    worked = KINDS["receptive_field"].explain(variant)
    assert worked.startswith("$r_{out} = r_{in} + (k - 1)\\, j_{in}$") and "dilation" not in worked
    assert "dilation ignored" not in {m.name for m, _ in misconceptions(variant)}


def test_a_layer_table_still_needs_out_channels(write_yaml: Callable[[str, str], Path]) -> None:
    with pytest.raises(ValueError, match="missing out_channels"):
        inline(write_yaml, """
            kind: layer_table
            params: {input_shape: [1, 16, 16]}
            layers:
              - {type: conv2d, kernel_size: 3}
            prompt: "{{ stack }}"
            """)


@pytest.mark.parametrize("body, both_axes", [
    ("kind: pooling_by_hand\nparams: {H: 5, W: 6, K: 2, S: 1, mode: max}\nprompt: \"{{ image }}\"",
     "$\\lfloor (5 - 2) / 1 \\rfloor + 1 = 4$ rows and $\\lfloor (6 - 2) / 1 \\rfloor + 1 = 5$ columns"),
    ("kind: conv2d_by_hand\nparams: {H: 4, W: 6, K: 3, S: 1, P: 1}\nprompt: \"P = {{ P }} {{ image }}\"",
     "$\\lfloor (4 - 3 + 2 \\cdot 1) / 1 \\rfloor + 1 = 4$ rows and "
     "$\\lfloor (6 - 3 + 2 \\cdot 1) / 1 \\rfloor + 1 = 6$ columns"),
])
def test_by_hand_worked_solutions_compute_both_axes(write_yaml: Callable[[str, str], Path], body: str,
                                                    both_axes: str) -> None:
    template = inline(write_yaml, body)
    variant = KINDS[template.kind].generate(template, 0)
    assert both_axes in KINDS[template.kind].explain(variant)


def test_square_by_hand_worked_solution_computes_once() -> None:
    variant = KINDS["pooling_by_hand"].generate(bundled("pooling"), 3)
    size = variant.params["H"]
    rows = variant.params["out_shape"][0]
    worked = KINDS["pooling_by_hand"].explain(variant)
    assert worked.count("\\lfloor") == 1 and f"({size} - {variant.params['K']})" in worked
    assert f"= {rows}$ rows and {rows} columns" in worked
