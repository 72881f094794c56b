"""Layer stacks written in templates: `layers:` entries whose numbers may be expressions over the parameters."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from generator.errors import TemplateError, closest, combined, suggest
from generator.expressions import Expression, compile_expression, referenced_names
from generator.kinds._common import extra_error
from generator.model import Template
from generator.render import plural
from solutions._args import IntOrPair, pair
from solutions.layers import BOTTLENECK_EXPANSION, WORD_CHOICES
from solutions.shapes import (LAYER_TYPES, AvgPool2d, BatchNorm2d, Conv2d, ConvTranspose2d, Dense, Dropout,
                              GlobalAvgPool2d, Layer, MaxPool2d, ReLU, Residual, layer_keys, layers_from_data)


@lru_cache(maxsize=4096)
def _expression(text: str, names: tuple[str, ...]) -> Expression:
    """Compile each layer expression once per template."""
    return compile_expression(text, names)


LAYER_KEY_MEANINGS = {"out_channels": "the number of filters", "kernel_size": "the window's size",
                      "out_features": "the number of units",
                      "block": "basic or bottleneck"}  # for "missing KEY, MEANING" in the template's terms
LAYER_EXAMPLE = "{type: conv2d, out_channels: 6, kernel_size: 5}"


def check_layers(template: Template, allowed: tuple[str, ...] = tuple(LAYER_TYPES),
                 optional: tuple[str, ...] = ()) -> None:
    """Each layer has a known type, its keys (none missing but the kind's `optional` ones, none unknown) and
    valid expressions, checked before any draw; every problem at once, each naming the line of its layer."""
    layers = template.extra.get("layers")
    if not isinstance(layers, list) or not layers:
        raise extra_error(template, "layers", f"must be a non-empty list of layers such as {LAYER_EXAMPLE}")
    errors = []
    for index, layer in enumerate(layers):
        kind = f" ({layer['type']})" if isinstance(layer, dict) and layer.get("type") in allowed else ""
        where = template.locations.get(f"layers[{index}]", template.locations.get("layers", template.where))
        errors += [TemplateError(where, f"layer {index + 1}{kind}: {problem}")
                   for problem in _layer_problems(layer, template.kind, allowed, optional, template.space.names)]
    if errors:
        raise combined(errors)


def _layer_problems(layer: Any, kind_name: str, allowed: tuple[str, ...], optional: tuple[str, ...],
                    names: tuple[str, ...]) -> list[str]:
    """What is wrong with one `layers:` entry, in the template's terms."""
    if not isinstance(layer, dict):
        return [f"must be a mapping such as {LAYER_EXAMPLE}"]
    kind = layer.get("type")
    if kind not in allowed:
        given = ("missing type" if kind is None else f"type {kind!r} cannot be used here" if kind in LAYER_TYPES
                 else f"unknown type {kind!r}{suggest(str(kind), allowed)}")
        return [f"{given}; {kind_name} takes {', '.join(allowed)}"]
    keys, needed = layer_keys(kind)
    unknown = [key for key in layer if key != "type" and key not in keys]
    problems = [f"unknown key {key!r}{suggest(key, keys)}; {kind} takes {', '.join(keys)}" for key in unknown]
    meant = {closest(key, keys) for key in unknown}  # a misspelt key's problem already names the missing one
    problems += [f"missing {key}, {LAYER_KEY_MEANINGS.get(key, 'which has no default')}" for key in needed
                 if key not in layer and key not in optional and key not in meant]
    for key, value in layer.items():
        if _is_expression(key, value):
            try:
                _expression(value, names)
            except ValueError as error:
                words = f" (or one of the words {', '.join(WORD_CHOICES[key])})" if key in WORD_CHOICES else ""
                problems.append(f"{key}: {error}{words}")
    return problems


def layer_data(template: Template, params: dict[str, Any]) -> list[dict[str, Any]]:
    """The template's layers as plain data with every expression evaluated for this draw (kept in the key)."""
    return [{key: _expression(value, template.space.names)(params) if _is_expression(key, value)
             else value for key, value in layer.items()} for layer in template.extra["layers"]]


def _is_expression(key: str, value: Any) -> bool:
    """Text is an expression over the parameters, except the type and a word a key takes as is (`block: basic`)."""
    return key != "type" and isinstance(value, str) and value not in WORD_CHOICES.get(key, ())


def layer_names(template: Template) -> frozenset[str]:
    """The parameters the `layers:` entries' expressions refer to (generator/param_use.py: they are used); every
    parameter where the entries cannot be read (check_layers reports why), so none is called unused by mistake."""
    layers = template.extra.get("layers")
    if not isinstance(layers, list) or not all(isinstance(layer, dict) for layer in layers):
        return frozenset(template.space.names)
    texts = [value for layer in layers for key, value in layer.items() if _is_expression(key, value)]
    return frozenset().union(*(referenced_names(text, template.space.names) for text in texts))


def in_words(layer: Layer) -> str:
    """A layer as a printed exam says it, padding included even when 0: '6 filters, 3 × 3, stride 1, no padding',
    '6 filters, 5 × 5, stride 1, no padding, dilation 3' (dilation and groups only when not 1, 'no biases' where a
    layer has none), 'convolution 3 × 3, ...' where the channels are not given, 'transposed convolution, 8 filters,
    3 × 3, stride 2, zero padding 1, output padding 1', 'max pool 2 × 2, stride 2, no padding', 'basic residual
    block, 64 channels out, stride 2', 'dense, 120 units', 'flatten' (the notebook's 'conv 6@3x3' is notation a
    student may not know)."""
    if isinstance(layer, (Conv2d, ConvTranspose2d)):
        filters = "convolution" if layer.out_channels is None else f"{plural(layer.out_channels, 'filter')},"
        dilation = "" if pair(layer.dilation, "dilation") == (1, 1) else f", dilation {_step(layer.dilation)}"
        groups = "" if layer.groups == 1 else f", {plural(layer.groups, 'group')}"
        groups += "" if layer.bias else ", no biases"
        text = f"{filters} {_kernel(layer.kernel_size)}, stride {_step(layer.stride)}, {_padding(layer.padding)}"
        if isinstance(layer, ConvTranspose2d):
            text = f"transposed convolution, {text}, {_padding(layer.output_padding, 'output padding')}"
        return f"{text}{dilation}{groups}"
    if isinstance(layer, (MaxPool2d, AvgPool2d)):
        name = "max pool" if isinstance(layer, MaxPool2d) else "average pool"
        stride = layer.kernel_size if layer.stride is None else layer.stride
        return f"{name} {_kernel(layer.kernel_size)}, stride {_step(stride)}, {_padding(layer.padding)}"
    if isinstance(layer, Residual):
        width = (f" (inner width {layer.out_channels // BOTTLENECK_EXPANSION})" if layer.block == "bottleneck"
                 else "")
        return (f"{layer.block} residual block, {plural(layer.out_channels, 'channel')} out{width}, stride "
                f"{_step(layer.stride)}")
    if isinstance(layer, Dense):
        return f"dense, {plural(layer.out_features, 'unit')}" + ("" if layer.bias else ", no biases")
    if isinstance(layer, Dropout):
        return f"dropout, p = {layer.p:g}"
    return {GlobalAvgPool2d: "global average pool", BatchNorm2d: "batch normalisation", ReLU: "ReLU"}.get(
        type(layer), "flatten")


def stack_in_words(layers: list[dict[str, Any]]) -> list[str]:
    """Each layer of a variant's `layers` (layer_data) in words."""
    return [in_words(layer) for layer in layers_from_data(layers)]


def _kernel(value: IntOrPair) -> str:
    """A window's size from an int or a pair: '3 × 3', '3 × 5'."""
    first, second = pair(value, "kernel_size")
    return f"{first} × {second}"


def _step(value: IntOrPair) -> str:
    """A stride or a dilation from an int or a pair: '2', '(1, 2)'."""
    first, second = pair(value, "stride")
    return str(first) if first == second else f"({first}, {second})"


def _padding(value: IntOrPair, name: str = "zero padding") -> str:
    """'no padding', 'zero padding 1', 'zero padding (1, 2)'; 'no output padding', 'output padding 1'."""
    first, second = pair(value, "padding")
    if first == second == 0:
        return f"no {name.removeprefix('zero ')}"
    return f"{name} {first}" if first == second else f"{name} ({first}, {second})"
