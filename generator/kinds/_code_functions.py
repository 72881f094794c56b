"""Coding exercises whose one code cell defines several functions (a layer's forward and its backward pass), each
hidden case calling one of them: what code_batchnorm and code_dropout share on top of generator/kinds/_code.py.

A case names its function (`{"function": "dropout_forward", ...}`, so its description says `function
dropout_forward`); `request` calls that function on the case's inputs. `grade` checks every returned array by
CS231n's rel_error (code_conv2d_backward.check_case, under 1e-6) against both references, one share of the points
per case, and where a case fails it names the known mistake (a Diagnosis) whose result one of the student's wrong
arrays equals, so that the feedback says why and the class report counts it (Score.misconceptions).
"""

from __future__ import annotations

import copy
import importlib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import numpy as np

from generator.calls import Call
from generator.kinds._code import Exercise, HiddenCase, as_sandbox_returns, hidden_cases, results_of
from generator.kinds.code_conv2d_backward import REL_TOLERANCE, check_case, first_array_scaled, rel_error
from generator.model import SETUP_SOURCE, Context, Request, Returned, Score, Variant, shared_parts

NO_MISCONCEPTIONS = ("graded by hidden test cases: a wrong array has no single mistaken answer to recognise; instead "
                     "the feedback names the known mistake (the kind's DIAGNOSES) a failing case's result equals, and "
                     "the class report counts it")
STUB_BODY = '    raise NotImplementedError("write this function")'
SHOWN_FAILURES = 3  # failing cases the feedback spells out
FUNCTION_ENTRY = re.compile(r"(?:^|, )function (\w+)")


@dataclass(frozen=True)
class Function:
    """One function the student writes: its name, `def` line with docstring, and the worked solution's body."""

    name: str
    signature: str
    body: str


@dataclass(frozen=True)
class Diagnosis:
    """A known mistake: its name (for the class report), why it is wrong, and what it returns for a hidden case
    (the arrays in the function's return order; None where the mistake changes nothing for that case)."""

    name: str
    explanation: str
    function: str
    result: Callable[[HiddenCase], tuple[np.ndarray, ...] | None]


def function_of(case: HiddenCase) -> str:
    """The function a hidden case calls: its description's 'function NAME' entry (the key's cases come back from
    JSON with their keys sorted, so it need not be the first)."""
    found = FUNCTION_ENTRY.search(case.description)
    if found is None:
        raise ValueError(f"hidden case {case.name} names no function: {case.description}")
    return found.group(1)


def exercise_of(functions: tuple[Function, ...], reference: str, *parts: Any, **options: Any) -> Exercise:
    """The Exercise of a cell of several functions (the first is the entry point the notebook names first):
    `parts` and `options` as Exercise takes them after its signature and body, which join every function's."""
    return Exercise(functions[0].name, reference, lambda params: "\n\n\n".join(f.signature for f in functions),
                    lambda params: "\n\n\n".join(f.body for f in functions), *parts, **options)


def _module(kind: str) -> ModuleType:
    """A code kind's module, which declares FUNCTIONS, DIAGNOSES and parts(case)."""
    return importlib.import_module(f"generator.kinds.{kind}")


def functions(kind: str) -> tuple[Function, ...]:
    """The functions a code kind's module declares (FUNCTIONS), in the order the cell defines them."""
    return tuple(_module(kind).FUNCTIONS)


def cell_source(kind: str, worked: bool) -> str:
    """The code cell: every function's signature and docstring, with the worked body or the stub's."""
    return "\n\n\n".join(f"{f.signature}\n{f.body if worked else STUB_BODY}" for f in functions(kind)) + "\n"


def answer_stub(variant: Variant) -> str:
    """The student's cell: each function raising NotImplementedError."""
    return cell_source(variant.kind, worked=False)


def solution_source(variant: Variant) -> str:
    """The instructor's cell: each function with a working body."""
    return cell_source(variant.kind, worked=True)


def entry_points(variant: Variant) -> tuple[str, ...]:
    """Every function the cell defines (the notebook names them all)."""
    return tuple(f.name for f in functions(variant.kind))


def render_for(variant: Variant, medium: str) -> str:
    """On paper the contract is printed with the prompt: each function's signature and docstring."""
    if medium != "paper":
        return variant.prompt
    signatures = "\n\n".join(f.signature for f in functions(variant.kind))
    return (f"{variant.prompt}\n\nWrite the bodies of these functions by hand, in Python with NumPy:\n\n"
            f"```python\n{signatures}\n```")


def request(variant: Variant, context: Context) -> Request:
    """One sandbox call per hidden case, on the function the case names, after the cell that defines it."""
    cases = hidden_cases(variant, context.torch_reference)
    return Request(calls=tuple(Call(c.name, function_of(c), c.args, dict(c.kwargs)) for c in cases))


