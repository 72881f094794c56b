"""Modern layers' arithmetic agrees exactly with torch: parameter counts with sum(p.numel()), running statistics
with the batchnorm buffers, output shapes with a forward pass, the VGG stack's receptive field with autograd's
footprint (dilated and strided stacks are checked the same way in test_dilated_shapes.py)."""

from __future__ import annotations

from fractions import Fraction

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

from solutions.layer_math import (basic_block_params, bottleneck_block_params, classifier_heads,
                                  conv_transpose_output_size, global_avg_pool_shape, grouped_conv2d_params, reduced_conv_params,
                                  residual_block_output_shape, separable_conv2d_params, separable_to_standard_ratio,
                                  stack_receptive_field, vgg_comparison)
from solutions.shapes import Conv2d
from tests.solutions.shape_oracles import torch_block, torch_receptive_field
from tests.solutions.torch_oracle import n_params, n_running_stats, one_torch_thread  # noqa: F401 (a fixture)


@settings(max_examples=200, deadline=None)
@given(st.tuples(st.integers(1, 9), st.integers(1, 9)), st.tuples(st.integers(1, 5), st.integers(1, 5)),
       st.tuples(st.integers(1, 4), st.integers(1, 4)), st.tuples(st.integers(0, 3), st.integers(0, 3)),
       st.tuples(st.integers(0, 3), st.integers(0, 3)), st.tuples(st.integers(1, 3), st.integers(1, 3)))
def test_transposed_output_size_matches_torch_and_refuses_what_torch_refuses(in_hw: tuple[int, int],
                                                                            kernel: tuple[int, int],
                                                                            stride: tuple[int, int],
                                                                            padding: tuple[int, int],
                                                                            output_padding: tuple[int, int],
                                                                            dilation: tuple[int, int]) -> None:
    layer = nn.ConvTranspose2d(1, 1, kernel, stride, padding, output_padding, dilation=dilation)
    try:
        torch_shape = tuple(layer(torch.zeros(1, 1, *in_hw)).shape[2:])
    except RuntimeError:
        torch_shape = (0, 0)
    if min(torch_shape) == 0:  # torch refuses negative sizes and returns an empty tensor for 0; we refuse both
        with pytest.raises(ValueError):
            conv_transpose_output_size(in_hw, kernel, stride, padding, output_padding, dilation)
        return
    assert conv_transpose_output_size(in_hw, kernel, stride, padding, output_padding, dilation) == torch_shape
    assert conv_transpose_output_size(in_hw[0], kernel[0], stride[0], padding[0], output_padding[0],
                                      dilation[0]) == torch_shape[0]


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 4), st.integers(1, 4), st.integers(1, 4), st.integers(1, 5), st.integers(1, 5),
       st.booleans())
def test_grouped_and_separable_counts_match_torch(groups: int, in_per_group: int, out_per_group: int, kh: int,
                                                  kw: int, bias: bool) -> None:
    c_in, c_out = groups * in_per_group, groups * out_per_group
    grouped = grouped_conv2d_params(c_in, c_out, (kh, kw), groups, bias)
    assert grouped.total == n_params(nn.Conv2d(c_in, c_out, (kh, kw), groups=groups, bias=bias))
    assert grouped.total == n_params(nn.ConvTranspose2d(c_in, c_out, (kh, kw), groups=groups, bias=bias))
    separable = nn.Sequential(nn.Conv2d(c_in, c_in, (kh, kw), groups=c_in, bias=bias), nn.Conv2d(c_in, c_out, 1,
                                                                                                 bias=bias))
    assert separable_conv2d_params(c_in, c_out, (kh, kw), bias).total == n_params(separable)
    ratio = separable_to_standard_ratio(c_in, c_out, (kh, kw), bias)
    assert ratio == Fraction(n_params(separable), n_params(nn.Conv2d(c_in, c_out, (kh, kw), bias=bias)))
    if not bias:
        assert ratio == Fraction(1, c_out) + Fraction(1, kh * kw)


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 64), st.integers(1, 16), st.integers(1, 64), st.sampled_from([1, 3, 5, (3, 5)]),
       st.booleans())
def test_one_by_one_reduction_matches_torch(c_in: int, reduced: int, c_out: int, kernel: int | tuple[int, int],
                                            bias: bool) -> None:
    block = nn.Sequential(nn.Conv2d(c_in, reduced, 1, bias=bias), nn.Conv2d(reduced, c_out, kernel, bias=bias))
    assert reduced_conv_params(c_in, reduced, c_out, kernel, bias).total == n_params(block)


