"""softmax_ce, im2col_shapes and code_im2col_conv against torch over 200 variants each (F.softmax, F.cross_entropy
and autograd; F.unfold and a conv layer's weight), and the code exercise's hidden tests: the worked solution passes,
a transposed or channel-last patch matrix fails and the feedback says why."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from generator.kinds import KINDS, request, score
from generator.kinds._code import hidden_cases
from generator.kinds._code_functions import function_of, run_cases, run_source
from generator.media import paper_prompt
from generator.model import SETUP_SOURCE, Context, Returned, Variant
from generator.templates import load_template
from tests.generator.conftest import TEMPLATES
from tests.solutions.torch_oracle import one_torch_thread  # noqa: F401 (a fixture)

SEEDS = range(200)
KEY_DECIMALS = 1e-4  # the key holds 4 decimals


def _variants(template_id: str, seeds: range = SEEDS) -> list[Variant]:
    template = load_template(TEMPLATES / f"{template_id}.yaml")
    return [KINDS[template.kind].generate(template, seed) for seed in seeds]


def test_softmax_ce_matches_torch_over_200_variants() -> None:
    """Probabilities from F.softmax, the loss from F.cross_entropy, the gradient from autograd through it."""
    for variant in _variants("softmax-ce"):
        logits = torch.tensor(variant.params["logits"], dtype=torch.float64, requires_grad=True)
        label = variant.params["label"]
        loss = F.cross_entropy(logits[None], torch.tensor([label]))
        loss.backward()
        answer = variant.answer
        np.testing.assert_allclose(answer["probabilities"], F.softmax(logits, dim=0).detach().numpy(),
                                   atol=KEY_DECIMALS, err_msg=f"seed {variant.seed}")
        assert answer["loss"] == pytest.approx(loss.item(), abs=KEY_DECIMALS), variant.seed
        np.testing.assert_allclose(answer["gradient"], logits.grad.numpy(), atol=KEY_DECIMALS,
                                   err_msg=f"seed {variant.seed}")


def test_softmax_ce_variants_are_never_trivial_and_vary() -> None:
    """The true class's probability is neither near 0 nor near 1, one class is predicted, the answers differ."""
    variants = _variants("softmax-ce")
    for variant in variants:
        p, label = variant.answer["probabilities"], variant.params["label"]
        assert 0.1 <= p[label] <= 0.9 and sorted(p)[-1] > sorted(p)[-2], variant.seed
    assert len({str(v.answer) for v in variants}) >= 150  # integer logits of 3 classes repeat now and then
    assert {len(v.params["logits"]) for v in variants} == {3, 4, 5}
    assert any(v.params["predicted"] != v.params["label"] for v in variants)
    assert any(v.params["predicted"] == v.params["label"] for v in variants)


def test_im2col_shapes_match_unfold_and_a_conv_layer_over_200_variants() -> None:
    """Patches from F.unfold on the input, weights from nn.Conv2d's weight as a matrix, the product from
    multiplying them, and that product is the conv layer's output, flattened."""
    for variant in _variants("im2col-shapes"):
        p = variant.params
        x = torch.randn(1, p["C"], p["H"], p["W"], dtype=torch.float64)
        conv = nn.Conv2d(p["C"], p["F"], p["K"], p["S"], p["P"], bias=False).double()
        patches = F.unfold(x, p["K"], padding=p["P"], stride=p["S"])[0]
        weights = conv.weight.detach().reshape(p["F"], -1)
        product = weights @ patches
        with torch.no_grad():
            out = conv(x)[0]
        torch.testing.assert_close(product, out.reshape(p["F"], -1))
        assert variant.answer == {"patches": list(patches.shape), "weights": list(weights.shape),
                                  "product": list(product.shape)}, variant.seed


def _graded(variant: Variant, answer: Any) -> Any:
    return KINDS[variant.kind].grade(variant, answer)


@pytest.mark.parametrize("template_id", ["softmax-ce", "im2col-shapes"])
def test_each_misconception_is_recognised_by_name_and_costs_marks(template_id: str) -> None:
    seen = set()
    for variant in _variants(template_id, range(30)):
        for misconception in KINDS[variant.kind].MISCONCEPTIONS:
            mistaken = misconception.answer(variant)
            if mistaken is None:
                continue
            result = _graded(variant, mistaken)
            assert misconception.name in result.misconceptions and result.points < variant.points, \
                (variant.seed, misconception.name, result.feedback)
            seen.add(misconception.name)
    assert seen == {m.name for m in KINDS[_variants(template_id, range(1))[0].kind].MISCONCEPTIONS}


def test_im2col_shapes_on_paper_keep_the_layout_and_drop_the_floor_rule_unless_hinted() -> None:
    variant = _variants("im2col-shapes", range(1))[0]
    printed = paper_prompt(variant, frozenset(), hints=False)
    assert "unfold" in printed and "one column per output position" in printed and "lfloor" not in printed
    assert "dropped (round down)" in printed and "lfloor" in paper_prompt(variant, frozenset(), hints=True)


