"""Memory of the activations a forward pass of a batch keeps, in float32, in the unit the template names.

Every conv, pooling and dense layer's output counts (training keeps them for the backward pass); flatten is a view
of its input and takes no memory of its own; the input batch counts only where the template's `include_input`
says so (solutions/cost.py's activation_bytes). The prompt states it, and what its unit is: MB (10^6 bytes) and
MiB (2^20 bytes) are both in use, so the question says which.
"""

from __future__ import annotations

from math import prod
from typing import Any

import numpy as np

from generator.kinds._common import (answer_stub, explain_answer, extra_error, grade, model_submission, near_miss,
                                     sample_variant, solution_source)
from generator.kinds._cost import BATCH_FORGOTTEN, check_flag, check_network, draw_network, variant_network
from generator.kinds._layers import layer_names as params_in_keys
from generator.kinds._mistakes import mistake
from generator.kinds.dense_vs_conv import latex_int
from generator.model import Template, Variant
from generator.render import shape as latex_shape
from solutions.cost import FLOAT32_BYTES, activation_bytes
from solutions.shapes import Flatten

FORMATS = ("numbers",)
REQUIRED = ("input_shape", "batch")
OPTIONAL_PARAMS: tuple[str, ...] = ()
EXTRA_KEYS = {"layers": True, "unit": True, "include_input": False}
ASKS = ("activation memory",)  # generator/media.py
UNITS = {"bytes": 1, "KB": 10**3, "KiB": 2**10, "MB": 10**6, "MiB": 2**20}
UNIT_TEXT = {"KB": "1 KB = 1,000", "KiB": "1 KiB = $2^{10}$ = 1,024", "MB": "1 MB = $10^6$ = 1,000,000",
             "MiB": "1 MiB = $2^{20}$ = 1,048,576"}  # the units outside math: they are words, not variables
CONFUSED = {"KB": "KiB", "KiB": "KB", "MB": "MiB", "MiB": "MB"}  # the unit a decimal/binary mix-up uses instead
DIGITS = 6  # a fractional memory is kept to 6 decimals in the key; the template's tolerance says what is asked
__all__ = ["answer_stub", "grade", "model_submission", "near_miss", "params_in_keys", "solution_source"]


def check_template(template: Template) -> None:
    """Layers solutions/cost.py walks, a known unit, and a tolerance wherever the memory is a fraction."""
    check_network(template)
    check_flag(template, "include_input")
    unit = template.extra.get("unit")
    if unit not in UNITS:
        raise extra_error(template, "unit", f"must be one of {', '.join(UNITS)}, got {unit!r}")
    if unit != "bytes" and template.tolerance <= 0:
        raise extra_error(template, "unit", f"a memory in {unit} is a fraction: give the template a tolerance "
                          "(e.g. answer: {tolerance: 0.01}) and ask for that many decimal places")


def memory_key(unit: str) -> str:
    """The answer's entry for the memory, named with its unit so that its box says it: 'memory_MiB'."""
    return f"memory_{unit}"


def _in_unit(size: int, unit: str) -> int | float:
    """Bytes in the unit: whole bytes as they are, else a fraction kept to DIGITS decimals."""
    return size if unit == "bytes" else round(size / UNITS[unit], DIGITS)


def _answer(values: int, unit: str) -> dict[str, int | float]:
    """The float32 values stored for the batch, and their memory in the unit."""
    return {"values": values, memory_key(unit): _in_unit(values * FLOAT32_BYTES, unit)}


