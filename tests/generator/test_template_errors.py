"""Errors an instructor can act on: the line of the offending layer or constraint, in the template's terms; "no draw
out of N" only where another draw could succeed, with one failing draw shown."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from generator.draw_failures import exact_arithmetic
from generator.errors import TemplateError
from generator.kinds import KINDS
from generator.limits import MAX_DRAWS
from generator.templates import load_template

LAYER_TABLE = """\
id: lt
kind: layer_table
title: A small network
points: 2
params:
  input_shape: [1, 32, 32]
  c: {choices: [4, 6]}
layers:
  - {type: conv2d, out_channels: c, kernel_size: 5}
  - {type: maxpool2d, kernel_size: 2}
  - {type: conv2d, kernel_size: 5}
  - {type: flatten}
  - {type: dense, out_features: 10}
prompt: "{{ stack }}"
"""
OUTPUT_SIZE = """\
id: conv-out
kind: output_size
title: Output size
points: 3
params:
  H: {choices: [5, 7, 9]}
  W: {expr: H}
  C: 3
  K: 2
  S: 2
  P: 0
  F: 8
constraints:
  - exact(H, K, S, P)
prompt: "Input {{ H }}x{{ W }}x{{ C }}, {{ F }} filters {{ K }}x{{ K }}, stride {{ S }}, padding {{ P }}."
"""


def error_of(write_yaml: Callable[[str, str], Path], text: str) -> tuple[Path, TemplateError]:
    """The file written and the TemplateError that loading it, then drawing one variant, raises."""
    path = write_yaml("t.yaml", text)
    with pytest.raises(TemplateError) as caught:
        template = load_template(path)
        KINDS[template.kind].generate(template, 0)
    return path, caught.value


def test_a_conv_layer_without_out_channels_is_named_by_its_line_before_any_draw(
        write_yaml: Callable[[str, str], Path]) -> None:
    path, error = error_of(write_yaml, LAYER_TABLE)
    assert str(error) == f"{path}:11: layer 3 (conv2d): missing out_channels, the number of filters"
    assert "__init__" not in str(error) and "positional" not in str(error) and "tries" not in str(error)


def test_an_unknown_layer_key_says_which_key_was_meant(write_yaml: Callable[[str, str], Path]) -> None:
    text = LAYER_TABLE.replace("{type: conv2d, kernel_size: 5}", "{type: conv2d, out_channels: 8, kernel_size: 5}")
    path, error = error_of(write_yaml, text.replace("{type: maxpool2d, kernel_size: 2}",
                                                    "{type: maxpool2d, kernel_sise: 2}"))
    assert str(error) == (f"{path}:10: layer 2 (maxpool2d): unknown key 'kernel_sise' (did you mean 'kernel_size'?); "
                          "maxpool2d takes kernel_size, stride, padding")


def test_every_layer_problem_is_reported_at_once(write_yaml: Callable[[str, str], Path]) -> None:
    path, error = error_of(write_yaml, LAYER_TABLE.replace("{type: flatten}", "{type: flaten}"))
    assert [str(problem) for problem in error.problems] == [
        f"{path}:11: layer 3 (conv2d): missing out_channels, the number of filters",
        f"{path}:12: layer 4: unknown type 'flaten' (did you mean 'flatten'?); layer_table takes conv2d, "
        "convtranspose2d, maxpool2d, avgpool2d, globalavgpool2d, batchnorm2d, relu, dropout, residual, flatten, dense"]


def test_a_receptive_field_takes_conv_layers_without_out_channels_but_no_dense_layer(
        write_yaml: Callable[[str, str], Path]) -> None:
    text = ("id: rf\nkind: receptive_field\ntitle: R\npoints: 1\nprompt: '{{ stack }}'\nlayers:\n"
            "  - {type: conv2d, kernel_size: 3}\n  - {type: dense, out_features: 3}\n")
    path, error = error_of(write_yaml, text)
    assert str(error) == (f"{path}:8: layer 2: type 'dense' cannot be used here; receptive_field takes conv2d, "
                          "maxpool2d, avgpool2d, batchnorm2d, relu, dropout")


def test_an_unsatisfiable_exact_constraint_shows_one_failing_draw(write_yaml: Callable[[str, str], Path]) -> None:
    path, error = error_of(write_yaml, OUTPUT_SIZE)
    assert str(error) == (f"{path}:14: constraint 'exact(H, K, S, P)': no draw out of {MAX_DRAWS} met it; "
                          "e.g. H=9, K=2, S=2, P=0: (9 − 2 + 2 × 0) / 2 = 3.5 is not whole")


def test_a_constraint_that_cannot_be_computed_throws_the_draw_away(write_yaml: Callable[[str, str], Path]) -> None:
    path, error = error_of(write_yaml, OUTPUT_SIZE.replace("K: 2", "K: 11"))
    assert str(error) == (f"{path}:14: constraint 'exact(H, K, S, P)': no draw out of {MAX_DRAWS} met it; "
                          "e.g. H=9, K=11, S=2, P=0: kernel_size 11 is larger than the padded input (in_size 9, "
                          "padding 0, dilation 1)")


def test_a_constraint_on_fixed_values_alone_is_not_bad_luck(write_yaml: Callable[[str, str], Path]) -> None:
    path, error = error_of(write_yaml, OUTPUT_SIZE.replace("H: {choices: [5, 7, 9]}", "H: 5")
                           .replace("- exact(H, K, S, P)", "- exact(H, K, S, P) and K <= H"))
    assert str(error) == (f"{path}:14: constraint 'exact(H, K, S, P) and K <= H' never holds: every draw has "
                          "H=5, K=2, S=2, P=0: (5 − 2 + 2 × 0) / 2 = 1.5 is not whole")


def test_a_layer_that_never_fits_is_reported_once_at_its_line(write_yaml: Callable[[str, str], Path]) -> None:
    text = LAYER_TABLE.replace("[1, 32, 32]", "[1, 8, 8]").replace("{type: conv2d, kernel_size: 5}",
                                                                  "{type: conv2d, out_channels: 8, kernel_size: 5}")
    path, error = error_of(write_yaml, text.replace("c: {choices: [4, 6]}", "c: 4"))
    assert str(error) == (f"{path}:11: every draw fails: layer 3 (conv 8@5x5) with input shape (4, 2, 2): "
                          "kernel_size 5 is larger than the padded input (in_size (2, 2), padding 0, dilation 1)")
    path, error = error_of(write_yaml, text)  # the message's numbers change with c: still one layer, every draw
    assert str(error) == (f"{path}:11: every draw fails at layer 3; e.g. input_shape=[1, 8, 8], c=6: layer 3 "
                          "(conv 8@5x5) with input shape (6, 2, 2): kernel_size 5 is larger than the padded input "
                          "(in_size (2, 2), padding 0, dilation 1)")
    assert "tries" not in str(error) and "no draw" not in str(error)


def test_a_parameter_expression_that_never_computes_names_its_values(write_yaml: Callable[[str, str], Path]) -> None:
    text = (OUTPUT_SIZE.replace("H: {choices: [5, 7, 9]}", "H: 5").replace("K: 2", "K: 7")
            .replace("  F: 8\n", "  F: 8\n  O: {expr: 'out_size(H, K, S, P)'}\n")
            .replace("- exact(H, K, S, P)", "- O > 1"))
    path, error = error_of(write_yaml, text)
    assert str(error) == (f"{path}:5: every draw fails: parameter 'O' = out_size(H, K, S, P) cannot be computed for "
                          "H=5, K=7, S=2, P=0: kernel_size 7 is larger than the padded input (in_size 5, padding 0, "
                          "dilation 1)")


@pytest.mark.parametrize("arguments, why", [
    ((5, 2, 2, 0), "(5 − 2 + 2 × 0) / 2 = 1.5 is not whole"),
    ((8, 3, 2, 0, 2), "(8 − 2 × (3 − 1) − 1 + 2 × 0) / 2 = 1.5 is not whole"),
    (((6, 7), 2, 2), "width: (7 − 2 + 2 × 0) / 2 = 2.5 is not whole"),
])
def test_exact_shows_the_division_that_is_not_whole(arguments: tuple, why: str) -> None:
    assert exact_arithmetic(*arguments) == why
