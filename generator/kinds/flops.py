"""MACs and FLOPs of one conv or dense layer, or of a small network, under the convention the template states.

One multiply-add (MAC) counts as 2 FLOPs; bias additions count 1 FLOP each only where the template's `count_bias`
says so; pooling and flatten are free (solutions/cost.py, as torch.utils.flop_counter counts). One conv or dense
layer asks for its MACs and FLOPs; a network asks for each conv and dense layer's MACs, and the totals.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from math import prod
from typing import Any

import numpy as np

from generator.kinds._common import (explain_answer, extra_error, grade, model_submission, near_miss, sample_variant,
                                     solution_source)
from generator.kinds._cost import (BATCH_FORGOTTEN, MAC_RULE, ON_INPUT_SIZE, batch_factor, check_flag, check_network,
                                   draw_network, fields, layer_words, shape_text, shapes_in, variant_network)
from generator.kinds._layers import layer_names as params_in_keys
from generator.kinds._mistakes import mistake
from generator.kinds.dense_vs_conv import latex_int
from generator.model import Template, Variant
from solutions._args import positive_pair
from solutions.cost import NO_COST, Cost, network_costs
from solutions.shapes import Conv2d, Dense, Layer, Shape

FORMATS = ("numbers",)
REQUIRED = ("input_shape",)
OPTIONAL_PARAMS = ("batch",)  # read when the template has them (default 1)
EXTRA_KEYS = {"layers": True, "count_bias": True}
ASKS = ("MACs", "FLOPs")  # generator/media.py
SINGLE = ("macs", "flops")  # the answer's keys for one costed layer
TOTALS = ("total_macs", "total_flops")  # ... and after each layer's MACs for a network
__all__ = ["fields", "grade", "model_submission", "near_miss", "params_in_keys", "solution_source"]


def check_template(template: Template) -> None:
    """Layers solutions/cost.py prices, at least one conv or dense layer (else nothing costs), a yes/no count_bias."""
    check_network(template)
    check_flag(template, "count_bias")
    if not any(layer.get("type") in ("conv2d", "dense") for layer in template.extra["layers"]):
        raise extra_error(template, "layers", "at least one conv2d or dense layer is needed: pooling and flatten "
                          "cost no MACs")


@dataclass(frozen=True)
class Priced:
    """One conv or dense layer of the variant: its name, the layer, the shapes in and out, and its cost."""

    name: str
    layer: Layer
    in_shape: Shape
    out_shape: Shape
    cost: Cost


def _priced(drawn: dict[str, Any]) -> list[Priced]:
    """The conv and dense layers of a variant's (or a draw's) network with their costs from solutions/cost.py."""
    layers, table = variant_network(drawn)
    costs = network_costs(drawn["input_shape"], layers, drawn["batch"])
    return [Priced(row.name, layer, shape, row.output_shape, cost)
            for row, layer, shape, cost in zip(table.rows, layers, shapes_in(table), costs)
            if isinstance(layer, (Conv2d, Dense))]


def _answer(priced: list[Priced], count_bias: bool) -> dict[str, int]:
    """{'macs', 'flops'} for one costed layer; each layer's MACs by name and the totals for a network."""
    total = sum((item.cost for item in priced), NO_COST)
    if len(priced) == 1:
        return dict(zip(SINGLE, (total.macs, total.flops(count_bias))))
    return {**{item.name: item.cost.macs for item in priced}, **dict(zip(TOTALS, (total.macs, total.flops(count_bias))))}


def _compute(template: Template, params: dict[str, Any], rng: np.random.Generator) -> tuple[dict[str, Any], Any]:
    """Walk the stack (a draw it does not fit is thrown away) and price each layer."""
    network = draw_network(template, params)
    drawn = {**params, "batch": params.get("batch", 1), "layers": network.data, "stack": network.stack,
             "count_bias": check_flag(template, "count_bias")}
    return drawn, _answer(_priced(drawn), drawn["count_bias"])


def generate(template: Template, seed: int) -> Variant:
    """A layer or network of sampled sizes."""
    return sample_variant(template, seed, _compute)


