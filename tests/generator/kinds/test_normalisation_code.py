"""The batchnorm and dropout code exercises: two functions in one cell, each hidden case calling one of them, graded
per returned array by rel_error < 1e-6 against the NumPy reference and torch (F.batch_norm and autograd; the kernel of
F.dropout's backward given the mask); a typical mistake loses the cases it breaks, and the feedback says which
mistake it looks like and why it is wrong."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from generator.kinds import KINDS, score
from generator.kinds._code import exercise, hidden_cases
from generator.kinds._code_functions import function_of, run_source
from generator.kinds.code_conv2d_backward import REL_TOLERANCE, rel_error
from generator.model import SETUP_SOURCE, Context, Returned, Variant
from generator.notebook import Question
from tests.generator.conftest import bundled
from tests.solutions.torch_oracle import one_torch_thread  # noqa: F401 (a fixture)

BATCHNORM, DROPOUT = "code_batchnorm", "code_dropout"
TEMPLATE_OF = {BATCHNORM: "code-batchnorm", DROPOUT: "code-dropout"}
FUNCTIONS = {BATCHNORM: ("batchnorm_forward", "batchnorm_backward"), DROPOUT: ("dropout_forward", "dropout_backward")}


def _variant(kind: str, seed: int = 0) -> Variant:
    return KINDS[kind].generate(bundled(TEMPLATE_OF[kind]), seed)


def _graded(variant: Variant, source: str) -> Any:
    """The score of a cell's functions on the variant's hidden cases, as the grader scores the sandbox's results."""
    return score(variant, Returned(run_source(source, variant), {}), Context())


@pytest.mark.parametrize("kind", [BATCHNORM, DROPOUT])
def test_worked_solution_scores_full_and_the_stub_scores_zero(kind: str) -> None:
    for seed in range(3):
        variant = _variant(kind, seed)
        full = score(variant, Returned(KINDS[kind].model_submission(variant), {}), Context())
        assert full.points == variant.points and full.misconceptions == (), full.feedback
        blank = _graded(variant, KINDS[kind].answer_stub(variant))
        assert blank.points == 0.0 and "NotImplementedError: write this function" in blank.feedback
        assert score(variant, Returned({}, {}), Context()).points == 0.0


@pytest.mark.parametrize("kind", [BATCHNORM, DROPOUT])
def test_each_case_calls_its_function_and_both_are_tested(kind: str) -> None:
    variant = _variant(kind)
    cases = hidden_cases(variant)
    calls = KINDS[kind].request(variant, Context()).calls
    assert [call.entry_point for call in calls] == [function_of(case) for case in cases]
    assert {call.entry_point for call in calls} == set(FUNCTIONS[kind]) == set(KINDS[kind].entry_points(variant))
    edges = exercise(kind).edge_cases
    assert {c["function"] for c in edges} == set(FUNCTIONS[kind])
    assert {c["train"] for c in edges if c["function"].endswith("forward")} == {True, False}
    assert {len(c["x_shape"]) for c in edges} >= {2, 4}


@pytest.mark.parametrize("kind", [BATCHNORM, DROPOUT])
def test_the_numpy_and_torch_references_agree_on_every_case(kind: str) -> None:
    for seed in range(4):
        for case in hidden_cases(_variant(kind, seed)):
            assert case.expected_torch is not None
            assert rel_error(case.expected, case.expected_torch) < REL_TOLERANCE, case.description


BATCHNORM_MISTAKES = [
    ("var * m / (m - 1)", "var", "the biased variance stored in the running variance"),
    ("mean, var = x.mean(axis=axes), x.var(axis=axes)\n", "mean, var = x.mean(axis=axes), x.var(axis=axes, ddof=1)\n",
     "the unbiased variance used to normalise"),
    ("new_mean, new_var = running_mean.copy(), running_var.copy()",
     "new_mean, new_var = running_mean.copy(), running_var.copy()\n        mean, var = x.mean(axis=axes), "
     "x.var(axis=axes)", "eval mode computed with the batch's statistics"),
    ("new_mean = (1 - momentum) * running_mean + momentum * mean", "new_mean = running_mean",
     "the running statistics not updated in train mode"),
    ("(1 - momentum) * running_mean + momentum * mean", "momentum * running_mean + (1 - momentum) * mean",
     "the momentum weights swapped"),
    ("    dx = inv_std * (dx_hat - dx_hat.mean(axis=axes, keepdims=True)\n"
     "                    - x_hat * (dx_hat * x_hat).mean(axis=axes, keepdims=True))", "    dx = inv_std * dx_hat",
     "the batch statistics treated as constants in the backward pass"),
]
DROPOUT_MISTAKES = [
    ("return x * keep_mask / (1 - p)", "return x * keep_mask", "the dropout scaling forgotten"),
    ("return x * keep_mask / (1 - p)", "return x * keep_mask * p", "the kept units scaled by p"),
    ("return x * keep_mask / (1 - p)", "return x * keep_mask / p", "the kept units divided by p"),
    ("return x * keep_mask / (1 - p)", "return x * (1 - keep_mask) / (1 - p)", "keep_mask read the wrong way round"),
    ("return x.copy()", "return x / (1 - p)", "the dropout scaling applied at test time"),
    ("return x.copy()", "return x * (1 - p)", "the test output multiplied by 1 - p"),
    ("    if not train:\n        return x.copy()\n", "", "dropout left on at test time"),
    ("return dout * keep_mask / (1 - p)", "return dout * keep_mask", "the gradient's scaling forgotten"),
    ("return dout * keep_mask / (1 - p)", "return dout / (1 - p)", "the gradient not masked"),
    ("    if not train:\n        return dout.copy()\n", "", "dropout's gradient applied at test time"),
]


