"""Why no draw gave a question, told in the template's terms: the one error every draw hits (a mistake no redraw
can fix, so no "tries"), or the most common reason with one failing draw and its arithmetic."""

from __future__ import annotations

import ast
from collections import Counter
from typing import Any

from generator.errors import TemplateError
from generator.expressions import FUNCTIONS, compile_expression
from generator.model import Template
from generator.params import Constraint
from solutions._args import pair
from solutions.shapes import LayerError

EXACT = "exact"  # the expressions' function whose failure is shown as its division


class DrawFailures:
    """The reasons a template's draws were thrown away, with the first draw of each, to explain the commonest."""

    def __init__(self, template: Template) -> None:
        self.template = template
        self.counts: Counter[tuple[str, str]] = Counter()
        self.first: dict[tuple[str, str], tuple[dict[str, Any], Constraint | ValueError]] = {}
        self.varied: set[tuple[str, str]] = set()  # reasons whose message changed from draw to draw

    def broke(self, constraint: Constraint, params: dict[str, Any]) -> None:
        """A draw that breaks a constraint."""
        self._count(("constraint", f"{constraint.where} {constraint.name}"), params, constraint)

    def failed(self, error: ValueError, params: dict[str, Any]) -> None:
        """A draw the kind cannot make a question of (its compute raised); one layer's failures count as one reason
        even where their numbers change with the draw."""
        key = ("layer", str(error.index)) if isinstance(error, LayerError) else ("kind", str(error))
        if key in self.first and str(self.first[key][1]) != str(error):
            self.varied.add(key)
        self._count(key, params, error)

    def _count(self, key: tuple[str, str], params: dict[str, Any], cause: Constraint | ValueError) -> None:
        """Count one failure, keeping the first draw of each reason as the example."""
        self.counts[key] += 1
        self.first.setdefault(key, (params, cause))

    def error(self, draws: int) -> TemplateError:
        """The TemplateError for `draws` draws that all failed."""
        key, count = self.counts.most_common(1)[0]
        params, cause = self.first[key]
        if isinstance(cause, Constraint) and cause.check.names <= fixed_names(self.template):
            shown = explain_constraint(cause, params)
            return TemplateError(cause.where, f"constraint {cause.name!r} never holds"
                                              f"{': every draw has ' + shown if shown else ''}")
        if isinstance(cause, Constraint):
            return TemplateError(cause.where, f"constraint {cause.name!r}: no draw out of {draws} met it; "
                                              f"e.g. {explain_constraint(cause, params)}")
        where = self._where(cause)
        drawn = ", ".join(f"{name}={params[name]!r}" for name in self.template.space.names if name in params)
        example = f"{drawn + ': ' if drawn else ''}{cause}"
        if count == draws and key not in self.varied:
            return TemplateError(where, f"every draw fails: {cause}")
        if count == draws and isinstance(cause, LayerError):
            return TemplateError(where, f"every draw fails at layer {cause.index + 1}; e.g. {example}")
        return TemplateError(where, f"no draw out of {draws} gave a question {self.template.kind} can answer; "
                                    f"e.g. {example}")

    def _where(self, error: ValueError) -> str:
        """The line an error is about: its layer's entry when it names one, else the parameters (or the kind)."""
        locations = self.template.locations
        if isinstance(error, LayerError) and f"layers[{error.index}]" in locations:
            return locations[f"layers[{error.index}]"]
        return locations.get("params", locations.get("kind", self.template.where))


def fixed_names(template: Template) -> set[str]:
    """The parameters every draw gives the same value: fixed ones, one-value lists and expressions of those."""
    fixed: set[str] = set()
    for param in template.space.params:
        if (param.form == "value" or (param.form == "choices" and len(param.values) == 1)
                or (param.form == "range" and param.values[0] == param.values[1])
                or (param.expr is not None and param.expr.names <= fixed)):
            fixed.add(param.name)
    return fixed


def explain_constraint(constraint: Constraint, values: dict[str, Any]) -> str:
    """One draw that breaks a constraint: the values it names, then why, e.g.
    'H=5, K=2, S=2, P=0: (5 − 2 + 2 × 0) / 2 = 1.5 is not whole'."""
    tree = ast.parse(constraint.check.text, mode="eval")
    names = sorted((node for node in ast.walk(tree) if isinstance(node, ast.Name) and node.id not in FUNCTIONS),
                   key=lambda node: (node.lineno, node.col_offset))
    shown = ", ".join(f"{name}={values[name]!r}" for name in dict.fromkeys(node.id for node in names)
                      if name in values)
    why = _first_false(constraint.check.text, tree.body, values)
    return f"{shown}: {why}" if why and why != f"{constraint.name} is false" else shown


def _first_false(text: str, body: ast.expr, values: dict[str, Any]) -> str | None:
    """The first of a constraint's `and`-ed parts that this draw breaks, as its arithmetic or 'PART is false'."""
    parts = body.values if isinstance(body, ast.BoolOp) and isinstance(body.op, ast.And) else [body]
    for part in parts:
        source = ast.get_source_segment(text, part) or ast.unparse(part)
        try:
            holds = compile_expression(source, values)(values)
        except (ValueError, ArithmeticError) as error:
            return str(error)
        if holds:
            continue
        if isinstance(part, ast.Call) and isinstance(part.func, ast.Name) and part.func.id == EXACT:
            arguments = [compile_expression(ast.unparse(argument), values)(values) for argument in part.args]
            return exact_arithmetic(*arguments)
        return f"{source} is false"
    return None


def exact_arithmetic(in_size: Any, kernel_size: Any, stride: Any = 1, padding: Any = 0, dilation: Any = 1) -> str:
    """Why exact(W, K, S, P[, D]) is false, on the first axis the stride does not divide:
    '(5 − 2 + 2 × 0) / 2 = 1.5 is not whole'."""
    axes = list(zip(*(pair(value, name) for value, name in ((in_size, "in_size"), (kernel_size, "kernel_size"),
                                                             (stride, "stride"), (padding, "padding"),
                                                             (dilation, "dilation")))))
    paired = any(not isinstance(value, int) for value in (in_size, kernel_size, stride, padding, dilation))
    for axis, (w, k, s, p, d) in enumerate(axes):
        span = f"{k}" if d == 1 else f"{d} × ({k} − 1) − 1"
        numerator = w - d * (k - 1) - 1 + 2 * p
        if numerator % s:
            label = f"{('height', 'width')[axis]}: " if paired else ""
            return f"{label}({w} − {span} + 2 × {p}) / {s} = {numerator / s:.4g} is not whole"
    return "the stride divides every axis"
