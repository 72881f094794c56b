"""Misconceptions recognised in wrong answers, and feedback that names the mistake part by part (docs/GRADING.md)."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from generator.build import build_student
from generator.errors import TemplateError
from generator.grading.misconceptions import recognise
from generator.grading.read import read, rules_for
from generator.grading.score import grade_leaves
from generator.kinds import KINDS, conv_params, misconceptions
from generator.model import Misconception, Part, Score, Variant
from generator.roster import Student
from generator.spec import load_spec
from generator.validate import check_misconceptions, validate_file
from grader.pipeline.answer_key import parse_key
from tests.generator.conftest import SECRET, TEMPLATES, bundled


def variant_of(template_id: str, wanted: Callable[[Variant], bool] = lambda v: True) -> Variant:
    """The first variant of a bundled template (seeds 0, 1, ...) that has what a test needs."""
    template = bundled(template_id)
    return next(v for seed in range(200) if wanted(v := KINDS[template.kind].generate(template, seed)))


def mistaken(variant: Variant, name: str) -> Any:
    """The answer a named misconception gives for the variant."""
    return next(value for m, value in misconceptions(variant) if m.name == name)


def test_a_whole_answer_made_by_a_mistake_is_recognised() -> None:
    variant = variant_of("conv-params")
    score = KINDS["conv_params"].grade(variant, mistaken(variant, "biases forgotten"))
    assert score.misconceptions == ("biases forgotten",) and score.points < variant.points
    matches = recognise(variant, mistaken(variant, "biases forgotten"), rules_for(variant))
    assert [(m.misconception.name, m.labels) for m in matches] == [("biases forgotten", ("biases", "total"))]


def test_a_mistake_in_some_parts_only_is_recognised_on_those_parts() -> None:
    """Height computed without the padding, width wrong some other way, channels right: the height is explained."""
    variant = variant_of("output-size", lambda v: v.params["P"] > 0)
    forgot = mistaken(variant, "padding forgotten")
    given = [forgot[0], variant.answer[1] + 7, variant.answer[2]]
    matches = recognise(variant, read(variant.answer, given, rules_for(variant)), rules_for(variant))
    assert [(m.misconception.name, m.labels) for m in matches] == [("padding forgotten", ("height",))]
    score = KINDS["output_size"].grade(variant, given)
    assert "padding forgotten" in score.misconceptions and score.points == pytest.approx(variant.points / 3)


def test_a_whole_answer_mistake_explains_its_parts_alone_and_misaligned_mistakes_match_whole_only(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """B shares A's first entry, C adds a fourth: [5, 6, 7] is A's answer, so A explains it all and B nothing;
    [5, 0, 0] shows A and B on the first entry; C's entries do not line up with the key's, so it matches only as a
    whole, where it explains every part it changes."""
    a, b, c = (Misconception(name, "Why.", lambda v, value=value: value)
               for name, value in (("A", [5, 6, 7]), ("B", [5, 9, 9]), ("C", [5, 6, 7, 8])))
    monkeypatch.setattr(conv_params, "MISCONCEPTIONS", (a, b, c))
    variant = Variant("q", "conv_params", 0, {}, [1, 2, 3], 3.0, answer_format="vector", variable="x")
    assert [(m.misconception.name, m.labels) for m in recognise(variant, [5, 6, 7], rules_for(variant))] == \
        [("A", ("[0]", "[1]", "[2]"))]
    assert [(m.misconception.name, m.labels) for m in recognise(variant, [5, 0, 0], rules_for(variant))] == \
        [("A", ("[0]",)), ("B", ("[0]",))]
    assert [(m.misconception.name, m.labels) for m in recognise(variant, [5, 6, 7, 8], rules_for(variant))] == \
        [("C", ("[0]", "[1]", "[2]", "[3] (extra)"))]
    assert grade_leaves(variant, [5, 6, 7, 8]).feedback.split("\n")[-1] == \
        '- entry 4 (extra): you gave 8. Looks like "C" again. The answer has no such entry.'


def test_a_right_part_never_counts_as_the_mistake() -> None:
    variant = variant_of("conv-params")
    assert recognise(variant, dict(variant.answer, total=variant.answer["total"] + 1), rules_for(variant)) == ()


def test_a_mistake_giving_the_right_answer_within_tolerance_is_dropped(monkeypatch: pytest.MonkeyPatch) -> None:
    """A 'mistake' 0.05 from a key of 1.0 with tolerance 0.1 is no mistake: an answer of 1.14 is wrong, not it."""
    near = Misconception("near the key", "Within tolerance of the right answer.", lambda v: 1.05)
    far = Misconception("far off", "Off by one.", lambda v: 2.0)
    monkeypatch.setattr(conv_params, "MISCONCEPTIONS", (near, far))
    variant = Variant("q", "conv_params", 0, {}, 1.0, 2.0, answer_format="number", tolerance=0.1, variable="x")
    assert grade_leaves(variant, 1.14).misconceptions == ()
    assert grade_leaves(variant, 2.05).misconceptions == ("far off",)
    assert grade_leaves(variant, 1.04).points == 2.0


def test_conv_params_feedback_names_the_part_the_mistake_and_then_the_expected_value() -> None:
    variant = variant_of("conv-params")
    given = dict(mistaken(variant, "one bias per input channel"), weights=variant.answer["weights"] + 1)
    summary, *lines = KINDS["conv_params"].grade(variant, given).feedback.split("\n")
    assert summary.startswith("3 of 3 parts wrong: weights, biases, total")
    assert summary.endswith('looks like "one bias per input channel"')
    assert [line.split(":")[0] for line in lines] == ["- weights", "- biases", "- total"]
    biases = lines[1]
    order = [biases.index(text) for text in (f"you gave {variant.params['C_in']}.",
                                             'Looks like the mistake "one bias per input channel": The bias',
                                             f"Expected {variant.answer['biases']}.")]
    assert order == sorted(order) and "mistake" not in lines[0]
    assert 'Looks like "one bias per input channel" again.' in lines[2]  # explained once, named again


def test_output_size_feedback_uses_the_boxes_names() -> None:
    variant = variant_of("output-size", lambda v: v.params["C"] != v.params["F"])
    score = KINDS["output_size"].grade(variant, [*variant.answer[:2], variant.params["C"]])
    summary, line = score.feedback.split("\n")
    assert summary == ('1 of 3 parts wrong: C; looks like "output depth = input channels instead of the number of '
                       'filters"')
    assert line.startswith(f"- C: you gave {variant.params['C']}. Looks like the mistake \"output depth")
    assert line.endswith(f"Expected {variant.answer[2]}.")


def test_matrix_feedback_names_rows_and_columns_never_indices() -> None:
    variant = variant_of("conv2d-binary")
    wrong = [row[:] for row in variant.answer]
    wrong[1][2] += 5
    score = KINDS["conv2d_by_hand"].grade(variant, wrong)
    assert score.feedback.split("\n") == [
        "1 of 9 parts wrong: (row 2, column 3)",
        f"- row 2, column 3: you gave {variant.answer[1][2] + 5}. Expected {variant.answer[1][2]}."]
    assert "[" not in score.feedback


def test_concept_feedback_ends_with_the_templates_explanation_read_back_from_the_key() -> None:
    variant = Variant.from_key(json.loads(json.dumps(variant_of("concept-pooling").to_key())))
    other = "A" if variant.answer != "A" else "B"
    line = KINDS["concept"].grade(variant, other.lower() + ")").feedback.split("\n")[1]
    assert line.startswith(f"- answer: you gave {other}. Expected {variant.answer}. Pooling has no parameters.")


def test_floats_are_shown_with_the_questions_rounding() -> None:
    variant = Variant("q", "k", 1, {}, [0.3636, 0.25], 2.0, answer_format="vector", tolerance=0.01, variable="x")
    line = grade_leaves(variant, [1 / 3, 0.25]).feedback.split("\n")[1]
    assert line == "- entry 1: you gave 0.3333. Expected 0.3636."


def test_hidden_answers_name_the_mistake_but_never_the_expected_value() -> None:
    variant = replace(variant_of("conv-params"), show_answers=False)
    score = KINDS["conv_params"].grade(variant, mistaken(variant, "biases forgotten"))
    assert score.misconceptions == ("biases forgotten",) and "Looks like the mistake" in score.feedback
    assert "Expected" not in score.feedback and str(variant.answer["total"]) not in score.feedback
    assert Variant.from_key(json.loads(json.dumps(variant.to_key()))).show_answers is False
    assert "show_answers" not in replace(variant, show_answers=True).to_key(), "keys that show read as before"


def _spec(tmp_path: Path, feedback: str) -> Path:
    """A one-question spec beside the bundled templates, with the given `feedback:` block."""
    path = tmp_path / "spec.yaml"
    path.write_text(f"id: ps\ntitle: PS\ntemplates: {TEMPLATES}\nquestions: [conv-params, output-size]\n{feedback}",
                    encoding="utf-8")
    return path


def test_the_specs_feedback_setting_reaches_the_key_and_the_grader(tmp_path: Path) -> None:
    student = Student("s1", "Ada")
    hidden = build_student(load_spec(_spec(tmp_path, "feedback: {answers: hide}\n")), student, SECRET).texts["key"]
    shown = build_student(load_spec(_spec(tmp_path, "")), student, SECRET).texts["key"]
    assert [q["show_answers"] for q in json.loads(hidden)["questions"]] == [False, False]
    assert all(not q.show_answers for q in parse_key(hidden.encode(), "k.json").questions)
    assert all(q.show_answers for q in parse_key(shown.encode(), "k.json").questions)
    assert load_spec(_spec(tmp_path, "feedback: {answers: show}\n")).show_answers


@pytest.mark.parametrize("block, message", [("feedback: {answers: never}\n", "answers must be one of show, hide"),
                                            ("feedback: hide\n", "feedback must be a mapping"),
                                            ("feedback: {expected: hide}\n", "expected")])
def test_a_bad_feedback_setting_is_a_one_line_error(tmp_path: Path, block: str, message: str) -> None:
    with pytest.raises(TemplateError, match=message):
        load_spec(_spec(tmp_path, block))


def test_a_score_keeps_its_misconceptions_through_json() -> None:
    score = Score("q", 1.0, 3.0, "summary\n- weights: you gave 1.", (Part("weights", 1.0, 1.0),), ("biases forgotten",))
    assert Score.from_json(json.loads(json.dumps(score.to_json()))) == score
    plain = replace(score, misconceptions=())
    assert "misconceptions" not in plain.to_json() and Score.from_json(plain.to_json()) == plain


def test_a_kind_declaring_neither_misconceptions_nor_why_not_fails_the_self_test(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delattr(conv_params, "MISCONCEPTIONS")
    _, problems = check_misconceptions(bundled("conv-params"), range(3))
    assert problems == ["conv-params: kind 'conv_params' declares neither MISCONCEPTIONS (its typical mistakes) nor "
                        "NO_MISCONCEPTIONS (why it has none) in generator/kinds/conv_params.py"]


def test_a_misconception_mostly_giving_the_right_answer_fails_the_self_test(monkeypatch: pytest.MonkeyPatch) -> None:
    """Wrong on 1 of 4 variants: its share (25%) is reported, under the 95% the self-test needs."""
    rare = Misconception("rare", "Wrong on seeds divisible by 4.",
                         lambda v: dict(v.answer, biases=0, total=v.answer["weights"]) if v.seed % 4 == 0 else v.answer)
    monkeypatch.setattr(conv_params, "MISCONCEPTIONS", (rare,))
    checks, problems = check_misconceptions(bundled("conv-params"), range(8))
    assert [(c.name, c.drawn, c.applies, c.wrong, c.share) for c in checks] == [("rare", 8, 8, 2, 0.25)]
    assert len(problems) == 1 and "gives the right answer on 6 of the 8 variants it applies to (wrong on 25%" in \
        problems[0]


def test_cnnlab_validate_reports_each_misconceptions_share() -> None:
    line = validate_file(TEMPLATES / "conv-params.yaml")
    assert "misconceptions wrong on (the variants each applies to, of 20 drawn): biases forgotten 100% (20/20)" in line
