"""The answer rules per kind (docs/GRADING.md, "Answer rules"): the LeNet table's formats, axis order and
follow-through, multiple-choice texts, the receptive field's pair, the MLP table's rows, the stubs' axis order."""

from __future__ import annotations

import copy
import dataclasses
import textwrap
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from generator.kinds import KINDS
from generator.model import Variant
from generator.templates import load_template
from tests.generator.conftest import CLASSIC_LENET_TABLE, bundled

LENET = CLASSIC_LENET_TABLE
TABLE = KINDS["layer_table"]
OPTIONS = ["Pooling learns weights.", "Dense layers are local.", "Each output unit sees a small patch of the input.",
           "Filters are flipped."]


@pytest.fixture
def lenet(write_yaml: Callable[[str, str], Path]) -> Variant:
    """The classic LeNet-5 table (25 parts, a point each): conv1 6x28x28 (156), pool1 6x14x14, ..., 61,706 in all."""
    path = write_yaml("t.yaml", "id: t\ntitle: T\npoints: 25\n" + textwrap.dedent(LENET))
    return TABLE.generate(load_template(path), 0)


def rows_of(variant: Variant) -> list[list[object]]:
    """A deep copy of the key's rows, to edit."""
    return copy.deepcopy(variant.answer["rows"])


def test_lenet_table_reads_text_shapes_tuples_and_bare_sizes(lenet: Variant) -> None:
    text = [["6x28x28", 156], ["6 × 14 × 14", 0], ["16x10x10", 2416], ["(16, 5, 5)", 0], ["400", 0], [120, 48120],
            [(84,), 10164], [np.array([10]), 850]]
    assert TABLE.grade(lenet, {"rows": text, "total": 61706}).points == 25
    assert TABLE.grade(lenet, (lenet.answer["rows"], lenet.answer["total"])).points == 25
    assert TABLE.grade(lenet, [text, "61,706"]).points == 25


def test_lenet_table_says_what_was_expected_for_a_wrong_structure(lenet: Variant) -> None:
    score = TABLE.grade(lenet, (lenet.answer["rows"],))
    assert score.points == 0 and "expected a dict with keys 'rows', 'total' (or a tuple in that order)" in \
        score.feedback
    extra = TABLE.grade(lenet, {"rows": [*lenet.answer["rows"], [[10], 0]], "total": 61706})
    assert 0 < extra.points < 25 and "rows: expected 8 rows, got 9" in extra.feedback
    four = rows_of(lenet)
    four[0][0] = [6, 28, 28, 1]
    score = TABLE.grade(lenet, {"rows": four, "total": 61706})
    assert 0 < score.points < 25 and "conv1 shape: expected 3 values (C×H×W), got 4" in score.feedback


def test_lenet_table_in_the_other_axis_order_earns_half_of_each_shape(lenet: Variant) -> None:
    rows = [[[s[1], s[2], s[0]] if len(s) == 3 else s, n] for s, n in rows_of(lenet)]
    score = TABLE.grade(lenet, {"rows": rows, "total": 61706})
    assert score.points == pytest.approx(25 - 12 / 2)  # 4 shapes of 3 sizes at half credit, the rest right
    assert "conv1 shape: (28, 28, 6) looks like H×W×C; this question asks for C×H×W" in score.feedback
    assert "12 of 25 parts at half credit" in score.feedback


def test_lenet_table_follow_through_from_a_wrong_row(lenet: Variant) -> None:
    """conv1 with 8 filters instead of 6: every later row right for 8 channels earns its part, the total too."""
    rows = rows_of(lenet)
    rows[0] = [[8, 28, 28], 208]
    rows[1] = [[8, 14, 14], 0]
    rows[2] = [[16, 10, 10], 16 * (8 * 25 + 1)]
    total = sum(n for _, n in rows)
    score = TABLE.grade(lenet, {"rows": rows, "total": total})
    assert score.points == pytest.approx(25 - 2), "only conv1's channels and parameters are wrong"
    assert "row pool1: follow-through from your conv1 shape" in score.feedback
    assert "row conv2: follow-through from your pool1 shape" in score.feedback
    assert "total: follow-through from your own counts" in score.feedback
    assert [p.label for p in score.parts if p.points == 0] == ["conv1 shape[0]", "conv1 parameters"]


def test_lenet_table_follow_through_is_not_taken_when_the_row_is_wrong_either_way(lenet: Variant) -> None:
    rows = rows_of(lenet)
    rows[0] = [[8, 28, 28], 208]
    rows[1] = [[7, 14, 14], 0]  # neither the key's 6 nor the student's own 8
    score = TABLE.grade(lenet, {"rows": rows, "total": 61706})
    assert "follow-through from your conv1" not in score.feedback
    assert "pool1 shape[0]" in [p.label for p in score.parts if p.points == 0]


def test_keys_without_layers_still_grade_without_follow_through(lenet: Variant) -> None:
    """Answer keys written before follow-through existed hold no `layers`: they grade as before."""
    old = dataclasses.replace(lenet, params={k: v for k, v in lenet.params.items() if k != "layers"})
    rows = rows_of(lenet)
    rows[0] = [[8, 28, 28], 208]
    rows[1] = [[8, 14, 14], 0]
    assert TABLE.grade(old, lenet.answer).points == 25
    assert TABLE.grade(old, {"rows": rows, "total": 61706}).points == pytest.approx(25 - 3)


