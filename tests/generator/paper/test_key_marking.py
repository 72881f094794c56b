"""Keys a marker can use: each box's value in the rounding its question asks for, the values that earn the marks
stated ('accept 3.06 to 3.07'), each box labelled with its marks-sheet column, the worked solution in the same
rounding, and the common mistakes' values kept."""

from __future__ import annotations

import re

import pytest

from generator.fields import Group, boxes
from generator.kinds import KINDS, answer_fields
from generator.model import Variant
from generator.paper.boxes import KeyNotes
from generator.paper.marks_sheet import printed_columns
from generator.rounding import accepted_range, asked_places, exact_text, rounded_text, rounding_phrase
from generator.seeds import read_secret
from generator.spec import load_spec
from tests.generator.conftest import ASSIGNMENTS, bundled
from tests.generator.paper.typeset_probe import pages_text, typeset

EXAM = ASSIGNMENTS / "cnn-exam.yaml"
SECRET = read_secret(ASSIGNMENTS / "demo.secret")


@pytest.mark.parametrize(("value", "tolerance", "shown", "accepted"), [
    (2.9375, 0.01, "2.94", ("2.93", "2.94")),
    (3.0625, 0.01, "3.06", ("3.06", "3.07")),
    (3.625, 0.01, "3.63", ("3.62", "3.63")),
    (4.0, 0.01, "4", ("3.99", "4.01")),
    (-0.125, 0.01, "-0.13", ("-0.13", "-0.12")),
    (0.4444, 0.1, "0.4", ("0.4", "0.5")),
])
def test_a_value_in_the_asked_rounding_and_what_is_accepted(value: float, tolerance: float, shown: str,
                                                            accepted: tuple[str, str]) -> None:
    places = 2 if tolerance == 0.01 else 1
    assert rounded_text(value, places) == shown and accepted_range(value, tolerance, places) == accepted


def test_exact_answers_have_no_range() -> None:
    assert accepted_range(25616, 0.0, None) is None and accepted_range("B", 0.01, 2) is None
    assert exact_text(2.9375) == "2.9375" and exact_text(1e-7) == "0.0000001" and exact_text(None) == ""
    assert rounding_phrase([[1.5, 2.0]], 2) == "" and rounding_phrase([[2.9375]], 2) == " (to 2 decimal places)"


def _variant(template_id: str, want: object) -> Variant:
    """The first variant of a template whose answer satisfies `want` (a predicate)."""
    template = bundled(template_id)
    return next(v for seed in range(200) for v in (KINDS[template.kind].generate(template, seed),)
                if want(v))  # type: ignore[operator]


def test_a_blur_key_states_rounding_range_and_column() -> None:
    variant = _variant("filter-compute", lambda v: any(isinstance(x, float) and not x.is_integer()
                                                       for row in v.answer for x in row))
    notes = KeyNotes(asked_places(variant), variant.tolerance, printed_columns(3, variant))
    for box in boxes(answer_fields(variant)):
        value = box.expected
        assert notes.value(box) == rounded_text(value, 2) and notes.column(box).startswith("Q3 ")
        low, high = accepted_range(value, 0.01, 2)  # type: ignore[misc]
        assert float(low) - 1e-9 <= value + 0.01 and float(high) + 1e-9 >= value - 0.01
        assert notes.accepted(box) == f"{low} to {high}"
    explained = KINDS["named_filter"].explain(variant)
    assert "(to 2 decimal places)" in explained
    assert all(rounded_text(x, 2) in explained for row in variant.answer for x in row)


def test_the_bundled_keys_label_every_box_and_round_as_asked() -> None:
    spec = load_spec(EXAM)
    for paper in typeset(spec, SECRET, 2):
        text = re.sub(r"\s+", " ", " ".join(pages_text(paper.key)))
        flat = text.replace(" ", "")
        assert "Each box holds the answer in the rounding its question asks for" in text
        for q in paper.paper.sheet.questions:
            variant, columns = q.variant, printed_columns(q.number, q.variant)
            group = answer_fields(variant)
            found = list(boxes(group))
            notes = KeyNotes(asked_places(variant), variant.tolerance, columns)
            tabled = [item for item in (group, *group.items) if isinstance(item, Group) and item.layout in
                      ("grid", "table")]  # their columns are listed first to last under them
            if tabled:
                assert f"{columns[found[0].column]} … {columns[found[-1].column]}".replace(" ", "") in flat
            else:
                for box in found:
                    assert columns[box.column].replace(" ", "") in flat, (variant.qid, box.column)
            for box in found:
                if isinstance(box.expected, float) and not box.expected.is_integer():
                    assert notes.value(box) in text and notes.accepted(box) in text, (variant.qid, box.column)
                    assert f"{box.expected:.4g}" == notes.value(box) or f"{box.expected:.4g}" not in text
        assert "Common mistakes:" in text
