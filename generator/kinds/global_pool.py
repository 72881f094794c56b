"""Global average pooling before the classifier: its output volume (1 x 1 x C, whatever H and W), and the
parameters of the dense layer to N classes after it, against the same dense layer on the flattened feature map."""

from __future__ import annotations

from typing import Any

import numpy as np

from generator.kinds._common import (explain_answer, model_submission, near_miss, no_checks as check_template, render,
                                     sample_variant, solution_source)
from generator.kinds._mistakes import BIASES_FORGOTTEN, mistake
from generator.kinds._shape_entry import answer_stub, fields, grade
from generator.kinds.dense_vs_conv import latex_int
from generator.model import Template, Variant
from solutions.layer_math import classifier_heads, global_avg_pool_shape
from solutions.shapes import dense_params

FORMATS = ("numbers",)
REQUIRED = ("H", "W", "C", "N")
OPTIONAL_PARAMS: tuple[str, ...] = ()  # read when the template has them
EXTRA_KEYS: dict[str, bool] = {}
ASKS = ("output size", "parameter count")
__all__ = ["answer_stub", "check_template", "fields", "grade", "model_submission", "near_miss", "render",
           "solution_source"]


def _compute(template: Template, params: dict[str, Any], rng: np.random.Generator) -> tuple[dict[str, Any], Any]:
    """The pooled shape from solutions.layer_math.global_avg_pool_shape, the heads from classifier_heads."""
    if params["H"] * params["W"] < 2:
        raise ValueError(f"a {params['H']} x {params['W']} feature map has nothing to pool: pooling saves nothing")
    shape = (params["C"], params["H"], params["W"])
    channels, height, width = global_avg_pool_shape(shape)
    heads = classifier_heads(shape, params["N"])
    return params, {"output": [height, width, channels], "gap_dense_params": heads.pooled.total,
                    "flatten_dense_params": heads.flattened.total, "saved": heads.saved}


def generate(template: Template, seed: int) -> Variant:
    """A feature map and a number of classes."""
    return sample_variant(template, seed, _compute)


def explain(variant: Variant) -> str:
    """One average per channel; the dense layer then sees C features instead of H·W·C."""
    p, answer = variant.params, variant.answer
    c, h, w, n = p["C"], p["H"], p["W"], p["N"]
    return (f"Global average pooling replaces each of the {c} channels by the average of its ${h} \\times {w}$ "
            f"values: the output is $1 \\times 1 \\times {c}$, whatever the feature map's height and width.\n\n"
            f"- dense layer after global average pooling: ${c}$ features $\\times$ ${n}$ classes + ${n}$ biases "
            f"$= {latex_int(answer['gap_dense_params'])}$\n"
            f"- dense layer after flattening: ${h} \\cdot {w} \\cdot {c} = {latex_int(h * w * c)}$ features "
            f"$\\times$ ${n}$ classes + ${n}$ biases $= {latex_int(answer['flatten_dense_params'])}$\n"
            f"- saved: ${latex_int(answer['flatten_dense_params'])} - {latex_int(answer['gap_dense_params'])} "
            f"= {latex_int(answer['saved'])}$, that is $(H W - 1)\\, C N$: the pooling itself has no parameters\n\n"
            + explain_answer(variant))


def _pooled_as(variant: Variant, pooled: tuple[int, int, int]) -> dict[str, Any]:
    """The answer where a mistake's pooling leaves a (C, H, W) volume and the dense layer reads all of it."""
    after = dense_params(pooled[0] * pooled[1] * pooled[2], variant.params["N"]).total
    flattened = variant.answer["flatten_dense_params"]
    return {"output": [pooled[1], pooled[2], pooled[0]], "gap_dense_params": after, "flatten_dense_params": flattened,
            "saved": flattened - after}


def _spatial_kept(variant: Variant) -> dict[str, Any]:
    """The pooling read as keeping H x W: the output H x W x C, the dense layer as large as after flattening."""
    p = variant.params
    return _pooled_as(variant, (p["C"], p["H"], p["W"]))


def _channels_averaged(variant: Variant) -> dict[str, Any]:
    """The average taken across the channels at each position: H x W x 1."""
    p = variant.params
    return _pooled_as(variant, (1, p["H"], p["W"]))


def _biases_forgotten(variant: Variant) -> dict[str, Any]:
    """Both dense layers' weights alone (the saving is the same: both have N biases)."""
    p = variant.params
    heads = classifier_heads((p["C"], p["H"], p["W"]), p["N"], bias=False)
    return {**variant.answer, "gap_dense_params": heads.pooled.total, "flatten_dense_params": heads.flattened.total}


MISCONCEPTIONS = (
    mistake("global pooling output taken as H×W×C",
            "Global average pooling averages each channel over all its positions, one window as large as the "
            "feature map: the output is 1 × 1 × C, and the dense layer after it sees C features.", _spatial_kept),
    mistake("averaged over the channels",
            "Pooling works on each channel separately, over the spatial positions: it keeps the C channels and "
            "removes H and W (1 × 1 × C), not the other way round.", _channels_averaged),
    mistake("biases forgotten", BIASES_FORGOTTEN, _biases_forgotten),
)
