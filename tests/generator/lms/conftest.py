"""The bundled problem set drawn once with 3 variants a question, and a helper that checks a key against boxes."""

from __future__ import annotations

from collections.abc import Mapping

import pytest

from generator.fields import fill
from generator.lms import variants as shared
from generator.model import Variant
from generator.seeds import read_secret
from generator.spec import load_spec
from tests.generator.conftest import ASSIGNMENTS, SPEC

SECRET_FILE = ASSIGNMENTS / "demo.secret"
COUNT = 3


@pytest.fixture(scope="package")
def quiz() -> shared.Quiz:
    """The bundled spec's LMS quiz: 3 variants per question, drawn as the export commands draw them."""
    return shared.draw(load_spec(SPEC), read_secret(SECRET_FILE), COUNT)


def rebuilt(variant: Variant, typed: Mapping[str, str]) -> object:
    """The answer a person gets by typing the export's correct text in each box (column -> text)."""
    _, group, found = shared.shape(variant)
    assert set(typed) == {box.column for box in found}, variant.qid
    value, problems = fill(variant, group, typed)
    assert problems == {}, (variant.qid, problems)
    return value
