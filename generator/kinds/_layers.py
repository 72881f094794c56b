"""Layer stacks written in templates: `layers:` entries whose numbers may be expressions over the parameters."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from generator.expressions import Expression, compile_expression
from generator.kinds._common import extra_error
from generator.model import Template
from solutions.shapes import LAYER_TYPES


@lru_cache(maxsize=4096)
def _expression(text: str, names: tuple[str, ...]) -> Expression:
    """Compile each layer expression once per template."""
    return compile_expression(text, names)


def check_layers(template: Template, allowed: tuple[str, ...] = tuple(LAYER_TYPES)) -> None:
    """Each layer is a mapping with a known type; its text values are valid expressions over the parameters."""
    layers = template.extra.get("layers")
    if not isinstance(layers, list) or not layers:
        raise extra_error(template, "layers", "must be a non-empty list of layers such as "
                                              "{type: conv2d, out_channels: 6, kernel_size: 5}")
    for index, layer in enumerate(layers):
        if not isinstance(layer, dict) or layer.get("type") not in allowed:
            raise extra_error(template, "layers", f"layer {index}: type must be one of {', '.join(allowed)}")
        for key, value in layer.items():
            if key != "type" and isinstance(value, str):
                try:
                    _expression(value, template.space.names)
                except ValueError as error:
                    raise extra_error(template, "layers", f"layer {index}, {key}: {error}") from None


def layer_data(template: Template, params: dict[str, Any]) -> list[dict[str, Any]]:
    """The template's layers as plain data with every expression evaluated for this draw (kept in the key)."""
    return [{key: _expression(value, template.space.names)(params) if key != "type" and isinstance(value, str)
             else value for key, value in layer.items()} for layer in template.extra["layers"]]
