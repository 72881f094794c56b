"""`cnnlab preview SPEC_OR_TEMPLATE --seed N`: print one variant as Markdown, with its answer."""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from generator.kinds import KINDS
from generator.model import Template
from generator.render import number
from generator.spec import parse_spec
from generator.templates import is_template, parse_template
from generator.yamlio import load_yaml

HELP = "print one variant of a template (or of a whole spec) as Markdown"


def configure(parser: argparse.ArgumentParser) -> None:
    """Arguments of `cnnlab preview`."""
    parser.add_argument("path", type=Path, help="a template or spec YAML file")
    parser.add_argument("--seed", type=int, default=0, help="which variant (default 0)")
    parser.add_argument("--no-answers", dest="answers", action="store_false", help="leave out the worked solutions")


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


def main(*, path: Path, seed: int, answers: bool) -> int:
    """A template shows one question; a spec shows the whole assignment as one student with this seed sees it."""
    if seed < 0:
        raise ValueError(f"--seed must be >= 0, got {seed}")
    data = load_yaml(path)
    if is_template(data):
        print(preview_markdown(parse_template(data), seed, 1, answers))
        return 0
    spec = parse_spec(data, path.parent)
    print(f"# {spec.title}\n\n{spec.instructions}\n")
    for index, template in enumerate(spec.questions_for(np.random.default_rng(seed)), start=1):
        print(preview_markdown(template, seed, index, answers) + "\n")
    return 0
