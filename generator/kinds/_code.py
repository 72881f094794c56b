"""Coding exercises graded on hidden inputs: the shared machinery behind code_conv2d, code_max_pool2d and
code_avg_pool2d (code_lenet5 reuses the notebook parts).

The answer key holds only `hidden_tests = {"seed": N, "cases": [...]}`. `hidden_cases(variant)` rebuilds every
case's inputs from that seed, adds the exercise's pinned edge cases, and computes both references (NumPy from
solutions.numpy_ref, PyTorch from solutions.torch_ref), which must agree. `request` asks the sandbox to call the
student's function on each case; `score` compares what came back with both references, one share per case.
"""

from __future__ import annotations

import copy
import importlib
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any

import numpy as np

from generator.kinds._common import sample_variant
from generator.model import SETUP_SOURCE, Context, Request, Returned, Score, Template, Variant, shared_parts
from generator.calls import Call

Case = dict[str, Any]
TOLERANCE = {"rtol": 1e-5, "atol": 1e-6}
FORMULAS = {  # a docstring's formula for what another question on the same paper asks (generator/media.py)
    "output size": re.compile(r",?\s*H_out = [^;\n]*?// stride \+ 1 \(same for W\)"),
}
NO_MISCONCEPTIONS = ("graded by hidden test cases: the feedback names each failing case (its shapes, stride and "
                     "padding) with what went wrong (an error, the wrong shape beside the expected one, or how far "
                     "the values are off); a wrong array has no single mistaken answer to recognise")


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
    expected: Callable[[Case, dict[str, Any]], Any]  # the NumPy reference result for one case
    checks: Callable[[dict[str, Any], np.random.Generator], str]  # visible sanity-check cell source
    explain: str
    stub_body: str = '    raise NotImplementedError("write this function")'
    prepare: Callable[[Template, dict[str, Any]], dict[str, Any]] = lambda template, params: params  # kind's own keys
    edge_cases: tuple[Case, ...] = ()  # pinned cases every student gets (stride > 1, padding, batch > 1, ...)
    torch_expected: Callable[[Case, dict[str, Any]], Any] | None = None  # the PyTorch reference, which must agree
    rubric: tuple[str, ...] = ()  # what a marker checks in handwritten code, equal shares (none: not on paper)


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


def render_for(variant: Variant, medium: str) -> str:
    """On paper the contract is printed with the prompt, as the function's signature and docstring."""
    if medium != "paper":
        return variant.prompt
    ex = exercise(variant.kind)
    return (f"{variant.prompt}\n\nWrite the body of this function by hand, in Python with NumPy:\n\n"
            f"```python\n{ex.signature(variant.params)}\n```")


def rubric(variant: Variant) -> tuple[str, ...]:
    """The marking criteria for handwritten code, each worth an equal share of the points."""
    return exercise(variant.kind).rubric


def hidden_inputs(hidden_tests: dict[str, Any]) -> list[dict[str, Any]]:
    """Every hidden case's inputs, rebuilt from the key's seed: case i draws from default_rng([seed, i])."""
    ex = exercise(hidden_tests["exercise"])
    return [ex.inputs(case, np.random.default_rng([hidden_tests["seed"], i]))
            for i, case in enumerate(hidden_tests["cases"])]


@dataclass(frozen=True)
class HiddenCase:
    """One hidden call: its arguments and what both references return for it."""

    name: str
    description: str
    args: tuple[Any, ...]
    kwargs: Mapping[str, Any] = field(default_factory=dict)
    expected: np.ndarray = field(default_factory=lambda: np.zeros(0), repr=False)  # NumPy reference
    expected_torch: np.ndarray | None = field(default=None, repr=False)  # PyTorch reference


def describe(case: Case) -> str:
    """'x_shape [1, 3, 6, 6], w_shape [4, 3, 3, 3], stride 1, padding 1': enough to reproduce the case."""
    return ", ".join(f"{k} {v}" for k, v in case.items())


def recorded_call(call: Callable[..., Any], case: Case, inputs: Mapping[str, Any]) -> tuple[tuple[Any, ...], dict]:
    """The (args, kwargs) the exercise's call passes to a candidate, to send to the sandbox instead."""
    seen: list[tuple[tuple[Any, ...], dict[str, Any]]] = []
    call(lambda *args, **kwargs: seen.append((args, kwargs)), case, inputs)
    return seen[0]


def hidden_cases(variant: Variant, torch_reference: bool = True) -> tuple[HiddenCase, ...]:
    """The key's and the pinned cases, inputs rebuilt from the seed, with both references (or only NumPy's)."""
    assert variant.hidden_tests is not None
    return _hidden_cases(variant.kind, json.dumps(variant.hidden_tests, sort_keys=True), torch_reference)


@lru_cache(maxsize=128)  # request and score of one submission build the same cases: build them once
def _hidden_cases(kind: str, hidden_json: str, torch_reference: bool) -> tuple[HiddenCase, ...]:
    """hidden_cases, keyed by plain text so it can be cached."""
    ex, hidden = exercise(kind), json.loads(hidden_json)
    tests = {**hidden, "exercise": kind, "cases": [*hidden["cases"], *ex.edge_cases]}
    built = []
    for index, (case, inputs) in enumerate(zip(tests["cases"], hidden_inputs(tests))):
        ours = np.asarray(ex.expected(case, inputs))
        theirs = None if ex.torch_expected is None or not torch_reference else \
            np.asarray(ex.torch_expected(case, inputs))
        if theirs is not None and (ours.shape != theirs.shape or not np.allclose(ours, theirs, **TOLERANCE)):
            raise ValueError(f"the NumPy and PyTorch references disagree on hidden case {describe(case)}")
        args, kwargs = recorded_call(ex.call, case, inputs)
        built.append(HiddenCase(f"case{index}", describe(case), args, kwargs, ours, theirs))
    return tuple(built)


