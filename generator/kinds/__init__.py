"""The registry of question kinds: each kind is one module; adding a kind is one module plus one line here.

Every kind module exposes (docs/CONTRACT.md): generate(template, seed) -> Variant, render(variant) -> str,
solution_source(variant) -> str, grade(variant, submitted) -> Score. For the generator and its self-test it also
exposes FORMATS (answer formats it offers, default first), REQUIRED (parameters a template must define),
OPTIONAL_PARAMS (those it reads when a template defines them; with REQUIRED, exactly what it reads: an unused
parameter is an error, generator/param_use.py), optionally params_in_keys(template) (the parameters its own keys'
expressions name), EXTRA_KEYS (its own template keys, name -> required), check_template(template), answer_stub(variant),
explain(variant) (the worked solution, Markdown), model_submission(variant) and near_miss(variant).

For the grader a kind declares what it asks the sandbox for and how it scores what comes back:
request(variant, context) -> Request and score(variant, returned, context) -> Score.
For paper and LMS it may declare fields(variant) -> Group (generator/fields.py) and render_for(variant, medium), and
for paper HINT (or hint(variant)), PAPER_NOTE, ASKS (or asks(variant)) and FORMULAS (generator/media.py,
docs/CONTRACT.md). A kind that asks only for its answer variable declares neither: `request` and `score` below
then read the variable and grade it.
Code kinds add checks_source(variant), the visible sanity-check cell. Each kind declares MISCONCEPTIONS, the typical
mistakes the grader recognises with the student's own numbers (`misconceptions` below), or NO_MISCONCEPTIONS with
the reason it has none.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

from generator.kinds import (code_avg_pool2d, code_conv2d, code_conv2d_backward, code_lenet5, code_max_pool2d,
                             code_max_pool2d_backward, code_plot_filters, concept, conv1d_by_hand, conv2d_by_hand,
                             conv_layer, conv_params, dense_vs_conv, flat_patch, layer_table, mlp_params, named_filter,
                             output_size, pooling_by_hand, receptive_field, same_padding, stochastic_pooling,
                             translation_by_hand)
from generator.kinds import conv_backward_by_hand, maxpool_backward_by_hand  # backward passes on paper
from generator.kinds import code_im2col_conv, im2col_shapes, softmax_ce  # softmax and cross-entropy; im2col
from generator.kinds import activation_memory, bottleneck, flops, separable_conv  # cost
from generator.kinds import (dilated_conv, global_pool, residual_block, transposed_conv,  # modern layers
                             vgg_stack)
from generator.kinds import batchnorm, code_batchnorm, code_dropout, dropout  # normalisation and dropout
from generator.fields import Group, derive
from generator.model import Context, Misconception, Request, Returned, Score, Variant

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
    "code_conv2d_backward": code_conv2d_backward,
    "code_max_pool2d_backward": code_max_pool2d_backward,
    "code_plot_filters": code_plot_filters,
    "flops": flops,
    "activation_memory": activation_memory,
    "separable_conv": separable_conv,
    "bottleneck": bottleneck,
    "conv_backward_by_hand": conv_backward_by_hand,
    "maxpool_backward_by_hand": maxpool_backward_by_hand,
    "softmax_ce": softmax_ce,
    "im2col_shapes": im2col_shapes,
    "code_im2col_conv": code_im2col_conv,
    "dilated_conv": dilated_conv,
    "transposed_conv": transposed_conv,
    "global_pool": global_pool,
    "vgg_stack": vgg_stack,
    "residual_block": residual_block,
    "batchnorm": batchnorm,
    "dropout": dropout,
    "code_batchnorm": code_batchnorm,
    "code_dropout": code_dropout,
}

CODE_KINDS = frozenset(name for name, module in KINDS.items() if "code" in module.FORMATS)


def request(variant: Variant, context: Context) -> Request:
    """What the variant's kind asks the sandbox for; by default, its answer variable."""
    declared = getattr(KINDS[variant.kind], "request", None)
    return declared(variant, context) if declared else Request(variables=(variant.variable,))


def score(variant: Variant, returned: Returned, context: Context) -> Score:
    """The kind's score of what came back; by default, its grade of the answer variable's value."""
    module = KINDS[variant.kind]
    declared = getattr(module, "score", None)
    if declared:
        return declared(variant, returned, context)
    value, problem = returned.get(variant.variable)
    if problem is not None:
        return Score(variant.qid, 0.0, variant.points, f"{variant.variable} could not be read: {problem}")
    return module.grade(variant, value)


def misconceptions(variant: Variant) -> tuple[tuple[Misconception, Any], ...]:
    """The kind's misconceptions with the answer each gives for this variant (those giving None do not apply).

    A kind declares MISCONCEPTIONS (a tuple of Misconception) or, when it has none, NO_MISCONCEPTIONS (why not).
    """
    found = []
    for misconception in getattr(KINDS[variant.kind], "MISCONCEPTIONS", ()):
        try:
            value = misconception.answer(variant)
        except Exception:  # noqa: BLE001 - a geometry the mistake cannot make, or a bug in it: never a grading crash
            continue
        if value is not None:
            found.append((misconception, value))
    return tuple(found)


def training_data(variant: Variant, device: str) -> tuple[str, int, int] | None:
    """(data set, train images, test images) a kind trains the student's model on for `device`; None: no training."""
    declared = getattr(KINDS[variant.kind], "training_data", None)
    return declared(variant, device) if declared else None


def answer_fields(variant: Variant) -> Group:
    """The boxes a person fills in for the variant (paper, marks sheet, LMS); by default read off the answer."""
    declared = getattr(KINDS[variant.kind], "fields", None)
    return declared(variant) if declared else derive(variant)


def as_returned(variant: Variant, submitted: Any) -> Returned:
    """A self-test's submission (a kind's model_submission or near_miss) as the sandbox would return it."""
    if isinstance(submitted, Returned):
        return submitted
    if getattr(KINDS[variant.kind], "score", None) is not None and isinstance(submitted, dict):
        return Returned(submitted, {})  # a code kind's results by call name
    return Returned({variant.variable: submitted} if submitted is not None else {}, {})
