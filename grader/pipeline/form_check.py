"""Whether a student's answers exist and have the form their cells promise, without a key: what `cnnlab check` runs.

The notebook runs in the grader's sandbox, visible sanity-check cells included. Then every answer variable must
exist and have the form its cell's metadata describes (generator/answer_form.py: only what the stub shows), and
every exercise's function or class must be defined. It never says whether an answer is right: there is no key.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from generator.limits import LIMITS
from grader.pipeline.answer_cells import answer_cells, empty_value
from grader.pipeline.notebook import Cell
from grader.sandbox import Sandbox
from grader.sandbox.api import Job

NUMBER_TEXT = re.compile(r"\s*[-+]?[\d,]*\.?\d+(e[-+]?\d+)?\s*", re.IGNORECASE)


def _number(value: Any) -> bool:
    """A number, numeric text such as '669,706', or a one-entry list of one."""
    if isinstance(value, list) and len(value) == 1:
        value = value[0]
    return (isinstance(value, (int, float)) and not isinstance(value, bool)) or (
        isinstance(value, str) and NUMBER_TEXT.fullmatch(value) is not None)


def _flat(value: Any) -> list[Any] | None:
    """The leaves of a nested list (a column [[1], [2]] is two numbers), None when it is not a list."""
    if not isinstance(value, list):
        return None
    leaves: list[Any] = []
    for item in value:
        leaves += _flat(item) if isinstance(item, list) else [item]
    return leaves


def _shown(value: Any) -> str:
    """A value as the student would recognise it, shortened."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def form_problem(form: Any, value: Any) -> str | None:
    """Why the value does not have the form, in words; None when it does (or the form is unknown)."""
    if form == "number":
        return None if _number(value) else f"expected a number, got {_shown(value)}"
    if form in ("numbers", "matrix"):
        leaves = _flat(value)
        if isinstance(value, str) and form == "numbers":
            return None  # shape text such as 6@28x28
        if leaves is None or not leaves or not all(_number(x) for x in leaves):
            return f"expected {'a list of rows of numbers' if form == 'matrix' else 'a list of numbers'}, got " \
                   f"{_shown(value)}"
        if form == "matrix" and len({len(r) if isinstance(r, list) else 1 for r in value}) > 1:
            return f"expected a list of rows of equal length, got rows of lengths {[len(r) for r in value]}"
        return None
    if isinstance(form, dict) and "letter" in form:
        letters = form["letter"] or "A-J"
        if not isinstance(value, str) or not value.strip():
            return f"expected one letter ({letters}) as text, e.g. \"A\", got {_shown(value)}"
        letter = value.strip().strip("().").upper()
        return None if len(letter) != 1 or letter in letters else f"{letter!r} is not one of the options {letters}"
    if isinstance(form, dict) and "numbers" in form:
        leaves = _flat(value) if not isinstance(value, str) else None
        if isinstance(value, str) or (leaves is not None and leaves and all(_number(x) for x in leaves)
                                      and len(leaves) == form["numbers"]):
            return None
        return f"expected {form['numbers']} numbers, got {_shown(value)}"
    if isinstance(form, dict) and "list" in form:
        if not isinstance(value, list) or len(value) != len(form["list"]):
            return f"expected {len(form['list'])} entries, got {_shown(value)}"
        found = [(i, form_problem(f, v)) for i, (f, v) in enumerate(zip(form["list"], value))]
        return next((f"[{i}]: {why}" for i, why in found if why), None)
    if isinstance(form, dict) and "keys" in form:
        names = [name for name, _ in form["keys"]]
        if isinstance(value, list) and len(value) == len(names):
            value = dict(zip(names, value))  # a tuple in the stub's order
        if not isinstance(value, dict) or sorted(value) != sorted(names):
            return f"expected a dict with keys {', '.join(map(repr, names))}, got {_shown(value)}"
        found = [(name, form_problem(f, value[name])) for name, f in form["keys"]]
        return next((f"{name!r}: {why}" for name, why in found if why), None)
    return None


def missing_metadata(notebook_meta: dict[str, Any], found: tuple[Cell, ...]) -> str | None:
    """What a check cannot go on without, in one line: cells marked as answers, and the student's id."""
    missing = [what for what, absent in (("no answer cells", not answer_cells(found)),
                                         ("no student id", not notebook_meta.get("student_id"))) if absent]
    if not missing:
        return None
    return (f"{' and '.join(missing)}: the notebook's cnnlab metadata is gone (stripped, e.g. by "
            "`nbstripout --extra-keys`, or the file is not the notebook you were given); copy your answers into a "
            "fresh copy of your notebook")


def problems(found: tuple[Cell, ...], timeout: float) -> list[str]:
    """Run the code cells in the sandbox; every problem as one line."""
    sent = tuple(c for c in found if c.cell_type == "code")
    answers = [c for c in sent if c.cnnlab.get("role") == "answer" and isinstance(c.cnnlab.get("variable"), str)]
    code = [c for c in sent if c.cnnlab.get("role") == "code" and isinstance(c.cnnlab.get("entry_point"), str)]
    names = tuple(dict.fromkeys([*(c.cnnlab["variable"] for c in answers), *(c.cnnlab["entry_point"] for c in code)]))
    lines = [f"question {q}: no answer cell (deleted, or its metadata cleared?)" for q in dict.fromkeys(
        str(c.cnnlab.get("qid")) for c in found if c.cnnlab.get("role") == "prompt")
        if not any(str(c.cnnlab.get("qid")) == q for c in (*answers, *code))]
    limits = replace(LIMITS, total_timeout_s=timeout, cpu_s=timeout, cell_timeout_s=min(timeout, LIMITS.cell_timeout_s))
    with Sandbox(workers=1, limits=limits) as sandbox:
        outcome = sandbox.run(Job("check", tuple(c.source for c in sent), names))
    if outcome.status != "ok":
        lines.append(f"the notebook did not run to the end ({outcome.status}): {outcome.reason}")
    for index, name, message in outcome.cell_errors:
        cell = sent[index] if 0 <= index < len(sent) else None
        number = cell.number if cell else index + 1
        detail = message if message.startswith(name) else f"{name}: {message}"
        if cell is not None and cell.cnnlab.get("role") == "check":
            lines.append(f"question {cell.cnnlab.get('qid')}: the visible checks in cell {number} failed: {detail}")
        else:
            lines.append(f"cell {number} raised {detail}")
    for cell in answers:
        qid, variable = cell.cnnlab.get("qid"), cell.cnnlab["variable"]
        if variable in outcome.problems:
            lines.append(f"question {qid}: {variable} (cell {cell.number}): {outcome.problems[variable]}")
        elif empty_value(outcome.variables.get(variable)):
            lines.append(f"question {qid}: {variable} (cell {cell.number}) has no answer yet")
        elif (why := form_problem(cell.cnnlab.get("form"), outcome.variables[variable])) is not None:
            lines.append(f"question {qid}: {variable} (cell {cell.number}): {why}")
    for cell in code:
        name = cell.cnnlab["entry_point"]
        if outcome.problems.get(name) == "not defined":
            lines.append(f"question {cell.cnnlab.get('qid')}: {name} (cell {cell.number}) is not defined")
    return lines
