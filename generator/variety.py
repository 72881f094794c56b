"""Variety an instructor can see (`cnnlab validate --variety`): per template, how many distinct answers a class of
STUDENTS gets, how often each drawn parameter value comes up, and a warning where thrown-away draws skew a parameter.

The students are made up (ids s2025001, s2025002, ... as in the bundled roster) and seeded exactly as `cnnlab
generate` seeds them (generator/seeds.py: HMAC of a secret, the spec id, the student id and the question id), under
a fixed measuring secret, so the figures are those of a real class of that size and the same on every run.

A parameter drawn from a `range` or `choices` would, without constraints, give each value its fair share of the
draws: the class size times the value's share of the declared values. A draw that breaks a constraint (or that the
kind refuses, e.g. a trivial output) is thrown away and drawn again, which favours the values that pass. A value
drawn more than SKEW_FACTOR times its fair share, by more than chance explains (SKEW_SIGMAS standard deviations),
is reported; a wide range is judged by slices of the range (at most WIDE_VALUES of them), since one value's share
of 300 draws is too small to judge.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from generator.kinds import KINDS
from generator.model import Template, Variant
from generator.params import Param
from generator.render import plural
from generator.seeds import question_seed
from generator.templates import MIN_DISTINCT_ANSWERS, STUDENTS, variety_note
from generator.validate import templates_at
from generator.yamlio import Located, load_yaml

MEASURING_SECRET = b"cnnlab validate --variety: a made-up class"  # never a course's: only the figures come out
MEASURING_SPEC = "variety"
SKEW_FACTOR = 2.0  # a value drawn more than this many times its fair share is skewed ...
SKEW_SIGMAS = 4.0  # ... when chance alone would not give that many (binomial standard deviations above the share)
WIDE_VALUES = 12  # a parameter with more declared values than this is summarised, and judged by slices of its range
LABEL_CHARACTERS = 24  # a longer value (text, a list) is cut short in the report


def student_ids(count: int = STUDENTS) -> list[str]:
    """The made-up class: the bundled roster's id pattern."""
    return [f"s{2025001 + index}" for index in range(count)]


def class_variants(template: Template, students: Sequence[str], secret: bytes = MEASURING_SECRET,
                   spec_id: str = MEASURING_SPEC) -> list[Variant]:
    """Every student's variant of the template, seeded as `cnnlab generate` seeds it."""
    kind = KINDS[template.kind]
    return [kind.generate(template, question_seed(secret, spec_id, student, template.id)) for student in students]


def distinct_answers(variants: Iterable[Variant]) -> int:
    """How many different answers (as the key holds them) the variants have."""
    return len({_key(variant.answer) for variant in variants})


@dataclass(frozen=True)
class Group:
    """One value of a drawn parameter, or a slice of a wide range, and the share of draws it would get unskewed."""

    label: str
    keys: frozenset[str]  # the values it holds, as _key writes them
    share: float


@dataclass(frozen=True)
class Skew:
    """A value (or slice) drawn far more often than its fair share."""

    param: str
    where: str
    label: str
    drawn: int
    fair: float


@dataclass(frozen=True)
class ParamDraws:
    """How often each declared value of one drawn parameter came up in the class."""

    param: Param
    where: str  # 'file:line' of the parameter
    counts: Counter[str]  # value (as _key writes it) -> times drawn

    @property
    def total(self) -> int:
        """Draws counted (one per student)."""
        return sum(self.counts.values())

    def groups(self) -> list[Group]:
        """The declared values, or for a wide range its slices, each with its fair share of the draws."""
        values = declared_values(self.param)
        shares = Counter(_key(value) for value in values)
        if self.param.form == "range" and len(values) > WIDE_VALUES:
            size = math.ceil(len(values) / WIDE_VALUES)
            return [Group(f"{part[0]} to {part[-1]}", frozenset(map(_key, part)), len(part) / len(values))
                    for part in (values[start:start + size] for start in range(0, len(values), size))]
        labels = {_key(value): _label(value) for value in values}
        return [Group(labels[key], frozenset([key]), count / len(values)) for key, count in shares.items()]

    def skews(self) -> list[Skew]:
        """The groups drawn more than SKEW_FACTOR times their fair share, by more than chance explains."""
        found = []
        for group in self.groups():
            drawn, fair = sum(self.counts[key] for key in group.keys), group.share * self.total
            spread = math.sqrt(fair * (1 - group.share))
            if drawn > SKEW_FACTOR * fair and drawn > fair + SKEW_SIGMAS * spread:
                found.append(Skew(self.param.name, self.where, group.label, drawn, fair))
        return found

    def summary(self) -> str:
        """'S: 1 ×212, 2 ×61, 3 ×27'; a wide range 'H: 16 to 128 (113 values, 106 drawn): drawn 16 to 127, most
        drawn 40 ×9'; many choices 'name: 20 choices, 18 drawn, most drawn relu ×31'."""
        values = declared_values(self.param)
        name = self.param.name
        if len(values) <= WIDE_VALUES:
            labels = {_key(value): _label(value) for value in values}
            return f"{name}: " + ", ".join(f"{labels[key]} ×{self.counts[key]}" for key in labels)
        drawn = [value for value in values if self.counts[_key(value)]]
        top = max(values, key=lambda value: self.counts[_key(value)])  # the first of the most drawn, in order
        most = f"most drawn {_label(top)} ×{self.counts[_key(top)]}"
        if self.param.form != "range":
            return f"{name}: {len(values)} choices, {len(drawn)} drawn, {most}"
        extent = f"drawn {_label(drawn[0])} to {_label(drawn[-1])}, " if drawn else ""
        span = f"{_label(values[0])} to {_label(values[-1])} ({len(values)} values, {len(drawn)} drawn)"
        return f"{name}: {span}: {extent}{most}"


