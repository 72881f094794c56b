"""Which template parameters a question uses, so that none is drawn and shown while the answer ignores it.

A parameter is used when its kind reads it (the kind's REQUIRED and OPTIONAL_PARAMS), a constraint checks it, the
kind's own keys refer to it (a `layers:` expression: the kind's `params_in_keys`), or a used parameter's `expr`
computes from it. One that only the prompt shows must be listed under the template's `display_only:`; anything else
would be a silent wrong key (a prompt's "groups G" or "dilation D" that the kind's answer never applies).
"""

from __future__ import annotations

from collections.abc import Iterable
from types import ModuleType

from generator.errors import TemplateError, suggest
from generator.model import Template
from generator.params import ParamSpace
from generator.render import undeclared
from generator.yamlio import Located, LocatedList

DISPLAY_ONLY = "display_only"
IT = "{it}"  # in a user's description, the parameter it uses: 'output_size reads {it}'


def kind_reads(kind: ModuleType) -> tuple[str, ...]:
    """Every parameter a kind reads by name: those it needs, then those it reads when a template defines them (a
    kind that reads none but its REQUIRED ones may leave OPTIONAL_PARAMS out)."""
    return (*kind.REQUIRED, *getattr(kind, "OPTIONAL_PARAMS", ()))


def _closed(space: ParamSpace, found: dict[str, str]) -> dict[str, str]:
    """Add the parameters the exprs of found ones compute from (what feeds a used parameter is used too)."""
    for param in reversed(space.params):  # an expr names only earlier parameters: one pass from the last is enough
        if param.name in found and param.expr is not None:
            for name in sorted(param.expr.names):
                found.setdefault(name, f"parameter {param.name!r} computes from {IT}, and "
                                       f"{found[param.name].replace(IT, repr(param.name))}")
    return found


def users(template: Template, kind: ModuleType) -> dict[str, str]:
    """Each parameter something other than the prompt uses -> what uses it, in words ('output_size reads {it}')."""
    found: dict[str, str] = {}

    def note(names: Iterable[str], user: str) -> None:
        for name in names:
            if name in template.space.names:
                found.setdefault(name, user)

    note(kind_reads(kind), f"{template.kind} reads {IT}")
    for constraint in template.space.constraints:
        note(sorted(constraint.check.names), f"constraint {constraint.name!r} checks {IT}")
    in_keys = getattr(kind, "params_in_keys", None)
    if in_keys is not None:
        note(sorted(in_keys(template)), f"the template's {', '.join(kind.EXTRA_KEYS)} refer to {IT}")
    return _closed(template.space, found)


def _shown(template: Template) -> set[str]:
    """The parameters the prompt shows, directly or through a shown parameter's expr."""
    return set(_closed(template.space, {name: "shown" for name in undeclared(template.prompt)}))


def _display_only(data: Located, names: tuple[str, ...]) -> tuple[dict[str, str], list[TemplateError]]:
    """The `display_only:` list as name -> 'file:line' of its entry, and an error for each bad entry."""
    listed = data.get(DISPLAY_ONLY)
    if listed is None:
        return {}, []
    if not isinstance(listed, LocatedList) or not all(isinstance(item, str) for item in listed):
        return {}, [data.error(DISPLAY_ONLY, f"{DISPLAY_ONLY} must be a list of parameter names, such as [D], "
                                             f"got {listed!r}")]
    found, errors = {}, []
    for index, name in enumerate(listed):
        if name in names:
            found.setdefault(name, listed.where(index))
        else:
            errors.append(TemplateError(listed.where(index), f"{DISPLAY_ONLY}: {name!r} is not a parameter"
                                                             f"{suggest(name, names)}; the parameters are "
                                                             f"{', '.join(names) or 'none'}"))
    return found, errors


def use_problems(template: Template, kind: ModuleType, data: Located) -> list[TemplateError]:
    """An error, at its line, for each parameter nothing but the prompt uses that `display_only:` does not list, and
    for each `display_only:` entry that is no parameter, is used after all, or that the prompt does not show."""
    used, shown = users(template, kind), _shown(template)
    display, errors = _display_only(data, template.space.names)
    params = data.get("params")
    reads = kind_reads(kind)
    read_text = f"{template.kind} reads {', '.join(reads)}" if reads else f"{template.kind} reads none by name"
    for name in template.space.names:
        where = params.where(name) if isinstance(params, Located) else data.where("params")
        if name in display and name in used:
            user = used[name].replace(IT, "it")
            errors.append(TemplateError(display[name], f"{DISPLAY_ONLY}: parameter {name!r} is not display-only: "
                                                       f"{user}; remove it from {DISPLAY_ONLY}"))
        elif name in display and name not in shown:
            errors.append(TemplateError(display[name], f"{DISPLAY_ONLY}: parameter {name!r} is not shown by the "
                                                       f"prompt either: show it with {{{{ {name} }}}} or remove it"))
        elif name not in used and name not in display:
            close = suggest(name, reads)
            errors.append(TemplateError(where, (
                f"parameter {name!r} is not used by {template.kind}{close}: the answer ignores it ({read_text}); "
                f"if only the prompt shows it, list it under {DISPLAY_ONLY}") if name in shown else (
                f"parameter {name!r} is used by nothing{close}: neither {template.kind} nor the prompt reads it "
                f"({read_text}); remove it")))
    return errors
