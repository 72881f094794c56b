"""Parameter table of a dense network (MLP): weights and biases per layer, and the total.

The lecture's 784-512-512-10 network has 669,706 parameters.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from generator.grading.read import rules_for, to_plain
from generator.grading.score import grade_answer
from generator.kinds._common import (answer_stub, explain_answer, model_submission, near_miss,
                                     no_checks as check_template, render, sample_variant, solution_source)
from generator.kinds._mistakes import BIASES_FORGOTTEN, mistake
from generator.model import Score, Template, Variant
from solutions.shapes import dense_params

FORMATS = ("table", "number")
REQUIRED = ("sizes",)
OPTIONAL_PARAMS: tuple[str, ...] = ()  # read when the template has them
EXTRA_KEYS: dict[str, bool] = {}
ASKS = ("parameter count",)  # generator/media.py: code on the same paper omits its formula
__all__ = ["answer_stub", "check_template", "model_submission", "near_miss", "render", "solution_source"]


def _compute(template: Template, params: dict[str, Any], rng: np.random.Generator) -> tuple[dict[str, Any], Any]:
    """Count each dense layer's weights (in x out) and biases (out) with solutions.shapes.dense_params."""
    sizes = params["sizes"]
    if not isinstance(sizes, list) or len(sizes) < 2 or not all(type(s) is int and s > 0 for s in sizes):
        raise ValueError(f"sizes must list at least two positive layer widths, got {sizes!r}")
    counts = [dense_params(a, b) for a, b in zip(sizes, sizes[1:])]
    table = {"weights": [c.weights for c in counts], "biases": [c.biases for c in counts],
             "total": sum(c.total for c in counts)}
    return {**params, "n_layers": len(counts)}, table if template.answer_format == "table" else table["total"]


def generate(template: Template, seed: int) -> Variant:
    """A network of sampled widths."""
    return sample_variant(template, seed, _compute)


def grade(variant: Variant, submitted: Any) -> Score:
    """The answer rules; the table may also come as rows per layer and the total: ([(weights, biases), ...], total)."""
    return grade_answer(variant, _per_layer(variant, to_plain(submitted)), rules_for(variant))


def _per_layer(variant: Variant, value: Any) -> Any:
    """([(w1, b1), (w2, b2), ...], total) -> {"weights": [w1, w2, ...], "biases": [b1, b2, ...], "total": total}."""
    if not isinstance(variant.answer, dict) or not isinstance(value, list) or len(value) != 2:
        return value
    rows, total = value
    if not isinstance(rows, list) or len(rows) != variant.params["n_layers"] or \
            not all(isinstance(row, list) and len(row) == 2 for row in rows):
        return value
    return {"weights": [row[0] for row in rows], "biases": [row[1] for row in rows], "total": total}


def explain(variant: Variant) -> str:
    """One row per layer: in x out weights, out biases."""
    sizes = variant.params["sizes"]
    rows = ["| layer | weights | biases | parameters |", "|---|---:|---:|---:|"]
    total = 0
    for index, (a, b) in enumerate(zip(sizes, sizes[1:]), start=1):
        count = dense_params(a, b)
        total += count.total
        rows.append(f"| {a} → {b} | {a} × {b} = {count.weights:,} | {count.biases:,} | {count.total:,} |")
    rows.append(f"| **total** | | | **{total:,}** |")
    return "A dense layer from $n$ to $m$ units has $n m$ weights and $m$ biases.\n\n" + "\n".join(rows) + \
        "\n\n" + explain_answer(variant)


def _biases_forgotten(variant: Variant) -> Any:
    """Weights only: the table's biases 0 and the total the weights' sum."""
    sizes = variant.params["sizes"]
    weights = [dense_params(a, b).weights for a, b in zip(sizes, sizes[1:])]
    if not isinstance(variant.answer, dict):
        return sum(weights)
    return {"weights": weights, "biases": [0] * len(weights), "total": sum(weights)}


def _output_layer_missed(variant: Variant) -> int | None:
    """The total without the last hidden layer's connections to the outputs (a table names every layer: not there)."""
    if isinstance(variant.answer, dict):
        return None
    sizes = variant.params["sizes"]
    return variant.answer - dense_params(sizes[-2], sizes[-1]).total


MISCONCEPTIONS = (
    mistake("biases forgotten", BIASES_FORGOTTEN, _biases_forgotten),
    mistake("one layer missed", "A network of n layer widths has n − 1 layers of weights, one between each pair of "
            "neighbours, the output layer included: the lecture's 784-512-512-10 counts 512 × 10 + 10 = 5,130 "
            "for its last layer.", _output_layer_missed),
)