def request(variant: Variant, context: Context) -> Request:
    """One sandbox call per hidden case, on the student's function, after the cell that defines it."""
    entry = str(variant.entry_point)
    cases = hidden_cases(variant, context.torch_reference)
    return Request(calls=tuple(Call(c.name, entry, c.args, dict(c.kwargs)) for c in cases))


def check_array(result: Any, expected: np.ndarray) -> str | None:
    """None when result matches expected within tolerance, else one line saying how it differs."""
    if isinstance(result, dict) and "error" in result:
        return f"raised {str(result['error'])[:200]}"
    if not isinstance(result, np.ndarray):
        try:
            result = np.asarray(result, dtype=float)
        except (TypeError, ValueError):
            return f"returned {type(result).__name__}, expected a float array of shape {expected.shape}"
    if result.dtype.kind not in "biuf":
        return f"returned an array of {result.dtype}, expected floats of shape {expected.shape}"
    if result.shape != expected.shape:
        return f"wrong shape {result.shape}, expected {expected.shape}"
    if not np.all(np.isfinite(result)):
        return "output contains NaN or inf"
    if not np.allclose(result.astype(np.float64), expected, **TOLERANCE):
        error = float(np.max(np.abs(result.astype(np.float64) - expected))) if expected.size else 0.0
        return f"values differ: max abs error {error:.3g} (tolerance {TOLERANCE['atol']:g} + {TOLERANCE['rtol']:g}*|x|)"
    return None


def grade(variant: Variant, submitted: Mapping[str, Any], torch_reference: bool = True) -> Score:
    """One equal share per hidden case whose result matches the NumPy reference and then the PyTorch one."""
    cases = hidden_cases(variant, torch_reference)
    earned: list[tuple[str, float]] = []
    failed = []
    for case in cases:
        got = submitted.get(case.name, {"error": "no result"}) if isinstance(submitted, Mapping) else None
        why = check_array(got, case.expected) if got is not None else "not run"
        if why is None and case.expected_torch is not None:
            why = check_array(got, case.expected_torch)
        earned.append((case.description, 0.0 if why else 1.0))
        if why:
            failed.append(f"{case.name} ({case.description}): {why}")
    share = round(variant.points / len(cases), 6)
    parts = shared_parts(variant, [(label, share * credit) for label, credit in earned])
    points = variant.points if not failed else round(sum(p.points for p in parts), 6)
    lines = [f"{len(cases) - len(failed)}/{len(cases)} hidden test cases passed", *failed[:3]]
    return Score(variant.qid, points, variant.points, "; ".join(lines) + ("; ..." if len(failed) > 3 else ""), parts)


def results_of(variant: Variant, returned: Returned, torch_reference: bool = True) -> dict[str, Any]:
    """What came back per hidden case: its value, or {"error": problem} (an exception, a timeout)."""
    results = {}
    for case in hidden_cases(variant, torch_reference):
        value, problem = returned.get(case.name)
        results[case.name] = {"error": problem} if problem is not None else value
    return results


def score(variant: Variant, returned: Returned, context: Context) -> Score:
    """grade() on what the sandbox returned."""
    return grade(variant, results_of(variant, returned, context.torch_reference), context.torch_reference)


def as_sandbox_returns(value: Any) -> Any:
    """What the sandbox sends back for a call's value: an array as an array, a tuple of arrays as nested lists."""
    if isinstance(value, (tuple, list)):
        return [np.asarray(item).tolist() if isinstance(item, np.ndarray) else item for item in value]
    return np.asarray(value)


def run_cases(candidate: Any, variant: Variant) -> dict[str, Any]:
    """The candidate's result on each hidden case in this process (self-tests), in the form the sandbox returns."""
    results: dict[str, Any] = {}
    for case in hidden_cases(variant, torch_reference=False):  # only the arguments: no reference needed
        try:
            value = candidate(*copy.deepcopy(case.args), **copy.deepcopy(dict(case.kwargs)))
            results[case.name] = as_sandbox_returns(value)
        except Exception as error:  # noqa: BLE001 - a student's crash is a result, not our failure
            results[case.name] = {"error": f"{type(error).__name__}: {error}"}
    return results


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


def model_submission(variant: Variant) -> dict[str, Any]:
    """Results of the instructor's worked solution on every hidden case, executed as the notebook would."""
    namespace: dict[str, Any] = {}
    exec(f"{SETUP_SOURCE}\n{solution_source(variant)}", namespace)  # noqa: S102 - our solution, run as in the notebook
    assert variant.entry_point is not None
    return run_cases(namespace[variant.entry_point], variant)


def near_miss(variant: Variant) -> dict[str, Any]:
    """The correct results with one value of the first case off: must lose that case's points."""
    results = model_submission(variant)
    first = next(iter(results))
    results[first] = np.array(results[first], dtype=float)
    results[first].flat[0] += 1.0
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
