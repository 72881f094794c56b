"""The output-size rule written out with a variant's numbers, so a worked solution computes every size it states."""

from __future__ import annotations

from collections.abc import Sequence

from generator.render import noun_for
from solutions.shapes import FieldStep


def floor_rule(size: int, kernel: int, stride: int, padding: int | None = None) -> str:
    """One axis as LaTeX (no $): '\\lfloor (55 - 7 + 2 \\cdot 1) / 2 \\rfloor + 1'; no padding term where a kind
    has none to state (pooling by hand)."""
    pad = "" if padding is None else f" + 2 \\cdot {padding}"
    return f"\\lfloor ({size} - {kernel}{pad}) / {stride} \\rfloor + 1"


def rows_and_columns(sizes: Sequence[int], kernel: int, stride: int, padding: int | None,
                     out_shape: Sequence[int]) -> str:
    """'$\\lfloor (5 - 2) / 1 \\rfloor + 1 = 4$ rows and 4 columns' for a square input; each axis computed where the
    height and the width differ."""
    (height, width), (rows, columns) = sizes, out_shape
    first = f"${floor_rule(height, kernel, stride, padding)} = {rows}$ {noun_for(rows, 'row')} and "
    if height == width:
        return f"{first}{columns} {noun_for(columns, 'column')}"
    return f"{first}${floor_rule(width, kernel, stride, padding)} = {columns}$ {noun_for(columns, 'column')}"


def dilated_span(kernel: int, dilation: int) -> str:
    """The sentence that turns a dilated kernel into the pixels it spans, K' = D(K - 1) + 1, computed."""
    span = dilation * (kernel - 1) + 1
    return (f"Dilation $D = {dilation}$ spreads the ${kernel} \\times {kernel}$ kernel's taps {dilation} pixels apart: "
            f"it spans $K' = D(K - 1) + 1 = {dilation} \\cdot ({kernel} - 1) + 1 = {span}$ pixels.")


def field_step(step: FieldStep) -> str:
    """One axis of one layer of the receptive-field recurrence with its numbers:
    '$r = 3 + 2 \\cdot (3 - 1) \\cdot 2 = 11$, $j = 2 \\cdot 1 = 2$'."""
    dilation = "" if step.dilation == 1 else f"{step.dilation} \\cdot "
    return (f"$r = {step.field_in} + {dilation}({step.kernel} - 1) \\cdot {step.jump_in} = {step.field_out}$, "
            f"$j = {step.jump_in} \\cdot {step.stride} = {step.jump_out}$")
