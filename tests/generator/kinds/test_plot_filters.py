"""code_plot_filters: graded on the arrays the student's figure shows, in-process and through the real sandbox."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from generator.kinds import KINDS, score
from generator.kinds import code_plot_filters as kind
from generator.model import Context, Returned
from generator.templates import load_template
from tests.generator.conftest import TEMPLATES

TEMPLATE = load_template(TEMPLATES / "code-plot-filters.yaml")
VARIANT = kind.generate(TEMPLATE, 7)


def _harness() -> Any:
    """The harness function, loaded from its source as the sandbox loads it."""
    namespace: dict[str, Any] = {}
    exec(compile(kind.HARNESS_SOURCE, kind.HARNESS_FILE, "exec"), namespace)  # noqa: S102 - our harness
    return namespace["plotted_filters"]


def _student(source: str) -> Any:
    namespace: dict[str, Any] = {"np": np}
    exec(source, namespace)  # noqa: S102 - test code
    return namespace["plot_filters"]


def test_registered_with_a_constant_answer_and_per_student_filters() -> None:
    assert KINDS["code_plot_filters"] is kind and VARIANT.entry_point == "plot_filters"
    other = kind.generate(TEMPLATE, 8)
    assert VARIANT.answer == other.answer
    assert kind.filters(VARIANT).shape == (6, 1, 5, 5)
    assert not np.allclose(kind.filters(VARIANT), kind.filters(other))
    assert np.array_equal(kind.filters(VARIANT), kind.filters(kind.generate(TEMPLATE, 7)))


def test_request_ships_the_harness_and_the_weights() -> None:
    request = kind.request(VARIANT, Context())
    (call,) = request.calls
    assert call.probe == "harness" and call.harness == kind.HARNESS and call.entry_point == "plot_filters"
    assert np.array_equal(call.args[0], kind.filters(VARIANT))
    assert request.files == {kind.HARNESS_FILE: kind.HARNESS_SOURCE.encode()}


def test_full_blank_and_near_miss_in_process() -> None:
    full = score(VARIANT, kind.model_submission(VARIANT), Context())
    assert full.points == VARIANT.points == 4 and full.feedback == "6 of 6 filters plotted as expected"
    blank = score(VARIANT, Returned({}, {}), Context())
    assert blank.points == 0 and "could not be graded" in blank.feedback
    near = score(VARIANT, kind.near_miss(VARIANT), Context())
    assert near.points == pytest.approx(4 * 4 / 6, abs=1e-3)
    assert "image 0 shows filter 1" in near.feedback and "filter order" in near.feedback


def test_feedback_names_count_transpose_rescaling_and_problems() -> None:
    stack = kind.model_submission(VARIANT).values["filters"]
    five = score(VARIANT, Returned({"filters": stack[:5]}, {}), Context())
    assert five.points == pytest.approx(4 * 5 / 6, abs=1e-3) and "shows 5 images, expected 6" in five.feedback
    seven = score(VARIANT, Returned({"filters": np.concatenate([stack, stack[:1]])}, {}), Context())
    assert seven.points == pytest.approx(4 * 5 / 6, abs=1e-3) and "1 extra" in seven.feedback
    flipped = stack.copy()
    flipped[2] = flipped[2].T
    assert "image 2 shows filter 2 transposed" in score(VARIANT, Returned({"filters": flipped}, {}), Context()).feedback
    scaled = (stack - stack.min(axis=(1, 2), keepdims=True)) / np.ptp(stack, axis=(1, 2), keepdims=True)
    rescaled = score(VARIANT, Returned({"filters": scaled}, {}), Context())
    assert rescaled.points == 0 and "rescaled" in rescaled.feedback
    crashed = score(VARIANT, Returned({}, {"filters": "NotImplementedError"}), Context())
    assert crashed.points == 0 and "NotImplementedError" in crashed.feedback
    wrong_type = score(VARIANT, Returned({"filters": [1, 2]}, {}), Context())
    assert wrong_type.points == 0 and "not (n, 5, 5) arrays" in wrong_type.feedback


def test_the_harness_reads_the_plotted_arrays_and_skips_colorbars() -> None:
    harness, weights = _harness(), kind.filters(VARIANT)
    got = harness(_student(kind.solution_source(VARIANT)), weights)
    assert got.shape == (6, 5, 5) and np.allclose(got, weights[:, 0])
    assert score(VARIANT, Returned({"filters": got}, {}), Context()).points == VARIANT.points
    with_colorbar = _student(kind.solution_source(VARIANT).replace(
        "    return fig\n", "    fig.colorbar(axes[0].images[0], ax=list(axes))\n    return fig\n"))
    assert np.allclose(harness(with_colorbar, weights), weights[:, 0])


@pytest.mark.parametrize(("body", "message"), [
    ("    return None\n", "not a matplotlib Figure"),
    ("    return plt.figure()\n", "shows no images"),
    ("    fig, ax = plt.subplots()\n    ax.imshow(np.zeros((6, 5)))\n    return fig\n", "expected (5, 5)"),
])
def test_the_harness_says_what_is_wrong(body: str, message: str) -> None:
    student = _student(kind.answer_stub(VARIANT).replace("    raise NotImplementedError\n", body))
    with pytest.raises((TypeError, ValueError), match=message.replace("(", r"\(").replace(")", r"\)")):
        _harness()(student, kind.filters(VARIANT))


def test_worked_solution_full_and_stub_zero_through_the_sandbox() -> None:
    from grader.pipeline.worked_solutions import grade_worked_solutions

    assert grade_worked_solutions([VARIANT]) == []
