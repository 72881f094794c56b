"""The frozen records that flow from templates to notebooks, keys and the grader; every field is JSON-able."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, NamedTuple

import jinja2

from generator.params import ParamSpace
from generator.calls import Call

SETUP_SOURCE = "import numpy as np"  # the notebook's setup cell, which every answer and code cell may rely on


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
    locations: Mapping[str, str]  # 'file:line' of each top-level key, and of each entry of a kind's list ('layers[0]')
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
    show_answers: bool = True  # the spec's `feedback: {answers: ...}`: whether feedback shows the expected values
    # On paper, where the answer's shape is asked: its boxes' grid, the same for every variant of the template so
    # that it gives no shape away (generator/paper/grids.py): '' (the whole answer) or a dict key -> [length] or
    # [rows, columns]. None (notebooks, LMS): boxes as the answer's own shape.
    answer_grid: dict[str, list[int]] | None = None

    def to_key(self) -> dict[str, Any]:
        """The answer-key entry (docs/CONTRACT.md): everything but the rendered prompt."""
        data = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "prompt"}  # values are plain JSON
        for name in ("entry_point", "hidden_tests", "answer_grid"):  # absent unless the question has one
            if data[name] is None:
                del data[name]
        if self.show_answers:  # the default: keys written before the setting existed read the same
            del data["show_answers"]
        return data

    @classmethod
    def from_key(cls, data: Mapping[str, Any]) -> Variant:
        """Rebuild a variant from its answer-key entry (what the grader does)."""
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})


@dataclass(frozen=True)
class Misconception:
    """A typical mistake, named and explained in the lecture's terms, with the answer it gives for a variant.

    Per-student variants make it possible to recompute a wrong answer under each typical mistake with the student's
    own numbers: a kind declares its misconceptions (MISCONCEPTIONS), the grader recognises them (docs/GRADING.md).
    """

    name: str  # a few words, shown as the mistake's title: "biases forgotten"
    explanation: str  # one or two sentences in the lecture's terms: why it is wrong and what the rule is
    answer: Callable[[Variant], Any]  # the answer this mistake produces, in the key's structure; None: not here


class Part(NamedTuple):
    """One scored part of a question: what it is, the points earned and the points it is worth."""

    label: str
    points: float
    max_points: float


@dataclass(frozen=True)
class Score:
    """The one score record, from a kind's grade to results.json: points, the maximum, feedback and the parts."""

    qid: str
    points: float
    max_points: float
    feedback: str
    parts: tuple[Part, ...] = ()
    misconceptions: tuple[str, ...] = ()  # names of the kind's misconceptions this answer showed (for the report)

    def to_json(self) -> dict[str, Any]:
        """Plain dict for results files (misconceptions only when some were recognised)."""
        data = {"qid": self.qid, "points": self.points, "max_points": self.max_points, "feedback": self.feedback,
                "parts": [list(p) for p in self.parts]}
        if self.misconceptions:
            data["misconceptions"] = list(self.misconceptions)
        return data

    @staticmethod
    def from_json(data: Mapping[str, Any]) -> Score:
        """Inverse of to_json."""
        parts = tuple(Part(str(a), float(b), float(c)) for a, b, c in data.get("parts", ()))
        return Score(str(data["qid"]), float(data["points"]), float(data["max_points"]), str(data["feedback"]), parts,
                     tuple(str(name) for name in data.get("misconceptions", ())))


def shared_parts(variant: Variant, earned: Sequence[tuple[str, float]]) -> tuple[Part, ...]:
    """Parts that share the question's points equally, from (label, points earned) pairs."""
    share = round(variant.points / len(earned), 6) if earned else 0.0
    return tuple(Part(label, points, share) for label, points in earned)


@dataclass(frozen=True)
class Attachment:
    """A file submitted beside a notebook (LeNet-5 weights); over the cap its bytes are never read (data empty)."""

    label: str  # e.g. "class.zip:alice_1234_5679_lenet5.pt", shown in every message about this file
    name: str  # the base name, hashed into the submission's digest (as the notebook's name is)
    size: int
    data: bytes = field(repr=False)


@dataclass(frozen=True)
class Context:
    """What grading may consult beyond the key: data sets, the committed bars and the device class that trains."""

    data: str | None = None  # data roots for training checks (None: $CNNLAB_DATA, then /usr/share/datasets)
    bars: Path | None = None  # the LeNet-5 bars file (None: the committed solutions/benchmarks file)
    device: str | None = None  # "cpu" or "cuda" (None: cuda when this machine has it)
    torch_reference: bool = True  # code results checked against solutions.torch_ref too, not only the NumPy one

    def device_class(self) -> str:
        """'cuda' or 'cpu'."""
        if self.device is not None:
            return self.device
        import torch  # only a training check asks, and only then is torch worth importing

        return "cuda" if torch.cuda.is_available() else "cpu"


# The in-process self-tests (`cnnlab validate`) check the scoring, not torch: the CPU bar and the NumPy references
# only, so they never import torch. The worked solutions meet torch in the sandbox check and in the test suite.
SELF_TEST_CONTEXT = Context(device="cpu", torch_reference=False)


@dataclass(frozen=True)
class Request:
    """What one question asks the sandbox for (docs/CONTRACT.md); names are the question's own, without its qid."""

    variables: tuple[str, ...] = ()  # answer variables to read back
    calls: tuple[Call, ...] = ()  # calls on the student's names after the question's cell (hidden inputs, probes)
    files: Mapping[str, bytes] = field(default_factory=dict)  # read-only job files (a harness's source, data)
    attachments: tuple[str, ...] = ()  # suffixes of submitted files the question reads (".pt"), in this process


@dataclass(frozen=True)
class Returned:
    """What came back for one question, as plain data: values and problems by the question's own names."""

    values: Mapping[str, Any]
    problems: Mapping[str, str]
    attachments: tuple[Attachment, ...] = ()  # the submitted files the question asked for

    def get(self, name: str) -> tuple[Any, str | None]:
        """(value, None), or (None, why there is none)."""
        if name in self.values:
            return self.values[name], None
        return None, self.problems.get(name, "not defined")
