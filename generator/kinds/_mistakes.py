"""What the answer kinds' misconceptions share: the mistaken output-size rules, a by-hand convolution bent by a
mistake, option letters, and the rule that a mistake giving the right answer is not one to recognise."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from generator.grading.read import LETTERS
from generator.kinds._common import exact_list
from generator.model import Misconception, Variant
from solutions.numpy_ref import conv2d

Answer = Callable[[Variant], Any]
Geometry = tuple[Sequence[int], int, int, int]  # input size per axis, kernel, stride, padding

PADDING_FORGOTTEN = ("Zero padding adds P rows and columns of zeros on every side before the filter slides, so the "
                     "size rule is ⌊(W − K + 2P) / S⌋ + 1, not W − K without the padding.")
PADDING_ONCE = ("The P zeros go on both sides (left and right, top and bottom), so the padded input is W + 2P "
                "wide, not W + P.")
STRIDE_IGNORED = ("The filter moves S pixels at a time, so only every S-th position gives an output: divide "
                  "W − K + 2P by the stride (the lecture's stride 2 halves the signal).")
ROUNDED_UP = ("The filter slides only while it lies entirely on the padded input; a last window that would run past "
              "the edge is dropped, so the division by S rounds down, as in PyTorch.")
DILATION_IGNORED = ("A dilation D spreads the kernel's K taps D pixels apart, so the kernel spans D(K − 1) + 1 "
                    "input pixels: use that span where the rule without dilation uses K.")
DEPTH_NAME = "output depth = input channels instead of the number of filters"
DEPTH_FROM_INPUT = ("Each filter spans all the input channels and gives one feature map, so the output has as many "
                    "channels as there are filters (F), not as many as the input.")
BIASES_FORGOTTEN = ("Neurons have learnable weights and biases: every filter (and every dense unit) adds one bias, "
                    "as in the lecture's 5×5×3 weights + a bias per filter and 512 biases for a 512-unit layer.")
NOT_SHARED = ("Parameters are shared: one filter is applied at every position, so the count does not depend on the "
              "input's size (the lecture's 10K weights + 100 biases, whatever the image size).")
KERNEL_FLIPPED = ("A conv layer computes the elementwise multiplication and sum of the filter and each window as "
                  "they lie, without flipping the kernel (cross-correlation, as PyTorch does).")
PARTIAL_WINDOW = ("The filter slides only while it lies entirely on the padded input: a last window that would run "
                  "past the end is dropped, not filled with zeros (the output size rounds down).")


def same_answer(first: Any, second: Any, tolerance: float = 0.0) -> bool:
    """Equal structure, numbers within the tolerance, letters equal: what a grader could not tell apart."""
    if isinstance(first, dict) or isinstance(second, dict):
        return isinstance(first, dict) and isinstance(second, dict) and first.keys() == second.keys() and \
            all(same_answer(first[key], second[key], tolerance) for key in first)
    if isinstance(first, (list, tuple)) or isinstance(second, (list, tuple)):
        return isinstance(first, (list, tuple)) and isinstance(second, (list, tuple)) and \
            len(first) == len(second) and all(same_answer(a, b, tolerance) for a, b in zip(first, second))
    if isinstance(first, str) or isinstance(second, str):
        return str(first).strip().upper() == str(second).strip().upper()
    return abs(float(first) - float(second)) <= tolerance + 1e-9


def mistake(name: str, explanation: str, answer: Answer) -> Misconception:
    """A Misconception whose answer is None where the mistake gives the right answer anyway: nothing to recognise."""
    @functools.wraps(answer)
    def recognisable(variant: Variant) -> Any:
        value = answer(variant)
        return None if value is None or same_answer(value, variant.answer, variant.tolerance) else value

    return Misconception(name, explanation, recognisable)


def out_size(size: int, kernel: int, stride: int, padding: int, *, sides: int = 2, round_up: bool = False) -> int:
    """⌊(W − K + 2P) / S⌋ + 1 as a mistake may bend it: padding on `sides` sides, rounded up."""
    span = size - kernel + sides * padding
    if span < 0:
        raise ValueError(f"a {kernel}-wide kernel does not fit {size} + {sides} x {padding} padding")
    return (-(-span // stride) if round_up else span // stride) + 1


@dataclass(frozen=True)
class SizeRule:
    """A mistaken output-size rule: its name, why it is wrong, and the size per axis it gives."""

    name: str
    explanation: str
    size: Callable[[int, int, int, int], int]  # (input size, kernel, stride, padding) -> output size


SIZE_RULES = (
    SizeRule("padding forgotten", PADDING_FORGOTTEN, lambda n, k, s, p: out_size(n, k, s, 0)),
    SizeRule("padding counted once instead of on both sides", PADDING_ONCE,
             lambda n, k, s, p: out_size(n, k, s, p, sides=1)),
    SizeRule("stride ignored", STRIDE_IGNORED, lambda n, k, s, p: out_size(n, k, 1, p)),
    SizeRule("rounding up instead of down", ROUNDED_UP, lambda n, k, s, p: out_size(n, k, s, p, round_up=True)),
)


def size_misconceptions(geometry: Callable[[Variant], Geometry],
                        answer_with: Callable[[Variant, list[int]], Any]) -> tuple[Misconception, ...]:
    """One misconception per mistaken size rule: the variant's answer with the output sizes that rule gives."""
    def declare(rule: SizeRule) -> Misconception:
        def answer(variant: Variant) -> Any:
            sizes, kernel, stride, padding = geometry(variant)
            return answer_with(variant, [rule.size(n, kernel, stride, padding) for n in sizes])

        return mistake(rule.name, rule.explanation, answer)

    return tuple(declare(rule) for rule in SIZE_RULES)