def test_lenet_table_untouched_stub_is_no_answer_and_states_the_order(lenet: Variant) -> None:
    stub = TABLE.answer_stub(lenet)
    assert "conv1: conv 6@5x5 -> (output shape (channels, height, width), parameters)" in stub
    assert "fc1: dense 120 -> (output shape (features,), parameters)" in stub
    namespace: dict[str, object] = {}
    exec(stub, namespace)  # noqa: S102 - our own generated source
    score = TABLE.grade(lenet, namespace[lenet.variable])
    assert (score.points, score.feedback) == (0, "no answer")


@pytest.mark.parametrize("template_id", ["output-size", "pool-output-size", "homework-output-size", "lenet-table"])
def test_shape_prompts_state_the_axis_order(template_id: str) -> None:
    variant = KINDS[bundled(template_id).kind].generate(bundled(template_id), 0)
    order = "channels, height, width" if template_id == "lenet-table" else "height, width, channels"
    assert order in " ".join(variant.prompt.split())


def test_output_size_stub_states_the_order_and_the_other_order_is_named() -> None:
    kind = KINDS["output_size"]
    variant = dataclasses.replace(kind.generate(bundled("output-size"), 0), answer=[87, 87, 64])
    assert "(height, width, channels)" in kind.answer_stub(variant)
    assert kind.grade(variant, "87x87x64").points == variant.points
    score = kind.grade(variant, (64, 87, 87))
    assert score.points == variant.points / 2
    assert score.feedback.startswith("(64, 87, 87) looks like C×H×W; this question asks for H×W×C")


@pytest.mark.parametrize("form", ["(C)", "Option C", "option c", "c)", "Answer: C", "C. Each output unit sees a small "
                                  "patch", "Each output unit sees a small patch of the input.",
                                  "each output unit sees a small patch of the input", ["C"]])
def test_concept_reads_letters_and_option_texts(form: object) -> None:
    kind = KINDS["concept"]
    variant = kind.generate(bundled("concept-locality"), 0)
    variant = dataclasses.replace(variant, answer="C", params={**variant.params, "options": OPTIONS})
    assert kind.grade(variant, form).points == variant.points


@pytest.mark.parametrize("form, note", [("E", "expected one letter A–D or an option's text, got the text 'E'"),
                                        ("Filters", "expected one letter A–D or an option's text"),
                                        ("B. Each output unit sees a small patch of the input.", "expected one letter"),
                                        (3, "expected one letter A–D")])
def test_concept_unreadable_choices_score_zero_and_say_what_was_expected(form: object, note: str) -> None:
    kind = KINDS["concept"]
    variant = kind.generate(bundled("concept-locality"), 0)
    score = kind.grade(dataclasses.replace(variant, answer="C", params={**variant.params, "options": OPTIONS}), form)
    assert score.points == 0 and note in score.feedback


def test_named_filter_identify_reads_the_filter_name() -> None:
    kind = KINDS["named_filter"]
    variant = kind.generate(bundled("filter-identify"), 0)
    letter = "ABCDE"[variant.params["options"].index("box blur")]
    variant = dataclasses.replace(variant, answer=letter)
    for form in ("box blur", "Box Blur", "box_blur", f"({letter})", f"{letter}. box blur"):
        assert kind.grade(variant, form).points == variant.points, form
    assert kind.grade(variant, "blur").points == 0


def test_receptive_field_accepts_an_equal_pair_only() -> None:
    kind = KINDS["receptive_field"]
    variant = dataclasses.replace(kind.generate(bundled("receptive-field"), 0), answer=25)
    assert kind.grade(variant, (25, 25)).points == variant.points
    assert kind.grade(variant, np.array([25, 25])).points == variant.points
    score = kind.grade(variant, (25, 27))
    assert score.points == 0 and "expected one number, got 2 values (25, 27)" in score.feedback


def test_receptive_field_stub_asks_for_a_pair_when_the_field_is_not_square() -> None:
    kind = KINDS["receptive_field"]
    variant = dataclasses.replace(kind.generate(bundled("receptive-field"), 0), answer=[7, 5])
    assert "(height, width)" in kind.answer_stub(variant)
    assert kind.grade(variant, (7, 5)).points == variant.points and kind.grade(variant, 7).points < variant.points


def test_mlp_table_as_tuples_or_rows_per_layer() -> None:
    kind = KINDS["mlp_params"]
    variant = kind.generate(bundled("mlp-params"), 3)
    weights, biases, total = variant.answer["weights"], variant.answer["biases"], variant.answer["total"]
    assert kind.grade(variant, (weights, biases, total)).points == variant.points
    assert kind.grade(variant, (list(zip(weights, biases)), total)).points == variant.points
    score = kind.grade(variant, list(zip(weights, biases)))
    assert score.points == 0 and "expected a dict with keys 'weights', 'biases', 'total' (or a tuple in that order)" \
        in score.feedback


def test_mlp_table_total_follows_through_from_the_student_counts() -> None:
    kind = KINDS["mlp_params"]
    variant = kind.generate(bundled("mlp-params"), 3)
    weights = [variant.answer["weights"][0] + 1, *variant.answer["weights"][1:]]
    own = {**variant.answer, "weights": weights, "total": variant.answer["total"] + 1}
    score = kind.grade(variant, own)
    assert score.points == pytest.approx(variant.points * 6 / 7)
    assert "total: follow-through from your own counts" in score.feedback
    assert [p.label for p in score.parts if p.points == 0] == ["weights[0]"]
