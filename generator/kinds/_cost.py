"""What the cost kinds share (flops, activation_memory, separable_conv, bottleneck): the conventions their prompts
state, the layer stack they read, the one conv layer a comparison draws, and the mistakes' explanations."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from generator.fields import Box, Group, derive
from generator.kinds._common import extra_error, image_shape, require_in_prompt
from generator.kinds._layers import check_layers, in_words, layer_data
from generator.model import Template, Variant
from solutions.shapes import Conv2d, Dense, Layer, LayerTable, Shape, layer_table, layers_from_data

LABEL_WORDS = {"macs": "MACs", "flops": "FLOPs", "params": "parameters"}  # a box's label as the prompt words it
COSTED_TYPES = ("conv2d", "maxpool2d", "avgpool2d", "flatten", "dense")  # what solutions/cost.py prices today
MAC_RULE = "a dot product of $n$ terms counts as $n$ multiply-adds (MACs)"

ON_INPUT_SIZE = ("A conv layer computes one dot product per output value, so its cost counts the output's positions "
                 "H_out × W_out (after stride and padding), not the input's H × W.")
BATCH_FORGOTTEN = ("The question is about the whole batch: every example of the batch goes through every layer, so "
                   "the count for one example is multiplied by the batch size N.")
BIASES_IN_PARAMS = ("Every filter of a conv layer has its own bias (the lecture's 5×5×3 weights + a bias per "
                    "filter), the depthwise and the 1×1 layers' too: a parameter count includes them.")


def check_network(template: Template) -> None:
    """Only layer types solutions/cost.py prices; the prompt shows the stack, and the batch where one is drawn."""
    check_layers(template, COSTED_TYPES)
    require_in_prompt(template, "stack", "the layers must be shown (a numbered list of them in words)")
    if "batch" in template.space.names:
        require_in_prompt(template, "batch", "the answer is for the whole batch, so its size must be stated")


def check_flag(template: Template, key: str) -> bool:
    """A template's own yes/no key (count_bias, include_input) as a bool, refused at its line otherwise."""
    value = template.extra.get(key, False)
    if not isinstance(value, bool):
        raise extra_error(template, key, f"must be true or false, got {value!r}")
    return value


@dataclass(frozen=True)
class Network:
    """One draw's stack: the layers as plain data (kept in the key), as layers, their table, and in words."""

    data: list[dict[str, Any]]
    layers: list[Layer]
    table: LayerTable
    stack: str


def draw_network(template: Template, params: dict[str, Any]) -> Network:
    """The template's layers with this draw's numbers, walked from its input_shape (ValueError where they do not
    fit it, so the draw is thrown away)."""
    data = layer_data(template, params)
    layers = layers_from_data(data)
    table = layer_table(params["input_shape"], layers)
    return Network(data, layers, table, stack_text(layers, [row.name for row in table.rows]))


def variant_network(drawn: dict[str, Any]) -> tuple[list[Layer], LayerTable]:
    """A variant's layers and table, rebuilt from its key's input_shape and layers."""
    layers = layers_from_data(drawn["layers"])
    return layers, layer_table(drawn["input_shape"], layers)


def layer_words(layer: Layer) -> str:
    """A layer as a printed exam says it, and 'no bias' where a conv or dense layer has none."""
    unbiased = isinstance(layer, (Conv2d, Dense)) and not layer.bias
    return in_words(layer) + (", no bias" if unbiased else "")


def stack_text(layers: list[Layer], names: list[str]) -> str:
    """The numbered list a prompt shows as {{ stack }}: '1. conv1: 6 filters, 5 × 5, stride 1, no padding'."""
    return "\n".join(f"{index}. {name}: {layer_words(layer)}"
                     for index, (name, layer) in enumerate(zip(names, layers), start=1))


def shape_text(shape: Shape) -> str:
    """(6, 28, 28) -> '6 × 28 × 28' (a flat shape: '120')."""
    return " × ".join(str(size) for size in shape)


def batch_factor(batch: int) -> str:
    """'8 \\cdot ' before a per-example product in LaTeX, nothing for a batch of one."""
    return f"{batch} \\cdot " if batch > 1 else ""


def shapes_in(table: LayerTable) -> list[Shape]:
    """The shape that reaches each layer of the table: the input's, then each layer's output but the last."""
    return [table.input_shape, *(row.output_shape for row in table.rows[:-1])]


@dataclass(frozen=True)
class ConvGeometry:
    """The one conv layer a comparison question draws: input C × H × W, F filters K × K, stride S, padding P."""

    in_shape: tuple[int, int, int]
    out_channels: int
    kernel: int
    stride: int
    padding: int
    bias: bool

    @property
    def channels(self) -> int:
        """C_in, the input's depth."""
        return self.in_shape[0]


def conv_geometry(params: dict[str, Any]) -> tuple[ConvGeometry, dict[str, Any]]:
    """C_in, F, K, H (W defaulting to H) and P as drawn, S defaulting to 1 and bias to true; and the parameters
    with those defaults filled in, as the key keeps them (variant_geometry reads them back)."""
    height, width = image_shape(params)
    geometry = ConvGeometry((params["C_in"], height, width), params["F"], params["K"], params.get("S", 1),
                            params["P"], bool(params.get("bias", True)))
    return geometry, {**params, "W": width, "S": geometry.stride, "bias": geometry.bias}


def variant_geometry(drawn: dict[str, Any]) -> ConvGeometry:
    """A variant's conv layer, from its key's parameters."""
    return ConvGeometry((drawn["C_in"], drawn["H"], drawn["W"]), drawn["F"], drawn["K"], drawn["S"], drawn["P"],
                        drawn["bias"])


def fields(variant: Variant) -> Group:
    """The answer's boxes as generator/fields.py lays them out, labelled as the prompt words them ('total MACs',
    'standard parameters'); their marks-sheet columns stay the keys'."""
    group = derive(variant)
    return replace(group, items=tuple(replace(item, label=" ".join(LABEL_WORDS.get(word, word) for word in
                                                                   item.label.split()))
                                      if isinstance(item, Box) else item for item in group.items))
