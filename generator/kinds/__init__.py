"""The registry of question kinds: each kind is one module; adding a kind is one module plus one line here.

Every kind module exposes (docs/CONTRACT.md): generate(template, seed) -> Variant, render(variant) -> str,
solution_source(variant) -> str, grade(variant, submitted) -> Score. For the generator and its self-test it also
exposes FORMATS (answer formats it offers, default first), REQUIRED (parameters a template must define),
EXTRA_KEYS (its own template keys, name -> required), check_template(template), answer_stub(variant),
explain(variant) (the worked solution, Markdown), model_submission(variant) and near_miss(variant).
Code kinds add checks_source(variant), hidden_inputs(hidden_tests) and run_hidden_tests(candidate, hidden_tests).
"""

from __future__ import annotations

from types import ModuleType

from generator.kinds import (code_avg_pool2d, code_conv2d, code_lenet5, code_max_pool2d, concept, conv1d_by_hand,
                             conv2d_by_hand, conv_params, dense_vs_conv, layer_table, mlp_params, named_filter,
                             output_size, pooling_by_hand, receptive_field)
from generator.kinds import conv_layer, flat_patch, same_padding, stochastic_pooling, translation_by_hand

KINDS: dict[str, ModuleType] = {
    "mlp_params": mlp_params,
    "conv_params": conv_params,
    "output_size": output_size,
    "dense_vs_conv": dense_vs_conv,
    "conv1d_by_hand": conv1d_by_hand,
    "conv2d_by_hand": conv2d_by_hand,
    "pooling_by_hand": pooling_by_hand,
    "named_filter": named_filter,
    "layer_table": layer_table,
    "receptive_field": receptive_field,
    "concept": concept,
    "code_conv2d": code_conv2d,
    "code_max_pool2d": code_max_pool2d,
    "code_avg_pool2d": code_avg_pool2d,
    "code_lenet5": code_lenet5,
    "same_padding": same_padding,
    "stochastic_pooling": stochastic_pooling,
    "conv_layer": conv_layer,
    "translation_by_hand": translation_by_hand,
    "flat_patch": flat_patch,
}

CODE_KINDS = frozenset(name for name, module in KINDS.items() if "code" in module.FORMATS)
