"""Coding exercises the grader runs: the shared machinery behind code_conv2d, code_max_pool2d, code_avg_pool2d
and code_lenet5.

The answer key holds only `hidden_tests = {"seed": N, "cases": [...]}`. `hidden_inputs` rebuilds every case's
inputs from that seed, `run_hidden_tests(candidate, hidden_tests)` calls the student's function or class on them
(inside the grader's sandbox) and returns plain JSON, and `grade(variant, results)` compares those results with
the solutions/ reference, one equal share of the points per case.
"""

from __future__ import annotations

import copy
import importlib
import json
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any

import numpy as np

from generator.grading import to_plain
from generator.kinds._common import sample_variant
from generator.model import Score, Template, Variant

Case = dict[str, Any]
SETUP_SOURCE = "import numpy as np"  # the notebook's setup cell, which every code cell may rely on


@dataclass(frozen=True)
class Exercise:
    """What differs between coding exercises; everything else lives in this module."""

    entry_point: str
    reference: str  # the solutions/ function the results are checked against, for the key
    signature: Callable[[dict[str, Any]], str]  # params -> `def ...:` / `class ...:` line(s) with docstring
    body: Callable[[dict[str, Any]], str]  # params -> the worked solution's body
    draw_cases: Callable[[dict[str, Any], np.random.Generator], list[Case]]
    inputs: Callable[[Case, np.random.Generator], dict[str, Any]]
    call: Callable[[Any, Case, dict[str, Any]], Any]  # run a candidate on one case's inputs
    expected: Callable[[Case, dict[str, Any]], Any]  # the reference result for one case
    checks: Callable[[dict[str, Any], np.random.Generator], str]  # visible sanity-check cell source
    explain: str
    stub_body: str = '    raise NotImplementedError("write this function")'
    prepare: Callable[[Template, dict[str, Any]], dict[str, Any]] = lambda template, params: params  # kind's own keys


def exercise(kind: str) -> Exercise:
    """The Exercise a code kind's module declares."""
    return importlib.import_module(f"generator.kinds.{kind}").EXERCISE


def _compute(template: Template, params: dict[str, Any], rng: np.random.Generator) -> tuple[dict[str, Any], Any]:
    """Draw the hidden cases (descriptions only) and the visible checks."""
    ex = exercise(template.kind)
    params = ex.prepare(template, params)
    cases = ex.draw_cases(params, rng)
    hidden = {"exercise": template.kind, "seed": int(rng.integers(0, 2**31 - 1)), "cases": cases}
    return {**params, "hidden_tests": hidden, "checks": ex.checks(params, rng)}, ex.reference


def generate(template: Template, seed: int) -> Variant:
    """A variant whose hidden tests are a seed and case descriptions (moved out of params into hidden_tests)."""
    variant = sample_variant(template, seed, _compute, entry_point=exercise(template.kind).entry_point)
    params = dict(variant.params)
    hidden = params.pop("hidden_tests")
    return replace(variant, params=params, hidden_tests=hidden)


def render(variant: Variant) -> str:
    """The prompt; the contract itself is the stub's docstring."""
    return variant.prompt


def hidden_inputs(hidden_tests: dict[str, Any]) -> list[dict[str, Any]]:
    """Every hidden case's inputs, rebuilt from the key's seed: case i draws from default_rng([seed, i])."""
    ex = exercise(hidden_tests["exercise"])
    return [ex.inputs(case, np.random.default_rng([hidden_tests["seed"], i]))
            for i, case in enumerate(hidden_tests["cases"])]


def run_hidden_tests(candidate: Any, hidden_tests: dict[str, Any]) -> list[Any]:
    """The candidate's result on each hidden case as plain JSON; a crash becomes {"error": "..."}."""
    ex, results = exercise(hidden_tests["exercise"]), []
    for case, inputs in zip(hidden_tests["cases"], hidden_inputs(hidden_tests)):
        try:
            results.append(to_plain(ex.call(candidate, case, inputs)))
        except Exception as error:  # noqa: BLE001 - a student's crash is a result, not our failure
            results.append({"error": f"{type(error).__name__}: {error}"})
    return results


def expected_results(variant: Variant) -> list[Any]:
    """The reference result of each hidden case, from solutions/ (cached: grading repeats it per submission)."""
    assert variant.hidden_tests is not None
    return json.loads(_expected_json(json.dumps(variant.hidden_tests, sort_keys=True)))


