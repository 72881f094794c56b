"""Each kind's declared misconceptions: the wrong answers they give on the lecture's own numbers, their structure on
the bundled templates, and the content fixes made with them (0-based window indices, plural agreement)."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from generator.kinds import KINDS, misconceptions
from generator.kinds._mistakes import same_answer
from generator.model import Misconception, Template, Variant
from generator.render import noun_for, plural
from generator.templates import load_template, template_files
from solutions.numpy_ref import conv1d
from tests.generator.conftest import CLASSIC_LENET_TABLE, TEMPLATES, bundled

BUNDLED = sorted(load_template(path).id for path in template_files(TEMPLATES))


def inline(write_yaml: Callable[[str, str], Path], body: str) -> Template:
    """A one-off template: id, title and points filled in, the rest (kind, params, ...) from body."""
    return load_template(write_yaml("t.yaml", "id: t\ntitle: T\npoints: 1\n" + textwrap.dedent(body)))


def mistaken(variant: Variant) -> dict[str, Any]:
    """Each applicable misconception's answer, by name."""
    return {misconception.name: value for misconception, value in misconceptions(variant)}


def by_hand(kind: str, answer: Any, **params: Any) -> Variant:
    """A variant of a by-hand kind with chosen numbers (only params and answer matter to a misconception)."""
    return Variant("q", kind, 0, params, answer, 1.0)


def test_every_kind_declares_its_misconceptions_or_why_it_has_none() -> None:
    for name, module in KINDS.items():
        declared, none = getattr(module, "MISCONCEPTIONS", None), getattr(module, "NO_MISCONCEPTIONS", None)
        assert (declared is None) != (none is None), f"{name}: declare MISCONCEPTIONS or NO_MISCONCEPTIONS, one"
        if declared is not None:
            assert declared and all(isinstance(m, Misconception) and m.name and m.explanation for m in declared), name
            assert len({m.name for m in declared}) == len(declared), f"{name}: two misconceptions share a name"
        else:
            assert isinstance(none, str) and none.strip(), name


@pytest.mark.parametrize("template_id", BUNDLED)
def test_misconceptions_give_a_wrong_answer_in_the_keys_structure(template_id: str) -> None:
    template = bundled(template_id)
    kind = KINDS[template.kind]
    if not getattr(kind, "MISCONCEPTIONS", ()):
        return
    for seed in range(30):
        variant = kind.generate(template, seed)
        for misconception, value in misconceptions(variant):
            assert not same_answer(value, variant.answer, variant.tolerance), (template_id, misconception.name)
            if isinstance(variant.answer, dict):
                assert isinstance(value, dict) and value.keys() == variant.answer.keys(), misconception.name
            else:
                assert type(value) is type(variant.answer) or isinstance(value, (int, float)), misconception.name


def test_the_lectures_homework_layer(write_yaml: Callable[[str, str], Path]) -> None:
    """RGB 64 x 64, 8 filters 5 x 5, stride 2, P = 2: 608 parameters and 32 x 32 x 8."""
    template = inline(write_yaml, """
        kind: conv_layer
        params: {H: 64, W: 64, C: 3, F: 8, K: 5, S: 2, P: 2}
        prompt: "P = {{ P }}"
        """)
    variant = KINDS["conv_layer"].generate(template, 0)
    assert variant.answer == {"weights": 600, "biases": 8, "total": 608, "output": [32, 32, 8]}
    wrong = mistaken(variant)
    assert wrong["padding forgotten"]["output"] == [30, 30, 8]
    assert wrong["padding counted once instead of on both sides"]["output"] == [31, 31, 8]
    assert wrong["stride ignored"]["output"] == [64, 64, 8]
    assert wrong["rounding up instead of down"]["output"] == [33, 33, 8]
    assert wrong["output depth = input channels instead of the number of filters"]["output"] == [32, 32, 3]
    assert wrong["biases forgotten"]["total"] == 600
    assert wrong["input channels forgotten (K²·F)"]["weights"] == 200
    assert wrong["weights not shared"]["weights"] == 600 * 32 * 32
    assert wrong["padding forgotten"]["total"] == 608  # each mistake changes only its own parts


def test_the_lectures_mlp_and_dense_versus_conv(write_yaml: Callable[[str, str], Path]) -> None:
    wrong = mistaken(KINDS["mlp_params"].generate(bundled("mlp-lecture"), 0))
    assert wrong == {"biases forgotten": 669_706 - (512 + 512 + 10), "one layer missed": 669_706 - 5_130}
    template = inline(write_yaml, """
        kind: dense_vs_conv
        params: {H: 1000, W: 1000, hidden: 1000000, F: 100, K: 10}
        prompt: x
        """)
    wrong = mistaken(KINDS["dense_vs_conv"].generate(template, 0))
    assert wrong["biases forgotten"]["conv_params"] == 10_000
    assert wrong["weights per position not shared"]["conv_params"] == 10_100 * 1000 * 1000


def test_the_mlp_table_has_no_missed_layer_to_recognise() -> None:
    wrong = mistaken(KINDS["mlp_params"].generate(bundled("mlp-params"), 0))
    assert set(wrong) == {"biases forgotten"} and set(wrong["biases forgotten"]["biases"]) == {0}


