"""The questions the lecture asks beyond the basics, worked by hand: the homework's two parts (608 parameters),
'same' padding, stochastic pooling, a shifted input, and an edge filter on a flat patch."""

from __future__ import annotations

import json
import textwrap
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from generator.kinds import KINDS
from generator.model import Template, Variant
from generator.seeds import question_seed
from generator.templates import load_template
from tests.generator.conftest import SECRET, bundled

SEEDS = range(60)


def inline(write_yaml: Callable[[str, str], Path], body: str) -> Template:
    """A one-off template: id, title and points filled in, the rest (kind, params, ...) from body."""
    return load_template(write_yaml("t.yaml", "id: t\ntitle: T\npoints: 6\n" + textwrap.dedent(body)))


def variants(template_id: str) -> list[Variant]:
    """The bundled template's variants over SEEDS."""
    template = bundled(template_id)
    return [KINDS[template.kind].generate(template, seed) for seed in SEEDS]


def distinct_answers(template_id: str, students: int = 300) -> int:
    """How many different answers the class gets, with the seeds `cnnlab generate` derives."""
    template = bundled(template_id)
    kind = KINDS[template.kind]
    return len({json.dumps(kind.generate(template, question_seed(SECRET, "cnn-ps1", f"s{i}", template.id)).answer)
                for i in range(students)})


# --- the lecture's homework: both parts ------------------------------------------------------------------------

LECTURE_LAYER = """
    kind: conv_layer
    params: {{H: 64, W: 64, C: 3, F: 8, K: 5, S: 2, P: {P}}}
    prompt: "{{{{ P }}}}"
    """


@pytest.mark.parametrize(("padding", "output"), [(0, [30, 30, 8]), (2, [32, 32, 8])])
def test_homework_lecture_numbers(write_yaml: Callable[[str, str], Path], padding: int, output: list[int]) -> None:
    """a) 8 filters of 5x5x3 plus a bias each: 8 (75 + 1) = 608. b) floor((64 - 5 + 2P) / 2) + 1, 8 channels."""
    kind = KINDS["conv_layer"]
    variant = kind.generate(inline(write_yaml, LECTURE_LAYER.format(P=padding)), 0)
    assert variant.answer == {"weights": 600, "biases": 8, "total": 608, "output": output}
    assert "round down" in kind.render(variant)  # 59 and 63 are odd: the floor rule is stated
    assert "- total: $8 \\cdot (75 + 1) = 608$" in kind.explain(variant)


def test_homework_template_can_draw_the_lecture_layer_and_varies() -> None:
    template = bundled("homework")
    space = {p.name: p for p in template.space.params}
    for name, value in {"H": 64, "C": 3, "F": 8, "K": 5, "S": 2}.items():
        assert value in space[name].values, name
    low, high, _ = space["P"].values
    assert low <= 0 and 2 <= high
    assert distinct_answers("homework") >= 50


def test_homework_output_in_the_other_order_earns_half_and_the_total_follows_through(
        write_yaml: Callable[[str, str], Path]) -> None:
    kind = KINDS["conv_layer"]
    variant = kind.generate(inline(write_yaml, LECTURE_LAYER.format(P=0)), 0)  # 6 parts, a point each
    score = kind.grade(variant, {"weights": 600, "biases": 8, "total": 608, "output": "8x30x30"})
    assert score.points == pytest.approx(3 + 1.5) and "looks like C×H×W" in score.feedback
    own = kind.grade(variant, {"weights": 200, "biases": 8, "total": 208, "output": [30, 30, 8]})
    assert own.points == 5 and "follow-through" in own.feedback
    assert kind.grade(variant, (600, 8, 608, (30, 30, 8))).points == 6
    assert "(height, width, channels)" in kind.answer_stub(variant)


def test_the_fixed_homework_title_is_for_students() -> None:
    assert "padding stated" not in bundled("homework-output-size").title


# --- 'same' padding --------------------------------------------------------------------------------------------

def test_same_padding_worked_by_hand(write_yaml: Callable[[str, str], Path]) -> None:
    """K = 5: P = 2. K = 4: P = 2 gives 32 - 4 + 4 + 1 = 33; torch pads 1 on the left and 2 on the right."""
    kind = KINDS["same_padding"]
    variant = kind.generate(inline(write_yaml, """
        kind: same_padding
        params: {H: 32, K: 5, K_even: 4}
        prompt: "{{ K }} {{ K_even }}"
        """), 0)
    answer = variant.answer
    assert (answer["P"], answer["even_out"], answer["even_pads"]) == (2, 33, [1, 2])
    right = variant.params["options"]["ABCD".index(answer["why"])]
    assert right.startswith("No integer $P$ works") and "K - 1 = 3" in right
    assert kind.grade(variant, {**answer, "why": right}).points == 6  # the statement's text counts as its letter


