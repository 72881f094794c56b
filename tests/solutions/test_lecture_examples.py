"""The lecture's worked examples, checked against results worked out by hand."""

from __future__ import annotations

import numpy as np
import pytest

from solutions import numpy_ref
from solutions.architectures import ARCHITECTURES
from solutions.filters import EDGE_FILTERS, NAMED_FILTERS
from solutions.shapes import conv2d_params, dense_params, layer_table
from solutions.torch_ref import LeNet5, count_parameters

IMAGE = np.array([[1, 2, 3, 0],
                  [0, 1, 2, 3],
                  [3, 0, 1, 2],
                  [2, 3, 0, 1]], dtype=float)

# Worked by hand: each output is the 3x3 window around (1+i, 1+j) weighted by the filter.
BY_HAND = {
    "identity": [[1, 2], [0, 1]],                                # the window centres
    "edge detection (4-neighbour)": [[0, 0], [-8, 0]],           # 4*centre - up - down - left - right
    "edge detection (8-neighbour)": [[-4, 4], [-12, -4]],        # 9*centre - window sum (13, 14, 12, 13)
    "edge detection (diagonal)": [[-4, 4], [-4, -4]],            # top-left - top-right - bottom-left + bottom-right
    "sharpen": [[1, 2], [-8, 1]],                                # identity + 4-neighbour edges
    "box blur": [[13 / 9, 14 / 9], [12 / 9, 13 / 9]],            # window sums / 9
    "gaussian blur": [[20 / 16, 28 / 16], [20 / 16, 20 / 16]],   # corners*1 + edges*2 + centre*4, / 16
}


def apply_filter(image: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """A single-channel 'valid' convolution, as on the lecture slides."""
    return numpy_ref.conv2d(image[None, None], kernel[None, None])[0, 0]


@pytest.mark.parametrize("name", sorted(NAMED_FILTERS))
def test_named_filter_matches_hand_computation(name: str) -> None:
    np.testing.assert_allclose(apply_filter(IMAGE, NAMED_FILTERS[name]), BY_HAND[name], atol=1e-12)


@pytest.mark.parametrize("name", EDGE_FILTERS)
def test_edge_filters_give_zero_on_a_flat_patch(name: str) -> None:
    np.testing.assert_array_equal(apply_filter(np.ones((5, 5)), NAMED_FILTERS[name]), np.zeros((3, 3)))


def test_blurs_preserve_a_flat_patch() -> None:
    for name in ("box blur", "gaussian blur", "identity"):
        np.testing.assert_allclose(apply_filter(np.full((4, 4), 7.0), NAMED_FILTERS[name]), np.full((2, 2), 7.0))


def test_lecture_mlp_has_669706_parameters() -> None:
    mlp = ARCHITECTURES["mlp"]
    table = layer_table(mlp.input_shape, mlp.layers)
    assert [row.params.total for row in table.rows] == [401_920, 262_656, 5_130]
    assert table.total_params == 669_706


def test_conv_layer_needs_far_fewer_parameters_than_a_dense_one() -> None:
    conv = conv2d_params(in_channels=1, out_channels=100, kernel_size=10)
    assert (conv.weights, conv.biases, conv.total) == (10_000, 100, 10_100)
    dense = dense_params(1000 * 1000, 1_000_000, bias=False)
    assert dense.weights == 10**12


@pytest.mark.parametrize("name", ["lenet5", "lenet5-28"])
def test_lenet5_table_has_61706_parameters(name: str) -> None:
    arch = ARCHITECTURES[name]
    table = layer_table(arch.input_shape, arch.layers)
    assert table.total_params == 61_706
    assert [row.output_shape for row in table.rows] == [(6, 28, 28), (6, 14, 14), (16, 10, 10), (16, 5, 5), (400,),
                                                        (120,), (84,), (10,)]


@pytest.mark.parametrize("variant", ["classic", "modern"])
@pytest.mark.parametrize("size", [28, 32])
def test_lenet5_module_has_61706_parameters_and_ten_outputs(variant: str, size: int) -> None:
    import torch

    model = LeNet5(variant=variant, input_size=size)  # type: ignore[arg-type]
    assert count_parameters(model) == 61_706
    assert model(torch.zeros(3, 1, size, size)).shape == (3, 10)


def test_lenet5_variants_differ_in_activation_and_pooling() -> None:
    from torch import nn

    classic, modern = LeNet5("classic"), LeNet5("modern")
    assert any(isinstance(m, nn.Tanh) for m in classic.modules())
    assert any(isinstance(m, nn.AvgPool2d) for m in classic.modules())
    assert any(isinstance(m, nn.ReLU) for m in modern.modules())
    assert any(isinstance(m, nn.MaxPool2d) for m in modern.modules())


def test_homework_feature_map_sizes() -> None:
    # RGB 64x64, 8 filters of 5x5, stride 2: P=0 gives 30x30x8 and P=2 gives 32x32x8.
    assert numpy_ref.conv_output_size(64, 5, stride=2, padding=0) == 30
    assert numpy_ref.conv_output_size(64, 5, stride=2, padding=2) == 32
    x = np.zeros((1, 3, 64, 64))
    w = np.zeros((8, 3, 5, 5))
    assert numpy_ref.conv2d(x, w, stride=2).shape == (1, 8, 30, 30)
    assert numpy_ref.conv2d(x, w, stride=2, padding=2).shape == (1, 8, 32, 32)


def test_conv1d_lecture_examples() -> None:
    signal = np.array([[[1.0, 3, 2, 0, 4, 1]]])
    kernel = np.array([[[1.0, 0, -1]]])
    # padding 1: [0,1,3,2,0,4,1,0] -> 0-3, 1-2, 3-0, 2-4, 0-1, 4-0
    np.testing.assert_array_equal(numpy_ref.conv1d(signal, kernel, padding=1)[0, 0], [-3, -1, 3, -2, -1, 4])
    np.testing.assert_array_equal(numpy_ref.conv1d(signal, kernel, padding=1, stride=2)[0, 0], [-3, 3, -1])