def test_classic_lenet_table(write_yaml: Callable[[str, str], Path]) -> None:
    variant = KINDS["layer_table"].generate(inline(write_yaml, CLASSIC_LENET_TABLE), 0)
    assert variant.answer["total"] == 61_706
    wrong = mistaken(variant)
    assert wrong["biases forgotten"]["total"] == 61_706 - (6 + 16 + 120 + 84 + 10)
    assert wrong["flatten size from the wrong shape"]["rows"][4] == [[1600], 0]
    assert wrong["flatten size from the wrong shape"]["total"] == 156 + 2_416 + 192_120 + 10_164 + 850
    assert [row[0] for row in wrong["pooling's halving forgotten"]["rows"][:5]] == \
        [[6, 28, 28], [6, 28, 28], [16, 24, 24], [16, 24, 24], [9216]]
    depth = wrong["output depth = input channels instead of the number of filters"]
    assert depth["rows"][2] == [[1, 10, 10], 416] and depth["total"] == 14_706
    assert "padding forgotten" not in wrong and "stride ignored" not in wrong  # the stack has neither


def test_receptive_field_mistakes(write_yaml: Callable[[str, str], Path]) -> None:
    template = inline(write_yaml, """
        kind: receptive_field
        layers:
          - {type: conv2d, out_channels: 8, kernel_size: 3, stride: 2}
          - {type: maxpool2d, kernel_size: 2}
          - {type: conv2d, out_channels: 8, kernel_size: 5}
        prompt: "{{ stack }}"
        """)
    variant = KINDS["receptive_field"].generate(template, 0)
    assert variant.answer == 1 + 2 + 1 * 2 + 4 * 4
    assert mistaken(variant) == {"strides ignored": 1 + 2 + 1 + 4, "kernel sizes added": 10, "off by one": 20}


def test_conv1d_by_hand_mistakes() -> None:
    x, w = [1, 2, 3, 4, 5, 6], [1, 2]
    right = conv1d(np.array([[x]], float), np.array([[w]], float), stride=2, padding=1)[0, 0].tolist()
    assert right == [2, 8, 14, 6]
    wrong = mistaken(by_hand("conv1d_by_hand", right, x=x, w=w, S=2, P=1))
    assert wrong == {"kernel flipped": [1, 7, 13, 12], "padding forgotten": [5, 11, 17],
                     "stride ignored": [2, 5, 8, 11, 14, 17, 6]}  # exact: no partial window to keep
    partial = mistaken(by_hand("conv1d_by_hand", [5, 11], x=[1, 2, 3, 4, 5], w=w, S=2, P=0))
    assert partial["partial last window kept"] == [5, 11, 5]


def test_pooling_by_hand_mistakes() -> None:
    image = [[1, 2, 0, 4], [3, 4, 1, 1], [0, 0, 2, 2], [5, 1, 2, 6]]
    wrong = mistaken(by_hand("pooling_by_hand", [[4, 4], [5, 6]], image=image, K=2, S=2, mode="max"))
    assert wrong["max and average swapped"] == [[2.5, 1.5], [1.5, 3]]
    assert wrong["windows overlapping when they should not"] == [[4, 4, 4], [4, 4, 2], [5, 2, 6]]
    assert set(wrong) == {"max and average swapped", "windows overlapping when they should not"}


def test_same_padding_mistakes() -> None:
    for seed in range(10):
        variant = KINDS["same_padding"].generate(bundled("same-padding"), seed)
        p, wrong = variant.params, mistaken(variant)
        assert wrong["P = K - 1 instead of (K - 1)/2"]["P"] == p["K"] - 1
        assert wrong["P = K/2 taken to keep the size"]["even_out"] == p["H"]
        assert wrong["extra zero on the wrong side"]["even_pads"] == variant.answer["even_pads"][::-1]


def test_stochastic_pooling_mistakes_and_0_based_window() -> None:
    rows_seen = set()
    for seed in range(20):
        variant = KINDS["stochastic_pooling"].generate(bundled("stochastic-pooling"), seed)
        p, wrong = variant.params, mistaken(variant)
        rows, cols = p["out_shape"]
        assert 0 <= p["window_row"] < rows and 0 <= p["window_col"] < cols
        rows_seen.add(p["window_row"])
        assert "numbered from 0" in variant.prompt
        assert f"- window ({p['window_row']}, {p['window_col']})" in KINDS["stochastic_pooling"].explain(variant)
        raw = np.array(wrong["probabilities not normalised"]["probabilities"])
        assert np.allclose(raw / raw.sum(), variant.answer["probabilities"], atol=1e-3)
        assert set(wrong) == {"probabilities not normalised", "window read column by column",
                              "maximum taken instead of a sample"}
    assert 0 in rows_seen


def test_named_filter_scale_dropped_only_for_the_blurs() -> None:
    for seed in range(20):
        variant = KINDS["named_filter"].generate(bundled("filter-compute"), seed)
        divisor = {"box_blur": 9, "gaussian_blur": 16}.get(variant.params["filter"])
        wrong = mistaken(variant)
        if divisor is None:
            assert wrong == {}
        else:
            assert np.allclose(wrong["the kernel's scale dropped"], np.array(variant.answer) * divisor, atol=0.01)


def test_plural_agrees_with_the_count() -> None:
    assert plural(1, "input channel") == "1 input channel" and plural(3, "input channel") == "3 input channels"
    assert noun_for(1, "row") == "row" and noun_for(2, "matrix", "matrices") == "matrices"
    for seed in range(40):
        variant = KINDS["conv_params"].generate(bundled("conv-params"), seed)
        assert "all 1 input" not in variant.prompt and "1 input channels" not in variant.prompt


def test_output_size_padding_is_at_most_half_the_kernel() -> None:
    for template_id in ("output-size", "homework", "homework-output-size"):
        template = bundled(template_id)
        for seed in range(100):
            p = KINDS[template.kind].generate(template, seed).params
            assert p["P"] <= p["K"] // 2, (template_id, p)
