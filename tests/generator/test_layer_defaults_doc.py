"""docs/TEMPLATES.md states the layer defaults a template relies on exactly as solutions.shapes sets them."""

from __future__ import annotations

from dataclasses import MISSING, fields
from pathlib import Path

from solutions.shapes import AvgPool2d, Conv2d, Dense, MaxPool2d, conv_output_size, layer_table, layers_from_data

DOC = " ".join((Path(__file__).resolve().parents[2] / "docs" / "TEMPLATES.md").read_text(encoding="utf-8").split())


def _defaults(cls: type) -> dict[str, object]:
    """A layer dataclass's fields that have a default, with it."""
    return {f.name: f.default for f in fields(cls) if f.default is not MISSING}


def test_the_conv_dense_and_pool_defaults_are_the_documented_ones() -> None:
    assert _defaults(Conv2d).items() >= {"stride": 1, "padding": 0, "dilation": 1, "bias": True}.items()
    assert "a `conv2d` has `stride` 1, `padding` 0, `dilation` 1 and `bias: true`" in DOC
    assert _defaults(Dense) == {"bias": True} and "a `dense` layer has `bias: true`" in DOC
    for pool in (MaxPool2d, AvgPool2d):
        assert _defaults(pool) == {"stride": None, "padding": 0} and "dilation" not in {f.name for f in fields(pool)}
    assert "has `stride` equal to its `kernel_size` (a 2 × 2 pool moves by 2" in DOC


def test_a_pools_stride_is_its_window_in_the_shapes_the_key_uses() -> None:
    [pool] = layers_from_data([{"type": "maxpool2d", "kernel_size": 2}])
    assert isinstance(pool, MaxPool2d) and pool.stride is None
    table = layer_table((1, 8, 8), [pool])
    assert table.rows[0].output_shape == (1, 4, 4) == (1, conv_output_size(8, 2, 2), conv_output_size(8, 2, 2))