@pytest.mark.parametrize("n_layers", [1, 2, 3, 4, 5])
@pytest.mark.parametrize("channels", [1, 3, 64, 256])
@pytest.mark.parametrize("bias", [True, False])
def test_vgg_stack_against_one_large_kernel_matches_torch(n_layers: int, channels: int, bias: bool) -> None:
    comparison = vgg_comparison(n_layers, channels, bias=bias)
    assert comparison.receptive_field == stack_receptive_field(n_layers) == 2 * n_layers + 1
    assert torch_receptive_field([Conv2d(channels, 3)] * n_layers) == (2 * n_layers + 1,) * 2
    stack = nn.Sequential(*(nn.Conv2d(channels, channels, 3, bias=bias) for _ in range(n_layers)))
    assert comparison.stack.total == n_params(stack)
    single = nn.Conv2d(channels, channels, 2 * n_layers + 1, bias=bias)
    assert comparison.single.total == n_params(single)
    x = torch.zeros(1, channels, 2 * n_layers + 3, 2 * n_layers + 3)
    assert stack(x).shape == single(x).shape  # same receptive field, same output grid


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(["basic", "bottleneck"]), st.integers(1, 24), st.integers(1, 12), st.integers(1, 3),
       st.sampled_from([None, True, False]), st.integers(1, 9))
def test_residual_blocks_match_torch(kind: str, c_in: int, width: int, stride: int, projection: bool | None,
                                     size: int) -> None:
    c_out = width if kind == "basic" else 4 * width
    needed = stride != 1 or c_in != c_out
    compute = basic_block_params if kind == "basic" else bottleneck_block_params
    if projection is False and needed:
        with pytest.raises(ValueError, match="an identity shortcut needs stride 1 and in_channels == out_channels"):
            compute(c_in, width, stride, projection)
        return
    block, _ = torch_block(kind, c_in, width, stride, needed if projection is None else projection)
    counts = compute(c_in, width, stride, projection)
    assert counts.total == n_params(block)
    assert counts.shortcut == n_params(block.shortcut)
    assert counts.running_stats == n_running_stats(block)
    out = block.eval()(torch.zeros(1, c_in, size, size))
    assert residual_block_output_shape((c_in, size, size), c_out, stride) == tuple(out.shape[1:])


def test_resnet_reference_blocks() -> None:
    assert basic_block_params(64, 64).total == 73_984  # resnet18 layer1.0
    assert basic_block_params(64, 128, stride=2).total == 221_696 + 8_448  # layer2.0 with its projection
    assert bottleneck_block_params(64, 64).total == 75_008  # resnet50 layer1.0: 64 -> 256, projection needed
    assert bottleneck_block_params(256, 64).total == 70_400  # layer1.1: identity shortcut


@pytest.mark.parametrize("shape", [(1, 1, 1), (3, 7, 5), (512, 7, 7), (64, 1, 32)])
def test_global_average_pool_shape_matches_torch(shape: tuple[int, int, int]) -> None:
    out = nn.AdaptiveAvgPool2d(1)(torch.zeros(2, *shape))
    assert global_avg_pool_shape(shape) == tuple(out.shape[1:])


@pytest.mark.parametrize("shape, classes, bias", [((512, 7, 7), 1000, True), ((3, 4, 5), 2, False),
                                                   ((64, 1, 1), 10, True)])
def test_classifier_heads_match_torch(shape: tuple[int, int, int], classes: int, bias: bool) -> None:
    pooled = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(shape[0], classes, bias=bias))
    flattened = nn.Sequential(nn.Flatten(), nn.Linear(shape[0] * shape[1] * shape[2], classes, bias=bias))
    heads = classifier_heads(shape, classes, bias)
    assert (heads.pooled.total, heads.flattened.total) == (n_params(pooled), n_params(flattened))
    assert heads.saved == n_params(flattened) - n_params(pooled)
    x = torch.zeros(2, *shape)
    assert pooled(x).shape == flattened(x).shape == (2, classes)


@pytest.mark.parametrize("call, message", [
    (lambda: conv_transpose_output_size(4, 3, stride=2, output_padding=2), r"output_padding 2 must be smaller than "
                                                                           r"the stride 2 or the dilation 1"),
    (lambda: conv_transpose_output_size(1, 1, padding=1), r"padding 1 is too large: the output size would be -1"),
    (lambda: grouped_conv2d_params(6, 4, 3, groups=4), r"groups 4 must be positive and divide both in_channels 6"),
    (lambda: stack_receptive_field(0), r"n_layers must be at least 1, got 0"),
    (lambda: basic_block_params(64, 64, projection=False, stride=2), r"identity shortcut needs stride 1"),
    (lambda: global_avg_pool_shape((3, 4)), r"in_shape must be a per-example \(C, H, W\) with positive sizes"),
])
def test_bad_input_names_the_argument(call: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        call()  # type: ignore[operator]