def convention(drawn: dict[str, Any]) -> str:
    """The counting rules, stated in every medium so that the question has one right answer."""
    bias = ("each bias addition counts as 1 more FLOP" if drawn["count_bias"] else
            "bias additions are not counted")
    free = "; pooling and flatten layers cost nothing" if any(layer["type"] not in ("conv2d", "dense")
                                                               for layer in drawn["layers"]) else ""
    return f"*Conventions: {MAC_RULE}; one MAC counts as 2 FLOPs; {bias}{free}.*"


def render(variant: Variant) -> str:
    """The prompt and the conventions."""
    return f"{variant.prompt}\n\n{convention(variant.params)}"


def answer_stub(variant: Variant) -> str:
    """Each key set to None; a network's layer entries say which layer they are."""
    layers = {item.name: layer_words(item.layer) for item in _priced(variant.params)}
    lines = [f"    {key!r}: None,  # MACs of {key}: {layers[key]}" if key in layers and key not in SINGLE
             else f"    {key!r}: None," for key in variant.answer]
    return "\n".join([f"{variant.variable} = {{", *lines, "}"])


def explain(variant: Variant) -> str:
    """Each layer's dot products counted at its output's size, then the FLOPs by the stated convention."""
    drawn = variant.params
    batch, priced = drawn["batch"], _priced(drawn)
    rules = [rule for kind, rule in ((Conv2d, "of a conv layer is one dot product over its $C_{in} \\cdot K \\cdot K$ "
                                             "window"), (Dense, "of a dense layer one over its inputs"))
             if any(isinstance(item.layer, kind) for item in priced)]
    lines = [f"Every output value {', every output '.join(rules)}, and {MAC_RULE}. Count at the output's size"
             f"{f', for all {batch} examples' if batch > 1 else ''}:", ""]
    for item in priced:
        lines.append(f"- {item.name} ({layer_words(item.layer)}): {_layer_macs(item, batch)} MACs")
    layers, table = variant_network(drawn)
    free = [row.name for row, layer in zip(table.rows, layers) if not isinstance(layer, (Conv2d, Dense))]
    if free:
        lines.append(f"- {', '.join(free)}: no MACs")
    total = sum((item.cost for item in priced), NO_COST)
    if len(priced) > 1:
        lines.append(f"- total: ${' + '.join(latex_int(item.cost.macs) for item in priced)} = "
                     f"{latex_int(total.macs)}$ MACs")
    lines += ["", _flops_line(priced, batch, drawn["count_bias"]), "", explain_answer(variant)]
    return "\n".join(lines)


def _layer_macs(item: Priced, batch: int) -> str:
    """'output 6 × 28 × 28, 75 terms per value ($3 \\cdot 5 \\cdot 5$): $6 \\cdot 28 \\cdot 28 \\cdot 75 = ...$'."""
    if isinstance(item.layer, Dense):
        return (f"{item.in_shape[0]} inputs per unit: ${batch_factor(batch)}{item.out_shape[0]} \\cdot "
                f"{item.in_shape[0]} = {latex_int(item.cost.macs)}$")
    kh, kw = positive_pair(item.layer.kernel_size, "kernel_size")
    terms = item.in_shape[0] * kh * kw
    outputs = " \\cdot ".join(map(str, item.out_shape))
    return (f"output {shape_text(item.out_shape)}, each value ${item.in_shape[0]} \\cdot {kh} \\cdot {kw} = {terms}$ "
            f"terms: ${batch_factor(batch)}{outputs} \\cdot {terms} = {latex_int(item.cost.macs)}$")


def _flops_line(priced: list[Priced], batch: int, count_bias: bool) -> str:
    """2 FLOPs per MAC, plus one per bias addition (one per output value of a layer with a bias) where counted."""
    total = sum((item.cost for item in priced), NO_COST)
    doubled = f"2 \\cdot {latex_int(total.macs)}"
    if not count_bias:
        return f"FLOPs: ${doubled} = {latex_int(total.flops(False))}$ (bias additions not counted)."
    biased = [item for item in priced if item.cost.bias_adds]
    if not biased:
        return f"FLOPs: ${doubled} = {latex_int(total.flops(True))}$ (no layer has a bias to add)."
    outputs = " + ".join(" \\cdot ".join(map(str, item.out_shape)) for item in biased)
    per_example = f"({outputs})" if len(biased) > 1 and batch > 1 else outputs
    return (f"Bias additions, one per output value of {', '.join(item.name for item in biased)}: "
            f"${batch_factor(batch)}{per_example} = {latex_int(total.bias_adds)}$. "
            f"FLOPs: ${doubled} + {latex_int(total.bias_adds)} = {latex_int(total.flops(True))}$.")


