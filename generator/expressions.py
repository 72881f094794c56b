"""Safe arithmetic expressions for derived parameters and constraints, e.g. `exact(H, K, S, P) and K <= H`.

Only literals, names, arithmetic, comparisons, boolean logic, lists, indexing and calls to the functions
in FUNCTIONS are allowed, so a template can never run arbitrary code.
"""

from __future__ import annotations

import ast
import math
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from types import CodeType
from typing import Any

from generator.errors import suggest
from solutions.shapes import conv_output_size, output_size_is_exact

FUNCTIONS: dict[str, Callable[..., Any]] = {
    "out_size": conv_output_size,       # out_size(W, K, S=1, P=0, D=1): floor((W - D(K-1) - 1 + 2P) / S) + 1
    "exact": output_size_is_exact,      # exact(W, K, S=1, P=0, D=1): the stride divides (W - D(K-1) - 1 + 2P)
    "min": min, "max": max, "abs": abs, "len": len, "sum": sum, "int": int, "round": round,
    "sqrt": math.sqrt, "range": range, "list": list,
}

_GLOBALS: dict[str, Any] = {"__builtins__": {}, **FUNCTIONS}  # shared: a checked expression cannot assign

_ALLOWED = (
    ast.Expression, ast.BoolOp, ast.And, ast.Or, ast.UnaryOp, ast.Not, ast.USub, ast.UAdd, ast.BinOp, ast.Add,
    ast.Sub, ast.Mult, ast.Div, ast.FloorDiv, ast.Mod, ast.Pow, ast.Compare, ast.Eq, ast.NotEq, ast.Lt, ast.LtE,
    ast.Gt, ast.GtE, ast.In, ast.NotIn, ast.Call, ast.Name, ast.Load, ast.Constant, ast.List, ast.Tuple,
    ast.Subscript, ast.Slice, ast.IfExp,
)


@dataclass(frozen=True)
class Expression:
    """A checked, compiled expression and the names it reads."""

    text: str
    code: CodeType
    names: frozenset[str]

    def __call__(self, values: Mapping[str, Any]) -> Any:
        """Evaluate against parameter values (plus the allowed functions)."""
        return eval(self.code, _GLOBALS, values)  # noqa: S307 - checked AST: it reads values, never writes them


def compile_expression(text: str, known: Collection[str]) -> Expression:
    """Parse and check an expression; ValueError names the first problem (syntax, forbidden construct, name)."""
    if not isinstance(text, str) or not text.strip():
        raise ValueError(f"an expression must be non-empty text, got {text!r}")
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as error:
        raise ValueError(f"invalid expression {text!r}: {error.msg}") from None
    names = set()
    for node in ast.walk(tree):
        if not isinstance(node, _ALLOWED):
            raise ValueError(f"expression {text!r} uses {type(node).__name__}, which templates may not use")
        if isinstance(node, ast.Call) and not (isinstance(node.func, ast.Name) and node.func.id in FUNCTIONS):
            raise ValueError(f"expression {text!r} calls something other than {', '.join(sorted(FUNCTIONS))}")
        if isinstance(node, ast.Name) and node.id not in FUNCTIONS:
            if node.id not in known:
                raise ValueError(f"expression {text!r} uses unknown name {node.id!r}{suggest(node.id, known)}")
            names.add(node.id)
    return Expression(text.strip(), compile(tree, "<template expression>", "eval"), frozenset(names))


def referenced_names(text: str, known: Collection[str]) -> frozenset[str]:
    """The known names an expression refers to; for text that does not compile (its error is reported where it is
    checked), every known name: what it meant is unknown, and no parameter is called unused because of a typo."""
    try:
        return compile_expression(text, known).names
    except ValueError:
        return frozenset(known)
