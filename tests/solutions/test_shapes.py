"""Output sizes, exactness, receptive fields and layer tables."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from solutions import numpy_ref
from solutions.shapes import (AvgPool2d, Conv2d, Dense, Flatten, MaxPool2d, layer_table, layers_from_data,
                              output_size_is_exact, receptive_field, receptive_fields)


def test_output_size_floors_like_torch_and_reports_exactness() -> None:
    assert numpy_ref.conv_output_size(7, 3, stride=2) == 3  # (7-3)/2+1, exact
    assert output_size_is_exact(7, 3, stride=2)
    assert numpy_ref.conv_output_size(8, 3, stride=2) == 3  # (8-3)/2 = 2.5, floored
    assert not output_size_is_exact(8, 3, stride=2)
    assert numpy_ref.conv_output_size((64, 48), (5, 3), stride=(2, 1), padding=(2, 1)) == (32, 48)


@given(st.integers(1, 40), st.integers(1, 7), st.integers(1, 4), st.integers(0, 3), st.integers(1, 3))
def test_output_size_matches_the_actual_convolution(size: int, k: int, s: int, p: int, d: int) -> None:
    import numpy as np

    if d * (k - 1) + 1 > size + 2 * p:
        with pytest.raises(ValueError, match="larger than the padded input"):
            numpy_ref.conv_output_size(size, k, s, p, d)
        return
    out = numpy_ref.conv2d(np.zeros((1, 1, 1, size)), np.zeros((1, 1, 1, k)), stride=(1, s), padding=(0, p),
                           dilation=(1, d))
    assert out.shape[-1] == numpy_ref.conv_output_size(size, k, s, p, d)


def test_receptive_field_of_stacked_convs_and_pools() -> None:
    three_3x3 = [Conv2d(8, 3), Conv2d(8, 3), Conv2d(8, 3)]
    assert receptive_fields(three_3x3) == [(3, 3), (5, 5), (7, 7)]
    lenet = [Conv2d(6, 5), AvgPool2d(2), Conv2d(16, 5), AvgPool2d(2)]
    assert receptive_fields(lenet) == [(5, 5), (6, 6), (14, 14), (16, 16)]  # r += (k-1) * product of strides so far
    assert receptive_field([Conv2d(1, 3, stride=2), Conv2d(1, 3)]) == (7, 7)
    assert receptive_field([Conv2d(1, 3, dilation=2), Conv2d(1, (3, 1))]) == (7, 5)
    assert receptive_field([]) == (1, 1)
    with pytest.raises(ValueError, match="conv and pool layers only"):
        receptive_field([Conv2d(1, 3), Flatten()])


def test_layer_table_rows_shapes_and_names() -> None:
    table = layer_table((3, 64, 64), [Conv2d(8, 5, stride=2), MaxPool2d(3, stride=2), Flatten(), Dense(10)])
    assert [row.name for row in table.rows] == ["conv1", "pool1", "flatten1", "fc1"]
    assert [row.output_shape for row in table.rows] == [(8, 30, 30), (8, 14, 14), (1568,), (10,)]
    assert [row.params.total for row in table.rows] == [608, 0, 0, 15_690]
    assert table.rows[0].description == "conv 8@5x5, stride 2"
    assert table.output_shape == (10,)


def test_dense_after_a_feature_map_needs_a_flatten() -> None:
    with pytest.raises(ValueError, match=r"layer 2 \(dense 10\).*add a flatten layer"):
        layer_table((1, 8, 8), [Conv2d(2, 3), Dense(10)])


def test_layer_that_does_not_fit_names_the_layer_and_shape() -> None:
    with pytest.raises(ValueError, match=r"layer 3 \(conv 4@5x5\) with input shape \(2, 3, 3\)"):
        layer_table((1, 8, 8), [Conv2d(2, 3), MaxPool2d(2), Conv2d(4, 5)])


def test_layers_from_yaml_style_data() -> None:
    layers = layers_from_data([{"type": "conv2d", "out_channels": 6, "kernel_size": 5, "padding": 2},
                               {"type": "maxpool2d", "kernel_size": 2}, {"type": "flatten"},
                               {"type": "dense", "out_features": 10}])
    assert layers == [Conv2d(6, 5, padding=2), MaxPool2d(2), Flatten(), Dense(10)]


@pytest.mark.parametrize("item, message", [
    ({"type": "conv3d"}, "type must be one of"),
    ({"type": "conv2d", "out_channels": 6, "kernel": 5}, "unknown key 'kernel'"),
    ({"type": "dense"}, r"^layer 1 \(dense\): missing out_features$"),
])
def test_bad_layer_data_names_the_layer_and_key(item: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        layers_from_data([item])
