"""'Same' padding at stride 1: P = (K - 1) / 2 keeps the size for an odd K; an even K needs an odd total padding
K - 1, so no symmetric integer P works, and PyTorch's padding='same' puts the extra pixel on the right/bottom."""

from __future__ import annotations

from typing import Any

import numpy as np

from generator.kinds._common import (answer_stub, explain_answer, model_submission, near_miss, require_in_prompt,
                                     sample_variant, solution_source)
from generator.kinds._options import grade, render, shuffle_options
from generator.model import Template, Variant
from solutions._args import conv_pads
from solutions.shapes import conv_output_size

FORMATS = ("numbers",)
REQUIRED = ("H", "K", "K_even")
EXTRA_KEYS: dict[str, bool] = {}
__all__ = ["answer_stub", "grade", "model_submission", "near_miss", "render", "solution_source"]


def check_template(template: Template) -> None:
    """The prompt states both kernels."""
    for name in ("K", "K_even"):
        require_in_prompt(template, name, "the question is about this kernel size")


def same_pads(kernel: int) -> tuple[int, int]:
    """The zeros PyTorch's padding='same' adds before and after, along one axis, at stride 1."""
    return conv_pads("same", (kernel, kernel), (1, 1), (1, 1))[1]


def _statements(k_even: int) -> tuple[str, list[str]]:
    """What goes wrong with the even kernel, and wrong accounts of it."""
    half = k_even // 2
    correct = (f"No integer $P$ works: stride 1 keeps the size only if $2P = K - 1 = {k_even - 1}$, which is odd, so "
               f"one side must get one more row or column of zeros than the other.")
    return correct, [
        f"$P = K / 2 = {half}$ keeps the size, exactly as $P = (K - 1) / 2$ does for an odd kernel.",
        "An even kernel cannot be applied with stride 1.",
        "PyTorch's padding='same' adds the extra row and column on the top and the left.",
        "With an even kernel the output is always one pixel smaller than the input, whatever the padding.",
        "Padding cannot keep the size with an even kernel; only a stride of 2 can.",
    ]


def _compute(template: Template, params: dict[str, Any], rng: np.random.Generator) -> tuple[dict[str, Any], Any]:
    """P from torch's 'same' rule (solutions._args.conv_pads); the output with P = K_even / 2 from conv_output_size."""
    size, odd, even = params["H"], params["K"], params["K_even"]
    if odd % 2 == 0 or even % 2 or not 2 <= even <= size or odd > size:
        raise ValueError(f"K must be odd and K_even even, both at most H (got K={odd}, K_even={even}, H={size})")
    before, after = same_pads(odd)
    naive = conv_output_size(size, even, 1, even // 2)
    correct, distractors = _statements(even)
    options, letter = shuffle_options(rng, correct, distractors)
    answer = {"P": before, "even_out": naive, "even_pads": list(same_pads(even)), "why": letter}
    return {**params, "options": options}, answer


def generate(template: Template, seed: int) -> Variant:
    """Two kernel sizes, one odd and one even, on a sampled input size."""
    return sample_variant(template, seed, _compute)


def explain(variant: Variant) -> str:
    """Stride 1 gives H_out = H - K + 2P + 1: keeping H needs 2P = K - 1."""
    p, answer = variant.params, variant.answer
    size, odd, even = p["H"], p["K"], p["K_even"]
    left, right = answer["even_pads"]
    return (f"At stride 1, $H_{{out}} = H - K + 2P + 1$, so $H_{{out}} = H$ needs $2P = K - 1$.\n\n"
            f"- $K = {odd}$: $P = ({odd} - 1) / 2 = {answer['P']}$.\n"
            f"- $K = {even}$: $2P = {even - 1}$ is odd, so no integer $P$ keeps the size. The symmetric "
            f"$P = {even // 2}$ gives ${size} - {even} + {even} + 1 = {answer['even_out']}$, one pixel too many "
            f"(and $P = {even // 2 - 1}$ one too few).\n"
            f"- PyTorch's `padding='same'` splits the {even - 1} zeros unevenly: {left} on the left (top) and "
            f"{right} on the right (bottom).\n\n"
            f"Correct statement: **{answer['why']}.** {p['options']['ABCDEFGHIJ'.index(answer['why'])]}\n\n"
            + explain_answer(variant))