# --- the code exercise ------------------------------------------------------------------------------------------


def _code_variant(seed: int = 0) -> Variant:
    return _variants("code-im2col-conv", range(seed, seed + 1))[0]


def _solution() -> dict[str, Any]:
    namespace: dict[str, Any] = {}
    exec(f"{SETUP_SOURCE}\n{KINDS['code_im2col_conv'].solution_source(_code_variant())}", namespace)  # noqa: S102
    return namespace


def test_hidden_cases_call_both_functions_and_agree_with_torch() -> None:
    """Every drawn geometry is tried on im2col and on conv2d_im2col; torch's F.unfold and F.conv2d agree with the
    NumPy reference (hidden_cases raises otherwise) over 200 variants' cases."""
    for seed in SEEDS:
        cases = hidden_cases(_code_variant(seed))
        assert {function_of(c) for c in cases} == {"im2col", "conv2d_im2col"}
        assert all(c.expected_torch is not None and np.allclose(c.expected, c.expected_torch) for c in cases)
    calls = request(_code_variant(), Context()).calls
    assert [call.entry_point for call in calls] == [function_of(c) for c in hidden_cases(_code_variant())]


def test_worked_solution_scores_full_and_the_stub_zero() -> None:
    variant = _code_variant()
    kind = KINDS[variant.kind]
    assert score(variant, Returned(kind.model_submission(variant), {}), Context()).points == variant.points
    result = kind.grade(variant, run_source(kind.answer_stub(variant), variant))
    assert result.points == 0 and "NotImplementedError" in result.feedback


def _channel_last(cols: np.ndarray, channels: int, kernel: int) -> np.ndarray:
    return cols.reshape(cols.shape[0], channels, kernel, kernel, -1).transpose(0, 2, 3, 1, 4).reshape(cols.shape)


@pytest.mark.parametrize("bend, name", [
    (lambda cols, c, k: cols.transpose(0, 2, 1), "the patch matrix transposed"),
    (_channel_last, "the channel last in each window"),
])
def test_a_wrong_patch_matrix_fails_only_im2col_and_the_feedback_says_why(bend: Any, name: str) -> None:
    """conv2d_im2col written consistently with its own (wrong) im2col still convolves right: those cases pass."""
    variant, right = _code_variant(), _solution()

    def wrong_im2col(x: np.ndarray, kernel_size: int, stride: int = 1, padding: int = 0) -> np.ndarray:
        return bend(right["im2col"](x, kernel_size, stride, padding), x.shape[1], kernel_size)

    result = KINDS[variant.kind].grade(variant, run_cases({**right, "im2col": wrong_im2col}, variant))
    cases = hidden_cases(variant)
    bent = [c for c in cases if function_of(c) == "im2col" and
            not np.array_equal(bend(c.expected, c.args[0].shape[1], c.args[1]), c.expected)]
    assert bent, "the variant has no case the bend changes"
    assert result.points == pytest.approx(variant.points * (len(cases) - len(bent)) / len(cases), abs=1e-4)
    assert f"{len(cases) - len(bent)}/{len(cases)} hidden test cases passed" in result.feedback
    assert f"this looks like {name}: " in result.feedback and result.misconceptions == (name,)


def test_a_convolution_without_biases_or_with_flipped_kernels_is_named() -> None:
    variant, right = _code_variant(), _solution()

    def unbiased(x: np.ndarray, w: np.ndarray, b: np.ndarray, stride: int = 1, padding: int = 0) -> np.ndarray:
        return right["conv2d_im2col"](x, w, np.zeros_like(b), stride, padding)

    def flipped(x: np.ndarray, w: np.ndarray, b: np.ndarray, stride: int = 1, padding: int = 0) -> np.ndarray:
        return right["conv2d_im2col"](x, w[:, :, ::-1, ::-1].copy(), b, stride, padding)

    for wrong, name in ((unbiased, "the biases forgotten"), (flipped, "the kernel flipped")):
        result = KINDS[variant.kind].grade(variant, run_cases({**right, "conv2d_im2col": wrong}, variant))
        assert result.points < variant.points and name in result.misconceptions, result.feedback


def test_the_paper_drops_the_shapes_the_im2col_shapes_question_asks() -> None:
    variant = _code_variant()
    alone = paper_prompt(variant, frozenset(), hints=False)
    beside = paper_prompt(variant, frozenset({"im2col shapes", "output size"}), hints=False)
    assert "(N, C*K*K, H_out*W_out)" in alone and "// stride + 1" in alone
    assert "(N, C*K*K, H_out*W_out)" not in beside and "// stride + 1" not in beside
    assert "Returns an array.\n" in beside
