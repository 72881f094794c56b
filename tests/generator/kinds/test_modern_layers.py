"""The layer kinds with the layers after LeNet-5: every new type said in words on paper, read from a template
(`block: basic` a word, not an expression), the bundled modern table's keys against torch, its misconceptions, and
receptive fields through batch norm, ReLU and dropout."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest
import torch

from generator.errors import TemplateError
from generator.kinds import KINDS, answer_fields, misconceptions
from generator.kinds._layers import stack_in_words
from generator.media import explain_for, prompt_for
from generator.model import Template
from generator.templates import load_template
from solutions.shapes import layers_from_data
from tests.generator.conftest import bundled
from tests.solutions.shape_oracles import torch_network, torch_receptive_field
from tests.solutions.torch_oracle import n_params, one_torch_thread  # noqa: F401 (a fixture)

NEW_MISTAKES = {"batch norm counted as C parameters", "running statistics counted as parameters",
                "depthwise conv counted as a full conv", "projection shortcut forgotten"}


def inline(write_yaml: Callable[[str, str], Path], body: str) -> Template:
    """A one-off template: id, title and points filled in, the rest (kind, params, ...) from body."""
    return load_template(write_yaml("t.yaml", "id: t\ntitle: T\npoints: 2\n" + textwrap.dedent(body)))


def test_every_new_layer_in_words() -> None:
    layers = [{"type": "conv2d", "out_channels": 32, "kernel_size": 3, "padding": 1, "groups": 32},
              {"type": "conv2d", "out_channels": 8, "kernel_size": 1, "bias": False},
              {"type": "convtranspose2d", "out_channels": 8, "kernel_size": 3, "stride": 2, "padding": 1,
               "output_padding": 1},
              {"type": "convtranspose2d", "out_channels": 4, "kernel_size": 2, "stride": 2, "groups": 2},
              {"type": "batchnorm2d"}, {"type": "relu"}, {"type": "dropout", "p": 0.25}, {"type": "globalavgpool2d"},
              {"type": "residual", "block": "basic", "out_channels": 64, "stride": 2},
              {"type": "residual", "block": "bottleneck", "out_channels": 256},
              {"type": "dense", "out_features": 10, "bias": False}]
    assert stack_in_words(layers) == [
        "32 filters, 3 × 3, stride 1, zero padding 1, 32 groups", "8 filters, 1 × 1, stride 1, no padding, no biases",
        "transposed convolution, 8 filters, 3 × 3, stride 2, zero padding 1, output padding 1",
        "transposed convolution, 4 filters, 2 × 2, stride 2, no padding, no output padding, 2 groups",
        "batch normalisation", "ReLU", "dropout, p = 0.25", "global average pool",
        "basic residual block, 64 channels out, stride 2",
        "bottleneck residual block, 256 channels out (inner width 64), stride 1", "dense, 10 units, no biases"]


def test_the_modern_table_matches_torch_row_by_row() -> None:
    template = bundled("layer-table-modern")
    for seed in range(12):
        variant = KINDS["layer_table"].generate(template, seed)
        shape, layers = variant.params["input_shape"], layers_from_data(variant.params["layers"])
        x = torch.zeros(2, *shape)
        with torch.no_grad():
            for module, (row_shape, count) in zip(torch_network(shape, layers), variant.answer["rows"]):
                x = module(x)
                assert (list(x.shape[1:]), n_params(module)) == (row_shape, count), (seed, module)


def test_the_modern_table_on_paper_and_its_worked_solution() -> None:
    variant = KINDS["layer_table"].generate(bundled("layer-table-modern"), 5)
    notes = [row.note for row in answer_fields(variant).items if row.label != "total"]
    assert notes == stack_in_words(variant.params["layers"]) and all("@" not in note for note in notes)
    assert "batch normalisation" in notes and any(note.startswith("basic residual block") for note in notes)
    worked = explain_for(variant, "notebook")
    assert "$2C$ parameters" in worked and "buffers, not parameters" in worked and "groups" in worked
    block = next(count for (_, count), row in zip(variant.answer["rows"], variant.params["rows"])
                 if row["name"] == "block1")
    assert f"; in all {block:,}." in worked and "batch norm" in worked.split("- block1: ")[1]


def test_the_new_misconceptions_on_the_modern_table() -> None:
    template, found = bundled("layer-table-modern"), set()
    for seed in range(10):
        variant = KINDS["layer_table"].generate(template, seed)
        wrong = {m.name: value["rows"] for m, value in misconceptions(variant)}
        found |= set(wrong)
        batch_norm, depthwise, block = (variant.answer["rows"][index][1] for index in (1, 3, 6))
        c1 = variant.params["c1"]
        assert (batch_norm, depthwise) == (2 * c1, c1 * 9 + c1)
        assert wrong["batch norm counted as C parameters"][1][1] == c1
        assert wrong["running statistics counted as parameters"][1][1] == 4 * c1
        assert wrong["depthwise conv counted as a full conv"][3][1] == c1 * (9 * c1 + 1)
        if "projection shortcut forgotten" in wrong:  # the block's 1 x 1 conv and its batch norm left out
            c2, c3 = variant.params["c2"], variant.params["c3"]
            assert wrong["projection shortcut forgotten"][6][1] == block - (c2 * c3 + 2 * c3)
    assert NEW_MISTAKES <= found


def test_the_transposed_conv_sized_by_the_forward_rule(write_yaml: Callable[[str, str], Path]) -> None:
    template = inline(write_yaml, """
        kind: layer_table
        params: {input_shape: [8, 7, 7]}
        layers:
          - {type: convtranspose2d, out_channels: 4, kernel_size: 3, stride: 2, padding: 1, output_padding: 1}
        prompt: "{{ stack }}"
        """)
    variant = KINDS["layer_table"].generate(template, 0)
    assert variant.answer["rows"] == [[[4, 14, 14], 8 * 4 * 9 + 4]]  # (7 - 1)·2 − 2 + 2 + 1 + 1
    wrong = {m.name: value for m, value in misconceptions(variant)}
    assert wrong["transposed conv sized by the forward rule"]["rows"] == [[[4, 4, 4], 8 * 4 * 9 + 4]]
    assert "Transposed conv: $(W - 1) S - 2P" in explain_for(variant, "notebook")


def test_a_block_word_is_taken_as_is_or_drawn_by_a_parameter(write_yaml: Callable[[str, str], Path]) -> None:
    template = inline(write_yaml, """
        kind: layer_table
        params:
          kind_of_block: {choices: [basic, bottleneck]}
          input_shape: [16, 8, 8]
        layers:
          - {type: residual, block: kind_of_block, out_channels: 32}
          - {type: residual, block: basic, out_channels: 32, stride: 2}
        prompt: "{{ stack }}"
        """)
    blocks = {KINDS["layer_table"].generate(template, seed).params["layers"][0]["block"] for seed in range(12)}
    assert blocks == {"basic", "bottleneck"}


def test_receptive_field_passes_through_batch_norm_relu_and_dropout(write_yaml: Callable[[str, str], Path]) -> None:
    template = inline(write_yaml, """
        kind: receptive_field
        params: {k: {choices: [3, 5]}, s: {choices: [1, 2]}}
        layers:
          - {type: conv2d, kernel_size: k, stride: s}
          - {type: batchnorm2d}
          - {type: relu}
          - {type: maxpool2d, kernel_size: 2}
          - {type: dropout, p: 0.3}
          - {type: conv2d, kernel_size: 3}
        prompt: "Consider:\\n\\n{{ stack }}"
        """)
    for seed in range(6):
        variant = KINDS["receptive_field"].generate(template, seed)
        assert variant.answer == torch_receptive_field(layers_from_data(variant.params["layers"]))[0]
        worked = explain_for(variant, "notebook")
        assert "- after ReLU: unchanged (it acts on each pixel alone)" in worked
        assert "- after batch normalisation: unchanged" in explain_for(variant, "paper")
        assert "dropout, p = 0.3" in prompt_for(variant, "paper")
        for _, value in misconceptions(variant):
            assert value != variant.answer


def test_receptive_field_refuses_the_layers_it_has_no_field_for(write_yaml: Callable[[str, str], Path]) -> None:
    with pytest.raises(TemplateError, match=r"layer 2: type 'residual' cannot be used here; receptive_field takes "
                                            r"conv2d, maxpool2d, avgpool2d, batchnorm2d, relu, dropout"):
        inline(write_yaml, """
            kind: receptive_field
            layers:
              - {type: conv2d, kernel_size: 3}
              - {type: residual, block: basic, out_channels: 8}
            prompt: "{{ stack }}"
            """)


def test_a_misspelt_block_word_names_the_words(write_yaml: Callable[[str, str], Path]) -> None:
    with pytest.raises(TemplateError, match=r"layer 1 \(residual\): block: expression 'basik' uses unknown name "
                                            r"'basik' \(or one of the words basic, bottleneck\)"):
        inline(write_yaml, """
            kind: layer_table
            params: {input_shape: [8, 8, 8]}
            layers:
              - {type: residual, block: basik, out_channels: 8}
            prompt: "{{ stack }}"
            """)
