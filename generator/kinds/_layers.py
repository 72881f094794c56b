"""Layer stacks written in templates: `layers:` entries whose numbers may be expressions over the parameters."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from generator.expressions import Expression, compile_expression
from generator.kinds._common import extra_error
from generator.model import Template
from generator.render import plural
from solutions._args import IntOrPair, pair
from solutions.shapes import LAYER_TYPES, AvgPool2d, Conv2d, Dense, Layer, MaxPool2d, layers_from_data


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


def in_words(layer: Layer) -> str:
    """A layer as a printed exam says it, padding included even when 0: '6 filters, 3 × 3, stride 1, no padding',
    'max pool 2 × 2, stride 2, no padding', 'dense, 120 units', 'flatten' (the notebook's 'conv 6@3x3' is notation
    a student may not know)."""
    if isinstance(layer, Conv2d):
        return (f"{plural(layer.out_channels, 'filter')}, {_kernel(layer.kernel_size)}, stride {_step(layer.stride)}, "
                f"{_padding(layer.padding)}")
    if isinstance(layer, (MaxPool2d, AvgPool2d)):
        name = "max pool" if isinstance(layer, MaxPool2d) else "average pool"
        stride = layer.kernel_size if layer.stride is None else layer.stride
        return f"{name} {_kernel(layer.kernel_size)}, stride {_step(stride)}, {_padding(layer.padding)}"
    if isinstance(layer, Dense):
        return f"dense, {plural(layer.out_features, 'unit')}"
    return "flatten"


def stack_in_words(layers: list[dict[str, Any]]) -> list[str]:
    """Each layer of a variant's `layers` (layer_data) in words."""
    return [in_words(layer) for layer in layers_from_data(layers)]


def _kernel(value: IntOrPair) -> str:
    """A window's size from an int or a pair: '3 × 3', '3 × 5'."""
    first, second = pair(value, "kernel_size")
    return f"{first} × {second}"


def _step(value: IntOrPair) -> str:
    """A stride from an int or a pair: '2', '(1, 2)'."""
    first, second = pair(value, "stride")
    return str(first) if first == second else f"({first}, {second})"


def _padding(value: IntOrPair) -> str:
    """'no padding', 'zero padding 1', 'zero padding (1, 2)'."""
    first, second = pair(value, "padding")
    if first == second == 0:
        return "no padding"
    return f"zero padding {first}" if first == second else f"zero padding ({first}, {second})"
