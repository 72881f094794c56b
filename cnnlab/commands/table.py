"""`cnnlab table`: print a reference architecture's layer table (output shapes and parameter counts)."""

from __future__ import annotations

import argparse

from rich.console import Console
from rich.table import Table

from solutions.architectures import ARCHITECTURES, Architecture
from solutions.shapes import LayerTable, layer_table

HELP = "print the layer table (output shape and parameters per layer) of a reference architecture"


def configure(parser: argparse.ArgumentParser) -> None:
    """Arguments of `cnnlab table`."""
    parser.add_argument("architecture", choices=sorted(ARCHITECTURES), help="which reference architecture")


def _shape(shape: tuple[int, ...]) -> str:
    """Shapes as the lecture writes them: 6x28x28."""
    return "x".join(str(d) for d in shape)


def render(arch: Architecture, table: LayerTable) -> Table:
    """A rich table with one row per layer and the total underneath."""
    out = Table(title=arch.title, title_justify="left")
    for header, justify in (("layer", "left"), ("", "left"), ("output", "right"), ("weights", "right"),
                            ("biases", "right"), ("params", "right")):
        out.add_column(header, justify=justify)  # type: ignore[arg-type]
    out.add_row("input", "", _shape(table.input_shape), "", "", "")
    for row in table.rows:
        out.add_row(row.name, row.description, _shape(row.output_shape), f"{row.params.weights:,}",
                    f"{row.params.biases:,}", f"{row.params.total:,}")
    out.add_section()
    out.add_row("total", "", "", "", "", f"{table.total_params:,}")
    return out


def run(args: argparse.Namespace) -> int:
    """Print the table for one architecture."""
    arch = ARCHITECTURES[args.architecture]
    Console(width=100).print(render(arch, layer_table(arch.input_shape, arch.layers)))
    return 0
