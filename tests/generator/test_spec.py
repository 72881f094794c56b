"""Assignment specs: question picks, points, shuffling, and located errors."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from generator.errors import TemplateError
from generator.spec import load_spec
from tests.generator.conftest import SPEC, TEMPLATES

SPEC_TEXT = """
id: ps
title: PS
due: 2025-03-14
shuffle: true
questions:
  - mlp-lecture
  - {id: conv-params, points: 5}
  - pick: 2
    from: [concept-locality, concept-sharing, concept-pooling]
"""


@pytest.fixture
def spec_dir(tmp_path: Path) -> Path:
    """A folder with a copy of the bundled templates, to put specs next to."""
    shutil.copytree(TEMPLATES, tmp_path / "templates")
    return tmp_path


def test_bundled_spec_loads() -> None:
    spec = load_spec(SPEC)
    assert spec.id == "cnn-ps1" and spec.due == "2025-03-14" and len(spec.entries) == 21


def test_picks_points_and_shuffle(spec_dir: Path, write_yaml: Callable[[str, str], Path]) -> None:
    spec = load_spec(write_yaml("spec.yaml", SPEC_TEXT))
    orders, picked = set(), set()
    for seed in range(40):
        questions = spec.questions_for(np.random.default_rng(seed))
        ids = [q.id for q in questions]
        assert len(ids) == 4 and "mlp-lecture" in ids and "conv-params" in ids
        assert next(q for q in questions if q.id == "conv-params").points == 5.0
        orders.add(tuple(ids))
        picked.add(frozenset(ids) - {"mlp-lecture", "conv-params"})
    assert len(picked) == 3  # every 2-of-3 choice occurs
    assert len(orders) > 10  # shuffled per student


def test_same_rng_same_questions(spec_dir: Path, write_yaml: Callable[[str, str], Path]) -> None:
    spec = load_spec(write_yaml("spec.yaml", SPEC_TEXT))
    first = [q.id for q in spec.questions_for(np.random.default_rng(7))]
    assert first == [q.id for q in spec.questions_for(np.random.default_rng(7))]


@pytest.mark.parametrize(("change", "line", "expected"), [
    (("  - mlp-lecture", "  - mlp-lectures"), 6, "unknown question id 'mlp-lectures' (did you mean 'mlp-lecture'?)"),
    (("  - pick: 2", "  - pick: 4"), 8, "pick must be a whole number from 1 to 3"),
    (("shuffle: true", "shufle: true"), 4, "unknown key 'shufle' in an assignment spec (did you mean 'shuffle'?)"),
    (("title: PS\n", ""), 1, "missing key 'title'"),
    (("{id: conv-params, points: 5}", "{id: conv-params, points: 0}"), 7, "points must be a positive number"),
    (("{id: conv-params, points: 5}", "{id: conv-params, pionts: 5}"), 7, "did you mean 'points'?"),
    (("  - mlp-lecture", "  - concept-locality"), 9, "question 'concept-locality' is already used"),
    (("concept-sharing, concept-pooling]", "concept-sharing, filter-compute]"), 9,
     "worth different points (concept-locality: 2, concept-sharing: 2, filter-compute: 3); add 'points:'"),
])
def test_spec_errors(spec_dir: Path, write_yaml: Callable[[str, str], Path], change: tuple[str, str], line: int,
                     expected: str) -> None:
    path = write_yaml("spec.yaml", SPEC_TEXT.replace(*change))
    with pytest.raises(TemplateError) as caught:
        load_spec(path)
    assert str(caught.value).startswith(f"{path}:{line}:") and expected in str(caught.value)


def test_a_pool_of_unequal_questions_is_fine_with_points_or_when_all_are_picked(
        spec_dir: Path, write_yaml: Callable[[str, str], Path]) -> None:
    unequal = "from: [concept-locality, filter-compute]"
    with_points = SPEC_TEXT.replace("from: [concept-locality, concept-sharing, concept-pooling]", unequal + "\n    points: 2")
    assert load_spec(write_yaml("a.yaml", with_points)).entries[-1].points == 2.0
    all_picked = SPEC_TEXT.replace("from: [concept-locality, concept-sharing, concept-pooling]", unequal)
    assert load_spec(write_yaml("b.yaml", all_picked)).entries[-1].pick == 2


def test_missing_template_folder(write_yaml: Callable[[str, str], Path]) -> None:
    path = write_yaml("spec.yaml", SPEC_TEXT)
    with pytest.raises(TemplateError, match="no such template folder"):
        load_spec(path)


def test_templates_and_specs_can_share_a_folder(tmp_path: Path, write_yaml: Callable[[str, str], Path]) -> None:
    for template in TEMPLATES.glob("*.yaml"):
        shutil.copy(template, tmp_path / template.name)
    spec = load_spec(write_yaml("spec.yaml", SPEC_TEXT + "templates: .\n"))
    assert "mlp-lecture" in spec.templates and len(spec.entries) == 3


def test_duplicate_template_id(spec_dir: Path, write_yaml: Callable[[str, str], Path]) -> None:
    shutil.copy(TEMPLATES / "conv1d.yaml", spec_dir / "templates" / "zz-copy.yaml")
    with pytest.raises(TemplateError, match=r"zz-copy.yaml:1: duplicate template id 'conv1d' \(also in .*conv1d.yaml"):
        load_spec(write_yaml("spec.yaml", SPEC_TEXT))


def test_gradescope_visibility_per_entry_and_default(spec_dir: Path, write_yaml: Callable[[str, str], Path]) -> None:
    text = SPEC_TEXT.replace("  - {id: conv-params, points: 5}", "  - {id: conv-params, points: 5, visibility: hidden}")
    spec = load_spec(write_yaml("spec.yaml", text + "gradescope: {visibility: after_due_date}\n"))
    shown = spec.visibility_of()
    assert shown["conv-params"] == "hidden" and shown["mlp-lecture"] == "after_due_date"
    assert shown["concept-pooling"] == "after_due_date", "every pool member, picked or not"
    assert set(load_spec(write_yaml("plain.yaml", SPEC_TEXT)).visibility_of().values()) == {"visible"}


def test_bad_visibility_is_located(spec_dir: Path, write_yaml: Callable[[str, str], Path]) -> None:
    text = SPEC_TEXT.replace("  - mlp-lecture", "  - {id: mlp-lecture, visibility: secret}")
    with pytest.raises(TemplateError, match=r"spec.yaml:\d+: visibility must be one of visible, after_due_date"):
        load_spec(write_yaml("spec.yaml", text))
    with pytest.raises(TemplateError, match=r"unknown key 'visible' in the spec's gradescope settings"):
        load_spec(write_yaml("spec.yaml", SPEC_TEXT + "gradescope: {visible: hidden}\n"))
