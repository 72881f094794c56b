"""The frozen records that flow from templates to notebooks, keys and the grader; every field is JSON-able."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any

import jinja2

from generator.params import ParamSpace


@dataclass(frozen=True)
class Template:
    """One instructor-written question template, parsed and checked."""

    id: str
    kind: str
    title: str
    prompt: str
    space: ParamSpace
    points: float
    answer_format: str
    tolerance: float
    extra: Mapping[str, Any]  # the kind's own keys (options, layers, ...), as plain data
    where: str  # 'file:line' of the template, for errors found while sampling
    locations: Mapping[str, str]  # 'file:line' of each top-level key
    compiled_prompt: jinja2.Template = field(compare=False, repr=False)

    def with_points(self, points: float) -> Template:
        """The same template worth a different number of points (specs may override)."""
        return replace(self, points=points)


def answer_variable(qid: str) -> str:
    """The Python name a student assigns for a question: 'conv-out-size' -> 'answer_conv_out_size'."""
    return "answer_" + re.sub(r"\W", "_", qid).strip("_").lower()


@dataclass(frozen=True)
class Variant:
    """One student's instance of a question: what was drawn, the correct answer, and how it is graded."""

    qid: str
    kind: str
    seed: int
    params: dict[str, Any]
    answer: Any
    points: float
    title: str = ""
    prompt: str = ""
    answer_format: str = ""
    tolerance: float = 0.0
    variable: str = ""
    entry_point: str | None = None
    hidden_tests: dict[str, Any] | None = None

    def to_key(self) -> dict[str, Any]:
        """The answer-key entry (docs/CONTRACT.md): everything but the rendered prompt."""
        data = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "prompt"}  # values are plain JSON
        if self.entry_point is None:
            del data["entry_point"], data["hidden_tests"]
        return data

    @classmethod
    def from_key(cls, data: Mapping[str, Any]) -> Variant:
        """Rebuild a variant from its answer-key entry (what the grader does)."""
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})


@dataclass(frozen=True)
class Score:
    """The outcome of grading one answer: points, the maximum, one feedback line and per-part detail."""

    points: float
    max_points: float
    feedback: str
    parts: tuple[dict[str, Any], ...] = ()
