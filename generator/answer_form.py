"""The form of an answer, written into its cell's metadata so `cnnlab check` can check form without the key.

A form never says more than the answer stub already shows the student: a size appears only where the stub spells
it out (`(None, None, None)` is three numbers, a dict stub names its keys); where the stub is a bare `None` the
form says only the sort of value (a number, a list of numbers, a matrix, a letter), never its size. JSON grammar:
"number" | "numbers" (any length) | "matrix" | {"letter": "ABCD"} | {"numbers": n} | {"list": [form, ...]}
| {"keys": [[name, form], ...]} (in the stub's order, which a tuple answer may follow instead of a dict).
"""

from __future__ import annotations

import ast
from functools import lru_cache
from typing import Any

from generator.grading.read import LETTERS
from generator.model import Variant

Form = Any  # JSON, per the grammar above


@lru_cache(maxsize=1024)  # stubs hold no drawn numbers, so a class shares a few: each is parsed once (read-only)
def _stub_value(stub: str, variable: str) -> Any:
    """The literal the stub assigns to the answer variable (None when it is not a plain literal)."""
    try:
        for node in ast.parse(stub).body:
            if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == variable for t in node.targets):
                return ast.literal_eval(node.value)
    except (SyntaxError, ValueError):
        pass
    return None


def _is_number(value: Any) -> bool:
    """A JSON number (bool excluded)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _sort(answer: Any, letters: str) -> Form:
    """The sort of value, with no size: what a bare `None` stub stands for."""
    if isinstance(answer, str):
        return {"letter": letters}
    if isinstance(answer, (list, tuple)) and answer and all(isinstance(row, (list, tuple)) for row in answer):
        return "matrix" if all(_is_number(x) for row in answer for x in row) else "numbers"
    return "numbers" if isinstance(answer, (list, tuple)) else "number"


def _form(stub: Any, answer: Any, letters: str) -> Form:
    """Walk the stub and the answer together; sizes come from the stub only."""
    if isinstance(stub, dict) and isinstance(answer, dict):
        return {"keys": [[str(k), _form(stub[k], answer.get(k), letters)] for k in stub]}
    if isinstance(stub, (list, tuple)) and isinstance(answer, (list, tuple)) and len(stub) == len(answer):
        parts = [_form(s, a, letters) for s, a in zip(stub, answer)]
        return {"numbers": len(parts)} if all(p == "number" for p in parts) else {"list": parts}
    return _sort(answer, letters)


def answer_form(variant: Variant, stub: str) -> Form:
    """The form of this answer, as much as its stub shows."""
    options = variant.params.get("options") if isinstance(variant.params, dict) else None
    letters = LETTERS[:len(options)] if isinstance(options, list) and options else ""
    return _form(_stub_value(stub, variant.variable), variant.answer, letters)
