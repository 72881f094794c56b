"""Dilation in the shape arithmetic, checked against torch: output sizes against the real modules, receptive fields
(and each step of their recurrence) against a gradient; layer labels name every attribute that changes the answer."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from solutions.shapes import (AvgPool2d, Conv2d, MaxPool2d, conv_output_size, describe_layer, layer_table,
                              layers_from_data, receptive_fields, receptive_steps)
from tests.solutions.shape_oracles import torch_output_hw, torch_receptive_field


@st.composite
def stacks(draw: st.DrawFn) -> list[Conv2d | MaxPool2d | AvgPool2d]:
    """Two to four conv and pool layers, some dilated, some pairs, some pools overlapping."""
    layers: list[Conv2d | MaxPool2d | AvgPool2d] = []
    for _ in range(draw(st.integers(2, 4))):
        if draw(st.booleans()):
            kernel = draw(st.sampled_from([1, 2, 3, 5, (3, 1)]))
            layers.append(Conv2d(None, kernel, draw(st.sampled_from([1, 2, (1, 2)])), draw(st.integers(0, 2)),
                                 draw(st.sampled_from([1, 2, 3, (2, 1)]))))
        else:
            pool = draw(st.sampled_from([MaxPool2d, AvgPool2d]))
            layers.append(pool(draw(st.integers(2, 3)), draw(st.sampled_from([None, 1, 2]))))
    return layers


@settings(max_examples=40, deadline=None)
@given(stacks())
def test_receptive_fields_match_torchs_gradient(layers: list[Conv2d | MaxPool2d | AvgPool2d]) -> None:
    for count in range(1, len(layers) + 1):
        assert receptive_fields(layers[:count])[-1] == torch_receptive_field(layers[:count]), layers[:count]


def test_the_issues_dilated_stack_and_its_steps() -> None:
    layers = [Conv2d(8, 5, dilation=3), MaxPool2d(2, stride=1), Conv2d(None, 3, stride=2, padding=1)]
    assert torch_receptive_field(layers) == receptive_fields(layers)[-1] == (16, 16)
    first, _ = receptive_steps(layers)[0]
    assert (first.field_in, first.kernel, first.dilation, first.jump_in, first.field_out) == (1, 5, 3, 1, 13)
    assert [(h.jump_in, h.jump_out) for h, _ in receptive_steps(layers)] == [(1, 1), (1, 1), (1, 2)]


@settings(max_examples=60, deadline=None)
@given(st.integers(8, 40), st.integers(8, 40), st.sampled_from([1, 2, 3, 5]), st.integers(1, 3), st.integers(0, 2),
       st.integers(1, 4), st.booleans())
def test_dilated_output_sizes_match_torch(height: int, width: int, kernel: int, stride: int, padding: int,
                                          dilation: int, pool: bool) -> None:
    padding = min(padding, kernel // 2)  # torch's pools refuse more
    if dilation * (kernel - 1) + 1 > min(height, width) + 2 * padding:
        return
    layer = MaxPool2d(kernel, stride, padding) if pool else Conv2d(4, kernel, stride, padding, dilation)
    expected = torch_output_hw(layer, height, width)
    if pool:
        assert conv_output_size((height, width), kernel, stride, padding) == expected
    else:
        assert conv_output_size((height, width), kernel, stride, padding, dilation) == expected


@pytest.mark.parametrize("layer, label", [
    (Conv2d(8, 5, dilation=3), "conv 8@5x5, dilation 3"),
    (Conv2d(8, 5, stride=2, padding=1, dilation=3), "conv 8@5x5, stride 2, pad 1, dilation 3"),
    (Conv2d(None, 3, dilation=(1, 2)), "conv 3x3, dilation (1, 2)"),
    (MaxPool2d(2, stride=1), "max pool 2x2, stride 1"),
    (MaxPool2d(2), "max pool 2x2"),
    (AvgPool2d(3, stride=2, padding=1), "avg pool 3x3, stride 2, pad 1"),
])
def test_labels_name_what_changes_the_answer(layer: Conv2d | MaxPool2d | AvgPool2d, label: str) -> None:
    assert describe_layer(layer) == label


def test_a_conv_without_channels_has_a_field_but_no_shape() -> None:
    layers = layers_from_data([{"type": "conv2d", "out_channels": None, "kernel_size": 3, "dilation": 2}])
    assert receptive_fields(layers) == [(5, 5)]
    with pytest.raises(ValueError, match=r"^layer 1 \(conv 3x3, dilation 2\) with input shape \(1, 8, 8\): "
                                         r"out_channels is needed for the output shape and the parameter count$"):
        layer_table((1, 8, 8), layers)