# ---- misconceptions: the answer a mistake gives, with the variant's own numbers -----------------------------------

Bend = Callable[[Priced], Cost]


def _bent(variant: Variant, bend: Bend = lambda item: item.cost, count_bias: bool | None = None,
          flops: Callable[[Cost, bool], int] = lambda cost, counted: cost.flops(counted)) -> dict[str, int]:
    """The answer a mistake gives: each layer's cost bent, the totals from those, FLOPs by the (mistaken) rule."""
    counted = variant.params["count_bias"] if count_bias is None else count_bias
    priced = [Priced(item.name, item.layer, item.in_shape, item.out_shape, bend(item)) for item in _priced(variant.params)]
    answer = _answer(priced, counted)
    total = sum((item.cost for item in priced), NO_COST)
    answer[SINGLE[1] if len(priced) == 1 else TOTALS[1]] = flops(total, counted)
    return answer


def _on_input_size(item: Priced) -> Cost:
    """A conv layer's dot products counted at the input's H × W instead of the output's."""
    if not isinstance(item.layer, Conv2d):
        return item.cost
    outputs, inputs = prod(item.out_shape[1:]), prod(item.in_shape[1:])
    return Cost(item.cost.macs // outputs * inputs, item.cost.bias_adds // outputs * inputs)


def _channels_forgotten(item: Priced) -> Cost:
    """A conv layer's dot products over K × K terms only, as if its input had one channel."""
    if not isinstance(item.layer, Conv2d):
        return item.cost
    return Cost(item.cost.macs // item.in_shape[0], item.cost.bias_adds)


def _bias_as_mac(item: Priced) -> Cost:
    """Parameters times output positions: each bias counted as one more multiply-add."""
    return Cost(item.cost.macs + item.cost.bias_adds, item.cost.bias_adds)


def _batch_forgotten(variant: Variant) -> dict[str, int] | None:
    """Every count for one example."""
    batch = variant.params["batch"]
    if batch == 1:
        return None
    return _bent(variant, lambda item: Cost(item.cost.macs // batch, item.cost.bias_adds // batch))


MISCONCEPTIONS = (
    mistake("FLOPs counted as MACs", "A multiply-add is two floating-point operations, a multiplication and an "
            "addition, so FLOPs are 2 × MACs (plus the bias additions only where the convention counts them).",
            lambda variant: _bent(variant, flops=lambda cost, counted: cost.macs + (cost.bias_adds if counted
                                                                                   else 0))),
    mistake("bias additions counted", "The question's convention leaves bias additions out of the FLOPs: count 2 "
            "FLOPs per multiply-add and nothing for the biases.",
            lambda variant: None if variant.params["count_bias"] else _bent(variant, count_bias=True)),
    mistake("bias additions left out", "The question's convention counts each bias addition as 1 FLOP: one per "
            "output value of every layer with a bias, on top of 2 FLOPs per multiply-add.",
            lambda variant: _bent(variant, count_bias=False) if variant.params["count_bias"] else None),
    mistake("cost computed on the input size", ON_INPUT_SIZE, lambda variant: _bent(variant, _on_input_size)),
    mistake("input channels forgotten", "A filter spans the whole depth of its input, so each output value is a "
            "dot product over C_in · K · K terms, not K · K.", lambda variant: _bent(variant, _channels_forgotten)),
    mistake("biases counted as multiply-adds", "A bias is added, not multiplied: a MAC is one weight times one "
            "input added to the sum, so MACs count the weights' products only (parameters × positions counts the "
            "biases too).", lambda variant: _bent(variant, _bias_as_mac)),
    mistake("batch forgotten", BATCH_FORGOTTEN, _batch_forgotten),
)