@dataclass(frozen=True)
class Variety:
    """One template measured over the class."""

    template: Template
    students: int
    distinct: int
    note: str | None  # the template's `variety:` statement
    draws: tuple[ParamDraws, ...]

    def warnings(self) -> list[str]:
        """Too few distinct answers without a `variety:` note, a note that the count belies, and each skew."""
        found = []
        if self.distinct < MIN_DISTINCT_ANSWERS and self.note is None:
            found.append(f"{self.template.where}: warning: {self.template.id}: {self.distinct} distinct answers over "
                         f"{self.students} students, fewer than {MIN_DISTINCT_ANSWERS}: widen the parameters' ranges, "
                         "or say why it cannot in `variety:`")
        if self.distinct >= MIN_DISTINCT_ANSWERS and self.note is not None:
            found.append(f"{self.template.where}: warning: {self.template.id}: {self.distinct} distinct answers over "
                         f"{self.students} students, yet its `variety:` note says it cannot have "
                         f"{MIN_DISTINCT_ANSWERS}: remove the note")
        for skew in (skew for draws in self.draws for skew in draws.skews()):
            found.append(f"{skew.where}: warning: {self.template.id}: {skew.param} = {skew.label} is drawn for "
                         f"{skew.drawn} of {self.students} students, over {SKEW_FACTOR:g} times its fair share "
                         f"({skew.fair:.0f}): draws thrown away by the constraints (or refused by the kind) favour "
                         f"it; for an exact output size, draw the output and compute the input "
                         "(docs/TEMPLATES.md, Variety)")
        return found

    def report(self) -> list[str]:
        """The template's lines: the count (with its note), then one line per drawn parameter."""
        note = f" (variety: {self.note})" if self.note else ""
        return [f"{self.template.id} ({self.template.kind}): {plural(self.distinct, 'distinct answer')} over "
                f"{self.students} students{note}", *(f"  {draws.summary()}" for draws in self.draws)]


def declared_values(param: Param) -> list[Any]:
    """Every value a `range` or `choices` parameter can draw, in order, a choice listed twice listed twice."""
    if param.form == "range":
        low, high, step = param.values
        return list(range(low, high + 1, step))
    return list(param.values) if param.form == "choices" else []


def measure(template: Template, students: Sequence[str], note: str | None = None,
            where: dict[str, str] | None = None, secret: bytes = MEASURING_SECRET,
            spec_id: str = MEASURING_SPEC) -> Variety:
    """Draw the class's variants once: distinct answers, and the draws of every `range` and `choices` parameter
    (`where` maps a parameter to its 'file:line'; the template's own line where it is not given)."""
    variants = class_variants(template, students, secret, spec_id)
    draws = tuple(
        ParamDraws(param, (where or {}).get(param.name, template.where),
                   Counter(_key(variant.params[param.name]) for variant in variants if param.name in variant.params))
        for param in template.space.params if param.form in ("range", "choices"))
    return Variety(template, len(students), distinct_answers(variants), note, draws)


def measure_path(path: Path, students: int = STUDENTS) -> list[Variety]:
    """Every template a file or folder holds or (a spec) uses, each once, measured over a class of `students`."""
    ids = student_ids(students)
    found = []
    for template in templates_at(path):
        source = Path(template.where.rpartition(":")[0])
        found.append(measure(template, ids, variety_note(source), _param_lines(source)))
    return found


def variety_report(varieties: Sequence[Variety]) -> tuple[list[str], list[str]]:
    """The report's lines (a heading, a blank line before each template) and every warning, in template order."""
    students = varieties[0].students if varieties else STUDENTS
    lines = [f"variety over {students} made-up students, seeded as `cnnlab generate` seeds them (at least "
             f"{MIN_DISTINCT_ANSWERS} distinct answers, or a `variety:` note saying why); then per drawn parameter, "
             "each value ×the students who drew it:"]
    warnings: list[str] = []
    for variety in varieties:
        lines += ["", *variety.report()]
        warnings += variety.warnings()
    return lines, warnings


def _param_lines(path: Path) -> dict[str, str]:
    """'file:line' of each parameter of a template file."""
    params = load_yaml(path).get("params")
    return {name: params.where(name) for name in params} if isinstance(params, Located) else {}


def _key(value: Any) -> str:
    """A drawn value as a comparable key (lists and numbers alike)."""
    return json.dumps(value, sort_keys=True)


def _label(value: Any) -> str:
    """A value as the report prints it: numbers and text bare, lists compact, anything long cut short."""
    text = value if isinstance(value, str) else json.dumps(value)
    return text if len(text) <= LABEL_CHARACTERS else text[:LABEL_CHARACTERS - 1] + "…"