def run_cases(namespace: Mapping[str, Any], variant: Variant) -> dict[str, Any]:
    """Each hidden case run on the namespace's functions in this process (self-tests), as the sandbox returns it."""
    results: dict[str, Any] = {}
    for case in hidden_cases(variant, torch_reference=False):
        try:
            value = namespace[function_of(case)](*copy.deepcopy(case.args), **copy.deepcopy(dict(case.kwargs)))
            results[case.name] = as_sandbox_returns(value)
        except Exception as error:  # noqa: BLE001 - a student's crash is a result, not our failure
            results[case.name] = {"error": f"{type(error).__name__}: {error}"}
    return results


def run_source(source: str, variant: Variant) -> dict[str, Any]:
    """The results of a cell's functions on every hidden case, the cell executed as the notebook would."""
    namespace: dict[str, Any] = {}
    exec(f"{SETUP_SOURCE}\n{source}", namespace)  # noqa: S102 - our own solution, or a test's deliberate mistake
    return run_cases(namespace, variant)


def model_submission(variant: Variant) -> dict[str, Any]:
    """Results of the worked solution on every hidden case."""
    return run_source(solution_source(variant), variant)


def near_miss(variant: Variant) -> dict[str, Any]:
    """The worked solution's results with the first case's first array scaled by 1.01: must lose that case."""
    return first_array_scaled(model_submission(variant))


def _arrays(got: Any, count: int) -> list[np.ndarray] | None:
    """The student's returned arrays in order (one array, or a tuple of them that came back as a list)."""
    try:
        pieces = [got] if count == 1 else list(got)
        arrays = [np.asarray(piece, dtype=np.float64) for piece in pieces]
    except (TypeError, ValueError):
        return None
    return arrays if len(arrays) == count else None


def _explains(got: list[np.ndarray], expected: list[np.ndarray], mistaken: tuple[np.ndarray, ...]) -> bool:
    """Whether a mistake accounts for the answer: some returned array is wrong (its values, or its shape, as a
    transposed matrix's) and equals the mistake's (random inputs make a chance match of a whole array unlikely)."""
    for mine, right, theirs in zip(got, expected, mistaken):
        theirs = np.asarray(theirs, dtype=np.float64)
        wrong = mine.shape != right.shape or rel_error(mine, right) >= REL_TOLERANCE
        if wrong and mine.shape == theirs.shape and rel_error(mine, theirs) < REL_TOLERANCE:
            return True
    return False


def diagnose(variant: Variant, case: HiddenCase, got: Any) -> list[Diagnosis]:
    """The declared mistakes (the kind's DIAGNOSES) that account for a failing case's result."""
    module = _module(variant.kind)
    names = [name for name, _ in module.parts(case)]
    arrays = _arrays(got, len(names))
    if arrays is None:
        return []
    sizes = np.cumsum([int(np.prod(shape)) for _, shape in module.parts(case)])[:-1]
    expected = [piece.reshape(shape) for piece, (_, shape) in zip(np.split(case.expected, sizes), module.parts(case))]
    found = []
    for diagnosis in module.DIAGNOSES:
        mistaken = diagnosis.result(case) if diagnosis.function == function_of(case) else None
        if mistaken is not None and _explains(arrays, expected, mistaken):
            found.append(diagnosis)
    return found


def grade(variant: Variant, submitted: Mapping[str, Any], torch_reference: bool = True) -> Score:
    """One equal share per hidden case whose every returned array has rel_error < 1e-6 against both references;
    a failing case's known mistake is named once, with why it is wrong."""
    earned: list[tuple[str, float]] = []
    failed: list[str] = []
    seen: dict[str, Diagnosis] = {}
    for case in hidden_cases(variant, torch_reference):
        got = submitted.get(case.name, {"error": "no result"}) if isinstance(submitted, Mapping) else None
        verdict, passed = check_case(variant.kind, case, got) if got is not None else ("not run", False)
        earned.append((case.description, 1.0 if passed else 0.0))
        if not passed:
            failed.append(f"{case.name} ({case.description}): {verdict}")
            for diagnosis in diagnose(variant, case, got) if got is not None else []:
                seen.setdefault(diagnosis.name, diagnosis)
    parts = shared_parts(variant, [(label, round(variant.points / len(earned), 6) * credit)
                                   for label, credit in earned])
    points = variant.points if not failed else round(sum(p.points for p in parts), 6)
    lines = [f"{len(earned) - len(failed)}/{len(earned)} hidden test cases passed (each returned array's "
             f"rel_error must be under {REL_TOLERANCE:g})",
             *(f"this looks like {d.name}: {d.explanation}" for d in seen.values()), *failed[:SHOWN_FAILURES]]
    if len(failed) > SHOWN_FAILURES:
        lines.append("...")
    return Score(variant.qid, points, variant.points, "; ".join(lines), parts, tuple(seen))


def score(variant: Variant, returned: Returned, context: Context) -> Score:
    """grade() on what the sandbox returned."""
    return grade(variant, results_of(variant, returned, context.torch_reference), context.torch_reference)


def flat(arrays: Any) -> np.ndarray:
    """One array or a tuple of them as one 1D array: how the key's references hold a case's result."""
    if isinstance(arrays, np.ndarray):
        return np.asarray(arrays, dtype=np.float64).ravel()
    return np.concatenate([np.asarray(a, dtype=np.float64).ravel() for a in arrays])
