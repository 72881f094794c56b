"""One variant of a template, or a whole spec as one student sees it, as Markdown: what an author checks by eye."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from generator.kinds import KINDS
from generator.model import Template
from generator.render import number
from generator.spec import parse_spec
from generator.templates import is_template, parse_template
from generator.yamlio import load_yaml


def preview_markdown(template: Template, seed: int, number_: int, answers: bool) -> str:
    """One question: heading, prompt, and (optionally) the worked solution."""
    kind = KINDS[template.kind]
    variant = kind.generate(template, seed)
    parts = [f"## Question {number_}: {variant.title} ({number(variant.points)} points)", "", kind.render(variant)]
    source = kind.answer_stub(variant)
    parts += ["", "```python", source.rstrip(), "```"]
    if answers:
        parts += ["", "### Worked solution", "", kind.explain(variant), "", "```python",
                  kind.solution_source(variant).rstrip(), "```"]
    return "\n".join(parts)


def preview_path(path: Path, seed: int, answers: bool) -> str:
    """A template shows one question; a spec shows the whole assignment as one student with this seed sees it."""
    if seed < 0:
        raise ValueError(f"--seed must be >= 0, got {seed}")
    data = load_yaml(path)
    if is_template(data):
        return preview_markdown(parse_template(data), seed, 1, answers)
    spec = parse_spec(data, path.parent)
    questions = spec.questions_for(np.random.default_rng(seed))
    return "\n".join([f"# {spec.title}\n\n{spec.instructions}\n",
                      *(preview_markdown(template, seed, index, answers) + "\n"
                        for index, template in enumerate(questions, start=1))])
