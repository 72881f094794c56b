"""'Same' padding at stride 1: P = (K - 1) / 2 keeps the size for an odd K; an even K needs an odd total padding
K - 1, so no symmetric integer P works, and PyTorch's padding='same' puts the extra pixel on the right/bottom."""

from __future__ import annotations

from typing import Any

import numpy as np

from generator.kinds._common import (answer_stub, explain_answer, model_submission, near_miss, require_in_prompt,
                                     sample_variant, solution_source)
from generator.kinds._options import grade, render, shuffle_options
from generator.kinds._mistakes import mistake, option_letter
from generator.model import Template, Variant
from generator.render import plural
from solutions._args import conv_pads
from solutions.shapes import conv_output_size

FORMATS = ("numbers",)
REQUIRED = ("H", "K", "K_even")
OPTIONAL_PARAMS: tuple[str, ...] = ()  # read when the template has them
EXTRA_KEYS: dict[str, bool] = {}
ASKS = ("output size",)  # generator/media.py: code on the same paper omits its formula
__all__ = ["answer_stub", "grade", "model_submission", "near_miss", "render", "solution_source"]


def check_template(template: Template) -> None:
    """The prompt states both kernels."""
    for name in ("K", "K_even"):
        require_in_prompt(template, name, "the question is about this kernel size")


def same_pads(kernel: int) -> tuple[int, int]:
    """The zeros PyTorch's padding='same' adds before and after, along one axis, at stride 1."""
    return conv_pads("same", (kernel, kernel), (1, 1), (1, 1))[1]


TOP_LEFT = "PyTorch's padding='same' adds the extra row and column of zeros on the top and the left of the input."


def _half_statement(k_even: int) -> str:
    """The distractor that carries the odd kernel's rule over to the even one."""
    return f"$P = K / 2 = {k_even // 2}$ keeps the size, exactly as $P = (K - 1) / 2$ does for an odd kernel."


def _statements(k_even: int) -> tuple[str, list[str]]:
    """What goes wrong with the even kernel, and wrong accounts of it."""
    correct = (f"No integer $P$ works: $2P$ must equal $K - 1 = {k_even - 1}$, which is odd, so one side gets one "
               "more row or column of zeros.")
    return correct, [
        _half_statement(k_even),
        "An even kernel has no centre pixel, so it cannot be applied with stride 1 at all, whatever the padding.",
        TOP_LEFT,
        "With an even kernel the output is always one pixel smaller than the input, whatever padding is used.",
        "Padding alone cannot keep the size with an even kernel; only a stride of 2 with $P = K / 2$ can.",
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
            f"- PyTorch's `padding='same'` splits the {plural(even - 1, 'zero')} unevenly: {left} on the left (top) "
            f"and {right} on the right (bottom).\n\n"
            f"Correct statement: **{answer['why']}.** {p['options']['ABCDEFGHIJ'.index(answer['why'])]}\n\n"
            + explain_answer(variant))


def _full_kernel(variant: Variant) -> dict[str, Any]:
    """P = K - 1: the whole kernel's overhang put on every side."""
    return {**variant.answer, "P": variant.params["K"] - 1}


def _half_keeps_size(variant: Variant) -> dict[str, Any]:
    """P = K_even / 2 taken to keep the size, and the statement saying so picked where it is shown."""
    p, answer = variant.params, variant.answer
    return {**answer, "even_out": p["H"], "why": option_letter(variant, _half_statement(p["K_even"])) or answer["why"]}


def _extra_top_left(variant: Variant) -> dict[str, Any]:
    """PyTorch's extra zero put on the left (top) instead of the right (bottom)."""
    answer = variant.answer
    return {**answer, "even_pads": answer["even_pads"][::-1], "why": option_letter(variant, TOP_LEFT) or answer["why"]}


MISCONCEPTIONS = (
    mistake("P = K - 1 instead of (K - 1)/2", "At stride 1 the output has H − K + 2P + 1 rows: the K − 1 rows the "
            "kernel loses are split between the two sides, so P = (K − 1) / 2 on each.", _full_kernel),
    mistake("P = K/2 taken to keep the size", "With an even kernel 2P = K − 1 is odd: P = K / 2 adds one row "
            "too many, so the output is one pixel larger than the input.", _half_keeps_size),
    mistake("extra zero on the wrong side", "PyTorch's padding='same' puts the odd extra zero on the right (bottom), "
            "not on the left (top).", _extra_top_left),
)