def correlate(x: Any, w: Any, stride: int, padding: int, *, flip: bool = False, partial: bool = False) -> list[Any]:
    """solutions.numpy_ref.conv2d on a 1D or 2D integer array as a mistake computes it: the kernel flipped (true
    convolution), or a last window that runs past the padded input kept (zeros beyond the end)."""
    flat = np.ndim(x) == 1
    image, kernel = np.atleast_2d(np.asarray(x, dtype=float)), np.atleast_2d(np.asarray(w, dtype=float))
    if flip:
        kernel = kernel[::-1, ::-1]
    pads = []
    for axis in range(2):
        if flat and axis == 0:
            pads.append((0, 0))
            continue
        size, width = image.shape[axis], kernel.shape[axis]
        extra = (out_size(size, width, stride, padding, round_up=True) - 1) * stride + width - (size + 2 * padding) \
            if partial else 0
        pads.append((padding, padding + extra))
    out = conv2d(np.pad(image, pads)[None, None], kernel[None, None], stride=stride)[0, 0]
    return exact_list(out[0] if flat else out)


def by_hand_misconceptions(read: Callable[[Variant], tuple[Any, Any, int, int]]) -> tuple[Misconception, ...]:
    """A by-hand convolution's mistakes, from the variant's (input, kernel, stride, padding)."""
    def slide(**bent: Any) -> Answer:
        def answer(variant: Variant) -> Any:
            x, w, stride, padding = read(variant)
            return correlate(x, w, bent.get("stride", stride), bent.get("padding", padding),
                             flip=bent.get("flip", False), partial=bent.get("partial", False))

        return answer

    return (mistake("kernel flipped", KERNEL_FLIPPED, slide(flip=True)),
            mistake("padding forgotten", PADDING_FORGOTTEN, slide(padding=0)),
            mistake("stride ignored", STRIDE_IGNORED, slide(stride=1)),
            mistake("partial last window kept", PARTIAL_WINDOW, slide(partial=True)))


def option_letter(variant: Variant, text: str) -> str | None:
    """The letter under which the variant shows this statement, or None when it is not among the options."""
    options = list(variant.params.get("options", ()))
    return LETTERS[options.index(text)] if text in options else None
