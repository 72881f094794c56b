"""Shapes and parameters through a stack of conv, pool and dense layers, filled in as a LeNet-5-style table."""

from __future__ import annotations

from typing import Any

import numpy as np

from generator.kinds._common import (explain_answer, grade, model_submission, near_miss, render,
                                     sample_variant, solution_source)
from generator.kinds._layers import build_layers, check_layers
from generator.model import Template, Variant
from solutions.shapes import layer_table

FORMATS = ("table",)
REQUIRED = ("input_shape",)
EXTRA_KEYS = {"layers": True}
__all__ = ["grade", "model_submission", "near_miss", "render", "solution_source"]


def check_template(template: Template) -> None:
    """The layers must be readable before any sampling."""
    check_layers(template)


def _compute(template: Template, params: dict[str, Any], rng: np.random.Generator) -> tuple[dict[str, Any], Any]:
    """Walk the stack with solutions.shapes.layer_table; a stack that does not fit its input raises ValueError."""
    table = layer_table(params["input_shape"], build_layers(template, params))
    rows = [{"name": r.name, "description": r.description} for r in table.rows]
    stack = "\n".join(["| layer | description | output shape | parameters |", "|---|---|---|---|"] +
                      [f"| {r['name']} | {r['description']} | ? | ? |" for r in rows])
    answer = {"rows": [[list(r.output_shape), r.params.total] for r in table.rows], "total": table.total_params}
    return {**params, "rows": rows, "stack": stack}, answer


def generate(template: Template, seed: int) -> Variant:
    """A stack with sampled sizes."""
    return sample_variant(template, seed, _compute)


def answer_stub(variant: Variant) -> str:
    """One (output shape, parameters) pair per layer, labelled in a comment, and the total."""
    lines = [f"{variant.variable} = {{", '    "rows": [']
    for row in variant.params["rows"]:
        lines.append(f"        (None, None),  # {row['name']}: {row['description']} -> (output shape, parameters)")
    lines += ["    ],", '    "total": None,', "}"]
    return "\n".join(lines)


def explain(variant: Variant) -> str:
    """The filled-in table."""
    lines = ["| layer | description | output shape | parameters |", "|---|---|---|---:|",
             f"| input | | {' × '.join(map(str, variant.params['input_shape']))} | |"]
    for row, (shape, count) in zip(variant.params["rows"], variant.answer["rows"]):
        lines.append(f"| {row['name']} | {row['description']} | {' × '.join(map(str, shape))} | {count:,} |")
    lines.append(f"| **total** | | | **{variant.answer['total']:,}** |")
    return ("Conv: $\\lfloor (W - K + 2P)/S \\rfloor + 1$ per side, $F (K^2 C_{in} + 1)$ parameters. Pooling: same "
            "size rule, no parameters. Dense: $n m + m$.\n\n" + "\n".join(lines) + "\n\n" + explain_answer(variant))
