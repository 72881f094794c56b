"""The lecture's numbers, computed by the kinds from solutions/, and per-kind behaviour worth pinning down."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

from generator.kinds import KINDS
from generator.model import Template
from generator.templates import load_template
from tests.generator.conftest import CLASSIC_LENET_TABLE, bundled


def inline(write_yaml: Callable[[str, str], Path], body: str) -> Template:
    """A one-off template: id, title and points filled in, the rest (kind, params, ...) from body."""
    return load_template(write_yaml("t.yaml", "id: t\ntitle: T\npoints: 1\n" + textwrap.dedent(body)))


def test_lecture_mlp_has_669706_parameters() -> None:
    variant = KINDS["mlp_params"].generate(bundled("mlp-lecture"), 0)
    assert variant.answer == 669_706


def test_mlp_table_rows_add_up() -> None:
    variant = KINDS["mlp_params"].generate(bundled("mlp-params"), 3)
    sizes, table = variant.params["sizes"], variant.answer
    assert table["weights"] == [a * b for a, b in zip(sizes, sizes[1:])]
    assert table["total"] == sum(table["weights"]) + sum(table["biases"])


def test_homework_padding_is_stated_and_both_readings_occur() -> None:
    template = bundled("homework-output-size")
    answers = {}
    for seed in range(40):
        variant = KINDS["output_size"].generate(template, seed)
        answers[variant.params["P"]] = variant.answer
        assert f"$P = {variant.params['P']}$" in variant.prompt
    assert answers == {0: [30, 30, 8], 2: [32, 32, 8]}


def test_floor_rule_is_the_same_for_every_student_whether_or_not_the_division_is_exact() -> None:
    """Stated only where the stride does not divide, the rule would tell those students their numbers don't."""
    kind = KINDS["output_size"]
    seen, rules = set(), set()
    for seed in range(60):
        variant = kind.generate(bundled("pool-output-size"), seed)
        exact = (variant.params["H"] - variant.params["K"]) % variant.params["S"] == 0 and \
            (variant.params["W"] - variant.params["K"]) % variant.params["S"] == 0
        rendered = kind.render(variant)
        assert rendered.startswith(variant.prompt) and "round down" in rendered
        rules.add(rendered.removeprefix(variant.prompt))
        seen.add(exact)
    assert seen == {True, False} and len(rules) == 1


def test_exact_constraint_holds_in_every_variant() -> None:
    for seed in range(100):
        p = KINDS["output_size"].generate(bundled("output-size"), seed).params
        assert (p["H"] - p["K"] + 2 * p["P"]) % p["S"] == 0


def test_dense_versus_conv_lecture_numbers(write_yaml: Callable[[str, str], Path]) -> None:
    template = inline(write_yaml, """
        kind: dense_vs_conv
        params: {H: 1000, W: 1000, hidden: 1000000, F: 100, K: 10}
        prompt: "{{ H }}"
        """)
    assert KINDS["dense_vs_conv"].generate(template, 0).answer == {"dense_weights": 10**12, "conv_params": 10_100}


def test_conv_params_counts() -> None:
    variant = KINDS["conv_params"].generate(bundled("conv-params"), 5)
    p = variant.params
    assert variant.answer == {"weights": p["F"] * p["K"] ** 2 * p["C_in"], "biases": p["F"],
                              "total": p["F"] * (p["K"] ** 2 * p["C_in"] + 1)}


def test_conv1d_by_hand_matches_a_direct_sum() -> None:
    for seed in range(30):
        p = KINDS["conv1d_by_hand"].generate(bundled("conv1d"), seed)
        x, w, s = p.params["padded"], p.params["w"], p.params["S"]
        direct = [sum(a * b for a, b in zip(x[i * s:i * s + len(w)], w)) for i in range((len(x) - len(w)) // s + 1)]
        assert p.answer == direct


def test_conv2d_image_is_binary_and_pooling_overlaps_sometimes() -> None:
    images = [KINDS["conv2d_by_hand"].generate(bundled("conv2d-binary"), s).params["image"] for s in range(20)]
    assert all(v in (0, 1) for image in images for row in image for v in row)
    overlaps = {KINDS["pooling_by_hand"].generate(bundled("pooling"), s).params["overlapping"] for s in range(40)}
    assert overlaps == {True, False}


def test_identify_filter_options_are_shuffled_per_variant() -> None:
    kind = KINDS["named_filter"]
    orders, letters = set(), set()
    for seed in range(40):
        variant = kind.generate(bundled("filter-identify"), seed)
        options = variant.params["options"]
        assert sorted(options) == sorted(["identity", "edge detection", "sharpen", "box blur", "Gaussian blur"])
        assert options["ABCDE".index(variant.answer)] == variant.params["filter_name"]
        assert f"**{variant.answer}.** {variant.params['filter_name']}" in kind.render(variant)
        orders.add(tuple(options))
        letters.add(variant.answer)
    assert len(orders) > 20 and letters == set("ABCDE")


def test_concept_options_are_shuffled_and_hold_one_correct_statement() -> None:
    template = bundled("concept-permutation")
    letters = set()
    for seed in range(40):
        variant = KINDS["concept"].generate(template, seed)
        right = variant.params["options"]["ABCDEFGHIJ".index(variant.answer)]
        assert right in [s.strip() for s in template.extra["correct"]]
        assert len(variant.params["options"]) == 4
        letters.add(variant.answer)
    assert letters == set("ABCD")


def test_lenet_table_of_the_classic_network(write_yaml: Callable[[str, str], Path]) -> None:
    template = inline(write_yaml, CLASSIC_LENET_TABLE)
    answer = KINDS["layer_table"].generate(template, 0).answer
    assert answer["total"] == 61_706
    assert answer["rows"][0] == [[6, 28, 28], 156] and answer["rows"][4] == [[400], 0]


def test_receptive_field_of_two_3x3_convs_is_5(write_yaml: Callable[[str, str], Path]) -> None:
    template = inline(write_yaml, """
        kind: receptive_field
        layers:
          - {type: conv2d, out_channels: 4, kernel_size: 3}
          - {type: conv2d, out_channels: 4, kernel_size: 3}
          - {type: maxpool2d, kernel_size: 2}
          - {type: conv2d, out_channels: 4, kernel_size: 3}
        prompt: "{{ stack }}"
        """)
    assert KINDS["receptive_field"].generate(template, 0).answer == 10  # 1 + 2 + 2 + 1, then + 2 * 2
