"""Every kind's self-test over 200 seeds: the worked solution scores full, a blank 0, a near miss less than full;
answers of the wrong structure or axis order never full, the untouched stub "no answer", accepted formats full."""

from __future__ import annotations

from types import ModuleType

import pytest

from generator.kinds import CODE_KINDS, KINDS
from generator.model import Variant
from generator.templates import load_templates, template_files
from generator.validate import MIN_WRONG_SHARE, check_misconceptions, self_test
from tests.generator.conftest import TEMPLATES
from tests.generator.kinds.answer_forms import accepted, over_long, transposed, under_long, untouched

SEEDS = range(200)
BUNDLED = load_templates(template_files(TEMPLATES))


def test_every_kind_has_a_bundled_template() -> None:
    assert {t.kind for t in BUNDLED.values()} == set(KINDS)


@pytest.mark.parametrize("template_id", sorted(t for t in BUNDLED if BUNDLED[t].kind not in CODE_KINDS))
def test_self_test_over_200_seeds(template_id: str) -> None:
    template = BUNDLED[template_id]
    problems = [p for seed in SEEDS for p in self_test(template, seed)]
    assert problems == []


@pytest.mark.parametrize("template_id", sorted(t for t in BUNDLED if BUNDLED[t].kind in CODE_KINDS))
def test_code_self_test_over_50_seeds(template_id: str) -> None:
    """The instructor's solution passes the hidden tests, no result scores 0, one wrong value loses a case.

    50 seeds: every case runs the solution and the NumPy reference (the self-test needs no torch); the cases'
    variety is per seed, the code's is not."""
    template = BUNDLED[template_id]
    problems = [p for seed in range(50) for p in self_test(template, seed)]
    assert problems == []


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_kind_module_exposes_the_contract(kind: str) -> None:
    module = KINDS[kind]
    for name in ("generate", "render", "solution_source", "answer_stub", "explain", "model_submission",
                 "near_miss", "check_template", "FORMATS", "REQUIRED", "EXTRA_KEYS"):
        assert hasattr(module, name), f"{kind} lacks {name}"
    declares = [hasattr(module, name) for name in ("request", "score")]
    assert declares in ([True, True], [False, False]), f"{kind} declares one of request and score, not both"
    assert declares[0] or hasattr(module, "grade"), f"{kind} must grade its answer variable or declare its checks"
    assert declares[0] == (kind in CODE_KINDS), "code kinds declare what they run; answer kinds need not"


ANSWER_TEMPLATES = sorted(t for t in BUNDLED if BUNDLED[t].kind not in CODE_KINDS)


def _variants(template_id: str) -> list[tuple[ModuleType, Variant]]:
    """The template's kind and its variants over the self-test seeds."""
    template = BUNDLED[template_id]
    kind = KINDS[template.kind]
    return [(kind, kind.generate(template, seed)) for seed in SEEDS]


@pytest.mark.parametrize("template_id", ANSWER_TEMPLATES)
def test_wrong_structure_never_scores_full_and_says_what_was_expected(template_id: str) -> None:
    """Over-long (one extra entry) and under-long answers over 200 seeds: partial at best, the summary line naming
    the expected structure (the lines after it go part by part)."""
    for kind, variant in _variants(template_id):
        for wrong in over_long(variant.answer) + under_long(variant.answer):
            score = kind.grade(variant, wrong)
            assert score.points < variant.points, (variant.seed, wrong, score.feedback)
            summary, *lines = score.feedback.split("\n")
            assert "expected" in summary and all(line.startswith("- ") for line in lines), (variant.seed, wrong,
                                                                                          score.feedback)


@pytest.mark.parametrize("template_id", ANSWER_TEMPLATES)
def test_other_axis_order_never_scores_full_and_names_the_order(template_id: str) -> None:
    """Shapes in the other axis order, transposed matrices, layer tables with H×W×C rows: never full, order named."""
    seen = 0
    for kind, variant in _variants(template_id):
        flipped = transposed(variant)
        if flipped is None:
            continue
        seen += 1
        score = kind.grade(variant, flipped)
        assert score.points < variant.points, (variant.seed, flipped, score.feedback)
        assert "looks like" in score.feedback or "looks transposed" in score.feedback, (variant.seed, score.feedback)
    kind = BUNDLED[template_id].kind
    assert seen > 0 or kind not in ("output_size", "layer_table", "conv2d_by_hand", "pooling_by_hand"), \
        "shape and matrix questions are checked in the other order on some seed"


@pytest.mark.parametrize("template_id", ANSWER_TEMPLATES)
def test_untouched_stub_is_no_answer(template_id: str) -> None:
    for kind, variant in _variants(template_id):
        score = kind.grade(variant, untouched(kind, variant))
        assert (score.points, score.feedback) == (0, "no answer"), variant.seed


@pytest.mark.parametrize("template_id", ANSWER_TEMPLATES)
def test_accepted_formats_score_full(template_id: str) -> None:
    """Tuples, arrays, shape text, column vectors, option texts, tuples for dicts, equal pairs for a square field."""
    for kind, variant in _variants(template_id):
        for form in accepted(variant):
            score = kind.grade(variant, form)
            assert score.points == variant.points, (variant.seed, form, score.feedback)


@pytest.mark.parametrize("template_id", sorted(BUNDLED))
def test_every_misconception_is_a_wrong_answer_the_grader_recognises(template_id: str) -> None:
    """Over 200 seeds (50 for code): each misconception answers wrongly on at least 95% of the variants it applies
    to, and submitting its answer names it in the score, short of full marks; a kind declares its misconceptions or
    why it has none."""
    template = BUNDLED[template_id]
    checks, problems = check_misconceptions(template, range(50) if template.kind in CODE_KINDS else SEEDS)
    assert problems == [], [f"{c.name}: wrong on {c.wrong}/{c.applies}" for c in checks]
    assert all(c.share >= MIN_WRONG_SHARE for c in checks)
