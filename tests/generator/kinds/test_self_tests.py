"""Every kind's self-test over 200 seeds: the worked solution scores full, a blank 0, a near miss less than full."""

from __future__ import annotations

import pytest

from generator.kinds import CODE_KINDS, KINDS
from generator.templates import load_templates, template_files
from generator.validate import self_test
from tests.generator.conftest import TEMPLATES

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
def test_code_self_test_over_200_seeds(template_id: str) -> None:
    """The instructor's solution passes the hidden tests, no result scores 0, one wrong value loses a case."""
    template = BUNDLED[template_id]
    problems = [p for seed in SEEDS for p in self_test(template, seed)]
    assert problems == []


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_kind_module_exposes_the_contract(kind: str) -> None:
    module = KINDS[kind]
    for name in ("generate", "render", "solution_source", "grade", "answer_stub", "explain", "model_submission",
                 "near_miss", "check_template", "FORMATS", "REQUIRED", "EXTRA_KEYS"):
        assert hasattr(module, name), f"{kind} lacks {name}"
