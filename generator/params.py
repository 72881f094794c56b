"""The parameter space of a template: how each parameter is drawn, and the constraints a draw must meet."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any

import numpy as np

from generator.errors import Problems, TemplateError, suggest
from generator.expressions import Expression, compile_expression
from generator.yamlio import Located, LocatedList, check_keys, plain

PARAM_FORMS = ("range", "choices", "value", "expr")
MAJORITY_MIN_VALUES = 4  # below this, two equal values of three are no giveaway


@dataclass(frozen=True)
class Param:
    """One parameter: drawn from an inclusive integer range or a list of choices, fixed, or derived."""

    name: str
    form: str  # one of PARAM_FORMS
    values: tuple[Any, ...] = ()  # choices; or (low, high, step) for a range; or (value,) when fixed
    expr: Expression | None = None

    def draw(self, rng: np.random.Generator, known: Mapping[str, Any]) -> Any:
        """A value for this parameter, using only rng and the parameters drawn before it."""
        if self.form == "range":
            low, high, step = self.values
            return low + step * int(rng.integers(0, (high - low) // step + 1))
        if self.form == "choices":
            return self.values[int(rng.integers(0, len(self.values)))]
        if self.form == "value":
            return self.values[0]
        assert self.expr is not None
        try:
            return _jsonable(self.expr(known))
        except (ValueError, ArithmeticError) as error:  # the draw is thrown away; the message says why
            drawn = ", ".join(f"{name}={value!r}" for name, value in known.items() if name in self.expr.names)
            raise ValueError(f"parameter {self.name!r} = {self.expr.text} cannot be computed for {drawn}: "
                             f"{error}") from None


@dataclass(frozen=True)
class Constraint:
    """A named condition every variant must meet, e.g. 'the output size is an exact integer'."""

    name: str
    check: Expression
    where: str

    def met_by(self, values: Mapping[str, Any]) -> bool:
        """Whether a draw meets it; a draw it cannot be evaluated for (exact() of a kernel wider than the padded
        input, a division by zero) does not."""
        try:
            return bool(self.check(values))
        except (ValueError, ArithmeticError):
            return False


@dataclass(frozen=True)
class ParamSpace:
    """Parameters in declaration order, and the constraints on them."""

    params: tuple[Param, ...]
    constraints: tuple[Constraint, ...]

    @property
    def names(self) -> tuple[str, ...]:
        """Every parameter name, in order."""
        return tuple(p.name for p in self.params)

    def draw(self, rng: np.random.Generator) -> tuple[dict[str, Any], Constraint | None]:
        """One draw of every parameter, and the first constraint it breaks (None when it meets them all)."""
        values: dict[str, Any] = {}
        for param in self.params:
            values[param.name] = param.draw(rng, values)
        for constraint in self.constraints:
            if not constraint.met_by(values):
                return values, constraint
        return values, None


def _jsonable(value: Any) -> Any:
    """NumPy scalars and tuples from expressions to plain JSON types."""
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    return value


def _scalar(value: Any) -> bool:
    """Whether a value can be a parameter value (numbers, text, booleans, and lists of them)."""
    if isinstance(value, list):
        return all(_scalar(v) for v in value)
    return isinstance(value, (int, float, str, bool))


def _parse_param(name: str, spec: Any, where: str, known: tuple[str, ...]) -> Param:
    """Read one entry of `params:`; a bare value is a fixed parameter."""
    if not isinstance(spec, Located):
        if not _scalar(spec):
            raise TemplateError(where, f"parameter {name!r}: a fixed value must be a number, text or a list")
        return Param(name, "value", (plain(spec),))
    forms = [form for form in PARAM_FORMS if form in spec]
    extra = sorted(set(spec) - set(PARAM_FORMS))
    if extra:
        raise spec.error(extra[0], f"parameter {name!r}: unknown key {extra[0]!r}{suggest(extra[0], PARAM_FORMS)}; "
                                   f"use exactly one of {', '.join(PARAM_FORMS)}")
    if len(forms) != 1:
        raise spec.error(None, f"parameter {name!r}: use exactly one of {', '.join(PARAM_FORMS)}")
    form, raw = forms[0], spec[forms[0]]
    at = spec.where(form)
    if form == "range":
        if not (isinstance(raw, list) and len(raw) in (2, 3) and all(type(v) is int for v in raw)):
            raise TemplateError(at, f"parameter {name!r}: range must be [low, high] or [low, high, step] of "
                                    f"integers (both ends included), got {plain(raw)!r}")
        low, high, step = (*raw, 1) if len(raw) == 2 else raw
        if step <= 0:
            raise TemplateError(at, f"parameter {name!r}: range step must be positive, got {step}")
        if low > high:
            raise TemplateError(at, f"parameter {name!r}: empty range [{low}, {high}] (low is above high)")
        return Param(name, form, (low, high, step))
    if form == "choices":
        if not isinstance(raw, list) or not raw:
            raise TemplateError(at, f"parameter {name!r}: choices must be a non-empty list (empty range)")
        if not all(_scalar(v) for v in raw):
            raise TemplateError(at, f"parameter {name!r}: choices must be numbers, text or lists of them")
        return Param(name, form, tuple(plain(raw)))
    if form == "value":
        if not _scalar(raw):
            raise TemplateError(at, f"parameter {name!r}: value must be a number, text or a list")
        return Param(name, form, (plain(raw),))
    try:
        return Param(name, form, expr=compile_expression(raw, known))
    except ValueError as error:
        raise TemplateError(at, f"parameter {name!r}: {error}") from None


def parse_space(params: Any, constraints: Any, owner: Located) -> ParamSpace:
    """Read a template's `params:` and `constraints:` sections; every bad parameter and constraint is reported at
    once (one TemplateError listing each)."""
    if params is None:
        params = {}
    if not isinstance(params, dict):
        raise owner.error("params", "params must be a mapping of parameter name to its range, choices or value")
    problems = Problems()
    parsed: list[Param] = []
    declared: list[str] = []  # bad ones too: an expression naming a bad parameter is not a second error
    for name, spec in params.items():
        if not name.isidentifier():
            problems.found.append(TemplateError(params.where(name),
                                                f"parameter name {name!r} must be a Python-style identifier"))
            continue
        param = problems.attempt(partial(_parse_param, name, spec, params.where(name), tuple(declared)))
        declared.append(name)
        if param is not None:
            parsed.append(param)
    checks = problems.attempt(partial(_parse_constraints, constraints, owner, tuple(declared)))
    problems.raise_any()
    return ParamSpace(tuple(parsed), checks or ())


def _parse_constraints(constraints: Any, owner: Located, names: tuple[str, ...]) -> tuple[Constraint, ...]:
    """Each constraint is `{name: ..., check: EXPR}` or just `EXPR` (then the expression is its name)."""
    if constraints is None:
        return ()
    if not isinstance(constraints, LocatedList):
        raise owner.error("constraints", "constraints must be a list of {name: ..., check: ...} entries")
    problems = Problems()
    result = [problems.attempt(partial(_parse_constraint, item, constraints.where(index), names))
              for index, item in enumerate(constraints)]
    problems.raise_any()
    return tuple(constraint for constraint in result if constraint is not None)


def _parse_constraint(item: Any, where: str, names: tuple[str, ...]) -> Constraint:
    """One entry of `constraints:`."""
    if isinstance(item, Located):
        check_keys(item, ("check",), ("name",), "a constraint")
        name, text, where = str(item.get("name", item["check"])), item["check"], item.where("check")
    else:
        name, text = str(item), item
    try:
        return Constraint(name, compile_expression(text, names), where)
    except ValueError as error:
        raise TemplateError(where, f"constraint {name!r}: {error}") from None


def trivial_output(values: Any) -> str | None:
    """Why a by-hand answer could be guessed without working it out (see the rules below), else None."""
    # Trivial: 2 or more values, all 0 or all equal; or 4 or more values, more than half equal to the most common.
    flat = np.asarray(values, dtype=float).ravel()
    if flat.size < 2:
        return None
    top = int(np.unique(flat, return_counts=True)[1].max())
    if not flat.any():
        return "every value is 0"
    if top == flat.size:
        return "every value is the same"
    if flat.size >= MAJORITY_MIN_VALUES and 2 * top > flat.size:
        return "more than half the values are the same"
    return None


def require_varied(values: Any) -> None:
    """The constraint every by-hand answer meets: a ValueError (so the variant is drawn again) when it is trivial."""
    reason = trivial_output(values)
    if reason is not None:
        raise ValueError(f"the output is trivial: {reason}")
