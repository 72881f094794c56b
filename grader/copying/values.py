"""What a student submitted, for copy detection: answer values and code sources, never shown to students.

The record keeps the answer values that came back from the sandbox (`GradedSubmission.answers`, instructor-only
record.json). Records written without them are read from the stored feedback notebook instead: each answer cell's
assignment evaluated without running anything (numbers, lists, tuples, dicts, arithmetic, np.array and names the
cell assigned before). Code questions' sources are the cells with metadata role "code" (docs/CONTRACT.md).
"""

from __future__ import annotations

import ast
import json
import operator
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from grader.sandbox.api import Outcome
from generator.limits import MAX_ANSWER_VALUE_BYTES

OPERATORS = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv,
             ast.FloorDiv: operator.floordiv, ast.Mod: operator.mod, ast.Pow: pow, ast.USub: operator.neg,
             ast.UAdd: operator.pos}
WRAPPERS = {"array", "asarray", "list", "tuple", "int", "float", "round"}


def answers_from_outcome(variables: Mapping[str, str], outcome: Outcome | None) -> dict[str, Any]:
    """Each answer question's submitted value (qid -> plain JSON) from the sandbox's variables: variable by qid."""
    if outcome is None:
        return {}
    found = {}
    for qid, name in variables.items():
        if name in outcome.variables:
            value = outcome.variables[name]
            try:
                if len(json.dumps(value)) <= MAX_ANSWER_VALUE_BYTES:
                    found[qid] = value
            except (TypeError, ValueError):
                continue
    return found


def _cells(notebook: Mapping[str, Any], role: str) -> list[tuple[str, Mapping[str, Any], str]]:
    """(qid, metadata, source) of the notebook's cells of one cnnlab role, in order."""
    found = []
    for cell in notebook.get("cells", ()) if isinstance(notebook.get("cells"), list) else ():
        meta = cell.get("metadata", {}).get("cnnlab", {}) if isinstance(cell, dict) and isinstance(
            cell.get("metadata"), dict) else {}
        if isinstance(meta, dict) and meta.get("role") == role and isinstance(meta.get("qid"), str):
            source = cell.get("source", "")
            found.append((meta["qid"], meta, "".join(source) if isinstance(source, list) else str(source)))
    return found


def answers_from_notebook(notebook: Mapping[str, Any]) -> dict[str, Any]:
    """Each answer cell's value of its variable, evaluated without running code; cells it cannot read are left out."""
    found: dict[str, Any] = {}
    for qid, meta, source in _cells(notebook, "answer"):
        names: dict[str, Any] = {}
        try:
            tree = ast.parse(source)
        except (SyntaxError, ValueError):
            continue
        for node in tree.body:
            if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
                try:
                    names[node.targets[0].id] = _value(node.value, names)
                except (ValueError, TypeError, ArithmeticError, RecursionError):
                    names.pop(node.targets[0].id, None)
        if isinstance(meta.get("variable"), str) and names.get(meta["variable"]) is not None:
            found[qid] = names[meta["variable"]]
    return found


def _value(node: ast.AST, names: Mapping[str, Any]) -> Any:
    """A literal, arithmetic on literals, np.array(...) or a name assigned before, as plain JSON-able data."""
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float, str)) and not isinstance(
            node.value, bool):
        return node.value
    if isinstance(node, (ast.List, ast.Tuple)):
        return [_value(item, names) for item in node.elts]
    if isinstance(node, ast.Dict) and all(isinstance(k, ast.Constant) for k in node.keys):
        return {str(k.value): _value(v, names) for k, v in zip(node.keys, node.values)}  # type: ignore[union-attr]
    if isinstance(node, ast.Name) and node.id in names:
        return names[node.id]
    if isinstance(node, ast.UnaryOp) and type(node.op) in OPERATORS:
        return OPERATORS[type(node.op)](_number(_value(node.operand, names)))
    if isinstance(node, ast.BinOp) and type(node.op) in OPERATORS:
        left, right = _number(_value(node.left, names)), _number(_value(node.right, names))
        if isinstance(node.op, ast.Pow) and abs(right) > 64:
            raise ValueError("exponent too large")
        return OPERATORS[type(node.op)](left, right)
    if isinstance(node, ast.Call) and len(node.args) == 1 and not node.keywords:
        name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
        if name in WRAPPERS:
            value = _value(node.args[0], names)
            return {"int": int, "float": float, "round": round}.get(name, lambda v: v)(value)
    raise ValueError(f"not a plain value: {type(node).__name__}")


def _number(value: Any) -> int | float:
    """A number, for arithmetic; anything else stops the evaluation."""
    if isinstance(value, (int, float)) and not isinstance(value, bool) and abs(value) < 1e300:
        return value
    raise TypeError("not a number")


def code_sources(notebook: Mapping[str, Any]) -> dict[str, str]:
    """Each code question's source: its cells with role "code", joined in notebook order."""
    found: dict[str, list[str]] = {}
    for qid, _, source in _cells(notebook, "code"):
        found.setdefault(qid, []).append(source)
    return {qid: "\n".join(parts) for qid, parts in found.items()}


def read_notebook(path: Path) -> dict[str, Any]:
    """A stored notebook as JSON, or an empty one when it cannot be read."""
    try:
        data = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def variables_by_qid(questions: Sequence[Any]) -> dict[str, str]:
    """Answer questions' variables by question id (code questions have an entry point instead)."""
    return {q.qid: q.variable for q in questions if q.entry_point is None and q.variable}
