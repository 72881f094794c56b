"""One variant of a template, or a whole spec as one student sees it, as Markdown: what an author checks by eye."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from generator.kinds import KINDS
from generator.model import Template, Variant
from generator.params import Param
from generator.render import number
from generator.spec import parse_spec
from generator.templates import is_template, parse_template
from generator.yamlio import load_yaml

SHORT_VALUE = 60  # characters of a parameter's value shown whole; a longer one is named by its size


def preview_markdown(template: Template, seed: int, number_: int, answers: bool, params: bool = False) -> str:
    """One question: heading, prompt, (optionally) the drawn parameters, and (optionally) the worked solution."""
    kind = KINDS[template.kind]
    variant = kind.generate(template, seed)
    parts = [f"## Question {number_}: {variant.title} ({number(variant.points)} points)", "", kind.render(variant)]
    source = kind.answer_stub(variant)
    parts += ["", "```python", source.rstrip(), "```"]
    if params:
        parts += ["", parameters_markdown(template, variant)]
    if answers:
        parts += ["", "### Worked solution", "", kind.explain(variant), "", "```python",
                  kind.solution_source(variant).rstrip(), "```"]
    return "\n".join(parts)


def parameters_markdown(template: Template, variant: Variant) -> str:
    """The variant's parameters, each beside how the template draws it, then what the kind adds for the prompt: what
    an author checks a prompt and an answer against."""
    declared = template.space.params
    lines = ["### Parameters", ""]
    lines += [f"- `{param.name}` = `{_short(variant.params[param.name])}` ({_drawn_from(param)})"
              for param in declared if param.name in variant.params]
    added = [name for name in variant.params if name not in template.space.names]
    if added:
        lines += ["", "Added by the kind, for the prompt: " +
                  ", ".join(f"`{name}` = `{_short(variant.params[name])}`" for name in added)]
    return "\n".join(lines)


def _drawn_from(param: Param) -> str:
    """How a parameter is drawn, as the template writes it: 'range [16, 128]', 'choices [1, 2, 3]', 'expr `H`'."""
    if param.form == "range":
        low, high, step = param.values
        return f"range [{low}, {high}]" if step == 1 else f"range [{low}, {high}, {step}]"
    if param.form == "choices":
        return f"choices {_short(list(param.values))}"
    return f"expr `{param.expr.text}`" if param.expr is not None else "fixed"


def _short(value: Any) -> str:
    """A value as compact JSON, or a long one by its size ('a list of 5 rows', 'text of 300 characters')."""
    text = json.dumps(value, default=str)
    if len(text) <= SHORT_VALUE:
        return text
    if isinstance(value, list):
        return f"a list of {len(value)}{' rows' if all(isinstance(row, list) for row in value) else ''}"
    if isinstance(value, dict):
        return f"a mapping of {len(value)} entries"
    return f"text of {len(str(value))} characters"


def preview_path(path: Path, seed: int, answers: bool, params: bool = False) -> str:
    """A template shows one question; a spec shows the whole assignment as one student with this seed sees it."""
    if seed < 0:
        raise ValueError(f"--seed must be >= 0, got {seed}")
    data = load_yaml(path)
    if is_template(data):
        return preview_markdown(parse_template(data), seed, 1, answers, params)
    spec = parse_spec(data, path.parent)
    questions = spec.questions_for(np.random.default_rng(seed))
    return "\n".join([f"# {spec.title}\n\n{spec.instructions}\n",
                      *(preview_markdown(template, seed, index, answers, params) + "\n"
                        for index, template in enumerate(questions, start=1))])