def _compute(template: Template, params: dict[str, Any], rng: np.random.Generator) -> tuple[dict[str, Any], Any]:
    """Walk the stack (a draw it does not fit is thrown away); solutions/cost.py gives the bytes."""
    network = draw_network(template, params)
    include_input = check_flag(template, "include_input")
    size = activation_bytes(params["input_shape"], network.layers, params["batch"], include_input=include_input)
    drawn = {**params, "layers": network.data, "stack": network.stack, "unit": template.extra["unit"],
             "include_input": include_input}
    return drawn, _answer(size // FLOAT32_BYTES, drawn["unit"])


def generate(template: Template, seed: int) -> Variant:
    """A network and batch of sampled sizes."""
    return sample_variant(template, seed, _compute)


def convention(drawn: dict[str, Any]) -> str:
    """What counts and how big the unit is, stated in every medium so that the question has one right answer."""
    inputs = "the input batch counts too" if drawn["include_input"] else "the input batch itself is not counted"
    unit = drawn["unit"]
    size = "" if unit == "bytes" else f"; {UNIT_TEXT[unit]} bytes"
    return (f"*Conventions: count the output of every conv, pooling and dense layer for the whole batch; flatten only "
            f"reshapes, it takes no memory of its own; {inputs}. Each value is a float32 of 4 bytes{size}.*")


def render(variant: Variant) -> str:
    """The prompt and the conventions."""
    return f"{variant.prompt}\n\n{convention(variant.params)}"


def explain(variant: Variant) -> str:
    """Each counted output's values per example, summed, times the batch, times 4 bytes, in the unit."""
    drawn = variant.params
    layers, table = variant_network(drawn)
    lines, counted = ["Values per example, one per element of each output that counts:", ""], []
    if drawn["include_input"]:
        counted.append(prod(table.input_shape))
        lines.append(f"- input: ${latex_shape(table.input_shape)} = {latex_int(counted[-1])}$")
    for row, layer in zip(table.rows, layers):
        if isinstance(layer, Flatten):
            lines.append(f"- {row.name}: a view of the same values, none of its own")
            continue
        counted.append(prod(row.output_shape))
        sized = f"{latex_shape(row.output_shape)} = " if len(row.output_shape) > 1 else ""
        lines.append(f"- {row.name}: ${sized}{latex_int(counted[-1])}$")
    batch, values, unit = drawn["batch"], variant.answer["values"], drawn["unit"]
    size = values * FLOAT32_BYTES
    lines += ["", f"For the batch: ${batch} \\cdot ({' + '.join(latex_int(c) for c in counted)}) = "
              f"{latex_int(values)}$ values, ${latex_int(values)} \\cdot 4 = {latex_int(size)}$ bytes"]
    if unit != "bytes":
        lines[-1] += (f" $= {latex_int(size)} / {latex_int(UNITS[unit])} \\approx "
                      f"{variant.answer[memory_key(unit)]:.4f}$ {unit}")
    return "\n".join([*lines, "", explain_answer(variant)])


# ---- misconceptions: the answer a mistake gives, with the variant's own numbers -----------------------------------

def _counted_as(variant: Variant, values: int, *, bytes_per_value: int = FLOAT32_BYTES,
                unit: str | None = None) -> dict[str, int | float]:
    """The answer's structure with a mistake's value count, bytes per value or unit."""
    own = variant.params["unit"]
    size = values * bytes_per_value
    return {"values": values, memory_key(own): _in_unit(size, own) if unit is None else round(size / UNITS[unit],
                                                                                                DIGITS)}


def _bits(variant: Variant) -> dict[str, int | float]:
    """32 per value: the float32's bits taken for its bytes."""
    return _counted_as(variant, variant.answer["values"], bytes_per_value=32)


def _unit_confused(variant: Variant) -> dict[str, int | float] | None:
    """Powers of 1,000 where the unit means powers of 1,024, or the other way round."""
    unit = variant.params["unit"]
    return _counted_as(variant, variant.answer["values"], unit=CONFUSED[unit]) if unit in CONFUSED else None


def _batch_forgotten(variant: Variant) -> dict[str, int | float]:
    """One example's values."""
    return _counted_as(variant, variant.answer["values"] // variant.params["batch"])


def _flatten_copied(variant: Variant) -> dict[str, int | float] | None:
    """Each flatten's output counted as a tensor of its own."""
    layers, table = variant_network(variant.params)
    copies = sum(prod(row.output_shape) for row, layer in zip(table.rows, layers) if isinstance(layer, Flatten))
    return _counted_as(variant, variant.answer["values"] + variant.params["batch"] * copies) if copies else None


def _input_toggled(variant: Variant) -> dict[str, int | float]:
    """The input batch counted where the convention leaves it out, or left out where it counts."""
    drawn = variant.params
    sign = -1 if drawn["include_input"] else 1
    return _counted_as(variant, variant.answer["values"] + sign * drawn["batch"] * prod(drawn["input_shape"]))


MISCONCEPTIONS = (
    mistake("bits taken for bytes", "A float32 is 32 bits, which is 4 bytes (8 bits to a byte): multiply the values "
            "by 4, not 32.", _bits),
    mistake("MB and MiB confused", "A kilobyte and a megabyte are powers of 1,000 (10^3, 10^6 bytes); a kibibyte and "
            "a mebibyte powers of 1,024 (2^10, 2^20 bytes): divide by the one the question names.", _unit_confused),
    mistake("batch forgotten", BATCH_FORGOTTEN, _batch_forgotten),
    mistake("flatten counted as a copy", "Flatten only reshapes: its output is a view of the same values, so it "
            "adds no memory of its own.", _flatten_copied),
    mistake("input batch counted or left out against the convention", "The question says whether the input batch "
            "counts: add its C · H · W values per example only where it does.", _input_toggled),
)