@lru_cache(maxsize=256)
def _expected_json(hidden_tests: str) -> str:
    """Reference results for hidden tests given as JSON text, as JSON text."""
    tests = json.loads(hidden_tests)
    ex = exercise(tests["exercise"])
    return json.dumps([to_plain(ex.expected(case, inputs))
                       for case, inputs in zip(tests["cases"], hidden_inputs(tests))])


def _matches(got: Any, want: Any, tolerance: float) -> str:
    """'' when a result matches the reference, else a short reason."""
    if isinstance(got, dict) and "error" in got:
        return str(got["error"])[:200]
    try:
        got_array, want_array = np.asarray(got, dtype=float), np.asarray(want, dtype=float)
    except (TypeError, ValueError):
        return "the result is not numeric"
    if got_array.shape != want_array.shape:
        return f"shape {got_array.shape}, expected {want_array.shape}"
    if not np.allclose(got_array, want_array, rtol=1e-5, atol=max(tolerance, 1e-6)):
        return "wrong values"
    return ""


def grade(variant: Variant, submitted: Any) -> Score:
    """One equal share of the points per hidden case whose result matches the reference."""
    assert variant.hidden_tests is not None
    cases = variant.hidden_tests["cases"]
    if not isinstance(submitted, list) or len(submitted) != len(cases):
        reason = "not run" if submitted is None else f"expected {len(cases)} results"
        blank = tuple({"part": f"case {i}", "points": 0.0} for i in range(len(cases)))
        return Score(0.0, variant.points, reason, blank)
    share, parts, failed = variant.points / len(cases), [], []
    for index, (got, want) in enumerate(zip(submitted, expected_results(variant))):
        reason = _matches(got, want, variant.tolerance)
        parts.append({"part": f"case {index}", "points": 0.0 if reason else round(share, 6)})
        if reason:
            failed.append(f"case {index}: {reason}")
    points = variant.points if not failed else round(share * (len(cases) - len(failed)), 6)
    feedback = "all hidden tests pass" if not failed else "; ".join(failed[:3])
    return Score(points, variant.points, feedback, tuple(parts))


def answer_stub(variant: Variant) -> str:
    """The student's cell: the signature, the contract as docstring, and a NotImplementedError body."""
    ex = exercise(variant.kind)
    return f"{ex.signature(variant.params)}\n{ex.stub_body}\n"


def solution_source(variant: Variant) -> str:
    """The instructor's cell: the same signature and docstring with a working body."""
    ex = exercise(variant.kind)
    return f"{ex.signature(variant.params)}\n{ex.body(variant.params)}\n"


def checks_source(variant: Variant) -> str:
    """The visible sanity checks that follow the code cell."""
    return variant.params["checks"]


def explain(variant: Variant) -> str:
    """How the exercise is graded."""
    ex = exercise(variant.kind)
    count = len(variant.hidden_tests["cases"]) if variant.hidden_tests else 0
    return f"{ex.explain}\n\nThe grader runs {count} hidden cases against `{ex.reference}`."


def model_submission(variant: Variant) -> Any:
    """Results of the instructor's worked solution, executed as the grader would."""
    namespace: dict[str, Any] = {}
    exec(f"{SETUP_SOURCE}\n{solution_source(variant)}", namespace)  # noqa: S102 - our solution, run as in the notebook
    assert variant.hidden_tests is not None and variant.entry_point is not None
    return run_hidden_tests(namespace[variant.entry_point], variant.hidden_tests)


def near_miss(variant: Variant) -> Any:
    """The correct results with one value of the first case off: must lose that case's points."""
    results = copy.deepcopy(model_submission(variant))
    first = np.asarray(results[0], dtype=float)
    first.flat[0] += 1.0
    results[0] = first.tolist()
    return results


def check_template(template: Template) -> None:
    """Nothing beyond the generic checks."""


def array_literal(values: np.ndarray) -> str:
    """Source for a small array in a visible check cell."""
    return f"np.array({values.tolist()!r}, dtype=float)"


def case_count(params: dict[str, Any], default: int = 4) -> int:
    """How many hidden cases a template asks for (`n_cases`, 1 to 20)."""
    count = params.get("n_cases", default)
    if type(count) is not int or not 1 <= count <= 20:
        raise ValueError(f"n_cases must be a whole number from 1 to 20, got {count!r}")
    return count


def draw_size(rng: np.random.Generator, low: int, high: int) -> int:
    """One integer in [low, high] as a plain int."""
    return int(rng.integers(low, high + 1))