@pytest.mark.parametrize("kind, old, new, name", [(BATCHNORM, *m) for m in BATCHNORM_MISTAKES] +
                         [(DROPOUT, *m) for m in DROPOUT_MISTAKES])
def test_a_typical_mistake_loses_its_cases_and_the_feedback_says_why(kind: str, old: str, new: str,
                                                                     name: str) -> None:
    variant = _variant(kind, 1)
    source = KINDS[kind].solution_source(variant)
    assert source.count(old) >= 1, old
    result = _graded(variant, source.replace(old, new, 1))
    assert 0 < result.points < variant.points, result.feedback
    assert result.misconceptions == (name,), result.feedback
    diagnosis = next(d for d in KINDS[kind].DIAGNOSES if d.name == name)
    assert f"this looks like {name}: {diagnosis.explanation}" in result.feedback
    assert "(wrong)" in result.feedback


def test_a_wrong_shape_or_structure_gets_feedback_not_an_exception() -> None:
    variant = _variant(BATCHNORM)
    source = KINDS[BATCHNORM].solution_source(variant).replace("return dx, dgamma, dbeta", "return dx, dgamma")
    result = _graded(variant, source.replace("dgamma, dbeta = (dout * x_hat).sum(axis=axes), dout.sum(axis=axes)",
                                             "dgamma, dbeta = (dout * x_hat).sum(axis=0), dout.sum(axis=0)"))
    assert 0 < result.points < variant.points and "expected the tuple (dx, dgamma, dbeta)" in result.feedback
    garbage = {case.name: value for case, value in zip(hidden_cases(variant), ["text", None, {"a": 1}, [1, 2]] * 9)}
    assert score(variant, Returned(garbage, {}), Context()).points == 0.0


@pytest.mark.parametrize("kind", [BATCHNORM, DROPOUT])
def test_check_cell_passes_the_solution_and_stops_the_stub_and_a_mistake(kind: str) -> None:
    module = KINDS[kind]
    wrong = {BATCHNORM: ("return dx, dgamma, dbeta", "return 1.01 * dx, dgamma, dbeta"),
             DROPOUT: ("return x.copy()", "return x / (1 - p)")}[kind]
    for seed in range(6):
        variant = _variant(kind, seed)
        exec(f"{SETUP_SOURCE}\n{module.solution_source(variant)}\n{module.checks_source(variant)}", {})  # noqa: S102
        with pytest.raises(NotImplementedError):
            exec(f"{SETUP_SOURCE}\n{module.answer_stub(variant)}\n{module.checks_source(variant)}", {})  # noqa: S102
        broken = module.solution_source(variant).replace(*wrong)
        with pytest.raises(AssertionError):
            exec(f"{SETUP_SOURCE}\n{broken}\n{module.checks_source(variant)}", {})  # noqa: S102


@pytest.mark.parametrize("kind", [BATCHNORM, DROPOUT])
def test_the_notebook_and_the_paper_name_both_functions(kind: str) -> None:
    variant = _variant(kind)
    cell = Question(1, variant, KINDS[kind]).prompt_cell
    text = "".join(cell["source"])
    first, second = FUNCTIONS[kind]
    assert f"Complete `{first}` and `{second}` in the code cell below" in text
    paper = KINDS[kind].render_for(variant, "paper")
    assert f"def {first}(" in paper and f"def {second}(" in paper and KINDS[kind].rubric(variant)


def test_dropout_masks_keep_and_drop_and_probabilities_avoid_one_half() -> None:
    for seed in range(5):
        for case in hidden_cases(_variant(DROPOUT, seed)):
            mask, p = case.args[1], case.args[2]
            assert mask.min() == 0.0 and mask.max() == 1.0 and p != 0.5
            assert np.isin(mask, (0.0, 1.0)).all()