def test_same_padding_matches_the_formula_and_shuffles_the_letter() -> None:
    letters = set()
    for variant in variants("same-padding"):
        p, answer = variant.params, variant.answer
        assert answer["P"] == (p["K"] - 1) // 2 and answer["even_out"] == p["H"] + 1
        assert answer["even_pads"] == [p["K_even"] // 2 - 1, p["K_even"] // 2]  # the odd zero goes right
        letters.add(answer["why"])
    assert letters == set("ABCD")


# --- stochastic pooling ----------------------------------------------------------------------------------------

def by_hand(window: list[float], u: float) -> float:
    """The first activation, row-major, whose cumulative probability exceeds u."""
    total, running = sum(window), 0.0
    for value in window:
        running += value
        if running / total > u:
            return value
    raise AssertionError("u must be below 1")


def test_stochastic_pooling_follows_the_stated_rule() -> None:
    for variant in variants("stochastic-pooling"):
        p = variant.params
        image, k, s = np.array(p["image"]), p["K"], p["S"]
        rows, cols = p["out_shape"]
        windows = [[image[i * s:i * s + k, j * s:j * s + k].ravel().tolist() for j in range(cols)]
                   for i in range(rows)]
        assert variant.answer["pooled"] == [[by_hand(windows[i][j], p["draws"][i][j]) for j in range(cols)]
                                            for i in range(rows)]
        window = windows[p["window_row"]][p["window_col"]]  # 0-based, as the prompt states
        np.testing.assert_allclose(np.ravel(variant.answer["probabilities"]), np.array(window) / sum(window),
                                   atol=1e-4)
        maxima = [[max(windows[i][j]) for j in range(cols)] for i in range(rows)]
        assert variant.answer["pooled"] != maxima, "some window does not pick its maximum"


def test_stochastic_pooling_as_a_matrix_only(write_yaml: Callable[[str, str], Path]) -> None:
    template = inline(write_yaml, """
        kind: stochastic_pooling
        params: {H: 4, K: 2, S: 2}
        answer: {format: matrix}
        prompt: "{{ image | matrix }} {{ draws | matrix }}"
        """)
    variant = KINDS["stochastic_pooling"].generate(template, 3)
    assert np.shape(variant.answer) == (2, 2) and variant.answer_format == "matrix"


# --- translation equivariance ----------------------------------------------------------------------------------

def test_shifted_input_shifts_the_output_away_from_the_border() -> None:
    directions = set()
    for variant in variants("translation"):
        p, out = variant.params, variant.answer["output"]
        x, w, k, y = p["x_shifted"], p["w"], p["k"], p["y"]
        assert out == [sum(a * b for a, b in zip(x[i:i + len(w)], w)) for i in range(len(x) - len(w) + 1)]
        if p["shift"] > 0:
            assert out[k:] == y[:-k] and all(out[:k])  # the border saw the zeros come in: not zero, computed
        else:
            assert out[:-k] == y[k:] and all(out[-k:])
        assert variant.answer["global_max"] == max(out)
        directions.add(p["direction"])
    assert directions == {"left", "right"}


def test_translation_worked_by_hand(write_yaml: Callable[[str, str], Path]) -> None:
    """A fixed shift of 1 to the right on a drawn signal: y'[1:] = y[:-1]."""
    variant = KINDS["translation_by_hand"].generate(inline(write_yaml, """
        kind: translation_by_hand
        params: {L: 7, K: 2, shift: 1}
        prompt: "{{ shift }}"
        """), 0)
    p = variant.params
    assert p["x_shifted"] == [0, *p["x"][:-1]] and variant.answer["output"][1:] == p["y"][:-1]


# --- an edge filter on a flat patch ----------------------------------------------------------------------------

def test_all_ones_patch_gives_zero_with_every_edge_kernel(write_yaml: Callable[[str, str], Path]) -> None:
    """The lecture's clue: the 3x3 patch of ones through an edge filter gives 0, because the weights sum to 0."""
    kind = KINDS["flat_patch"]
    for name in ("4-neighbour", "8-neighbour", "diagonal"):
        variant = kind.generate(inline(write_yaml, f"""
            kind: flat_patch
            params: {{filter: {name}, c: 1, d: 0, H: 4}}
            prompt: "{{{{ c }}}}"
            """), 0)
        assert variant.answer["flat"] == 0 and np.sum(variant.params["kernel"]) == 0
        right = variant.params["options"]["ABCD".index(variant.answer["why"])]
        assert right.startswith("The weights sum to 0")


def test_flat_patch_output_is_zero_exactly_on_flat_windows() -> None:
    for variant in variants("flat-patch"):
        patch, kernel = np.array(variant.params["patch"]), np.array(variant.params["kernel"])
        out = np.array(variant.answer["output"])
        for i, j in np.ndindex(*out.shape):
            window = patch[i:i + 3, j:j + 3]
            assert out[i, j] == (window * kernel).sum()
            if (window == window[0, 0]).all():
                assert out[i, j] == 0
        assert (out == 0).any() and out.any()


def test_flat_patch_rejects_a_filter_that_is_not_an_edge_kernel(write_yaml: Callable[[str, str], Path]) -> None:
    with pytest.raises(Exception, match="unknown edge filter 'sharpen'"):
        inline(write_yaml, """
            kind: flat_patch
            params: {filter: sharpen, c: 1, d: 0, H: 4}
            prompt: "{{ c }}"
            """)
