"""The layer-table engine over every layer type, checked against torch on random valid stacks: each row's output
shape against a forward pass, its parameters against sum(p.numel()) (weights and biases as torch names them, batch
norm statistics as buffers), its cost against FlopCounterMode and the activation memory against the new tensors;
receptive fields through batch norm, ReLU and dropout against a gradient; bad stacks give one line naming the layer."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch.utils.flop_counter import FlopCounterMode

from solutions.cost import activation_bytes, network_costs
from solutions.shapes import (AvgPool2d, BatchNorm2d, Conv2d, ConvTranspose2d, Dense, Dropout, Flatten,
                              GlobalAvgPool2d, Layer, LayerError, MaxPool2d, ReLU, Residual, conv2d_params,
                              describe_layer, layer_table, layers_from_data, receptive_field, receptive_fields,
                              residual_convs, residual_params)
from tests.solutions.shape_oracles import torch_network, torch_receptive_field
from tests.solutions.torch_oracle import n_params, n_running_stats, new_tensor_bytes, one_torch_thread  # noqa: F401

DRAWS = 200
BATCH = 2  # a batch norm in training mode needs more than one value per channel


def _divisors(n: int) -> list[int]:
    """Every group count a channel count allows."""
    return [g for g in range(1, n + 1) if n % g == 0]


def _candidate(rng: np.random.Generator, channels: int, size: int) -> Layer:
    """One random layer for a (channels, size, size) input, valid or not (the caller keeps those that fit)."""
    kind = rng.choice(["conv", "depthwise", "tconv", "pool", "bn", "relu", "dropout", "residual", "gap"])
    kernel, stride, padding = int(rng.integers(1, 4)), int(rng.integers(1, 3)), int(rng.integers(0, 2))
    if kind == "conv":
        groups = int(rng.choice(_divisors(channels)))
        return Conv2d(groups * int(rng.integers(1, 4)), (kernel, int(rng.integers(1, 4))), stride, padding,
                      int(rng.integers(1, 3)), bool(rng.integers(2)), groups)
    if kind == "depthwise":
        return Conv2d(channels * int(rng.integers(1, 3)), 3, stride, 1, bias=bool(rng.integers(2)), groups=channels)
    if kind == "tconv" and size <= 12:
        dilation = int(rng.integers(1, 3))
        return ConvTranspose2d(int(rng.integers(1, 4)) * channels, kernel, stride, padding, dilation,
                               bool(rng.integers(2)), int(rng.choice([1, channels])),
                               output_padding=int(rng.integers(0, max(stride, dilation))))
    if kind == "pool":
        pool = MaxPool2d if rng.random() < 0.5 else AvgPool2d
        window = int(rng.integers(2, 4))
        return pool(window, rng.choice([None, 1, 2]), int(rng.integers(0, window // 2 + 1)))
    if kind == "residual":
        block = str(rng.choice(["basic", "bottleneck"]))
        out = int(rng.integers(1, 5)) * (4 if block == "bottleneck" else 1) * int(rng.choice([1, 2]))
        return Residual(block, channels if rng.random() < 0.3 else out, int(rng.integers(1, 3)))
    if kind == "gap":
        return GlobalAvgPool2d()
    others = {"bn": BatchNorm2d(), "dropout": Dropout(float(rng.choice([0.0, 0.25, 0.5])))}
    return others.get(str(kind), ReLU())  # a ReLU also where a transposed conv would grow a large map further


def random_stack(rng: np.random.Generator) -> tuple[tuple[int, int, int], list[Layer]]:
    """A valid stack of every layer type: feature-map layers while the map lasts, then flatten, dense, ReLU and
    dropout; each drawn layer is kept only where the engine accepts it."""
    shape: tuple[int, ...] = (int(rng.choice([1, 2, 3, 4, 6, 8])), *(int(rng.integers(6, 20)),) * 2)
    input_shape, layers = shape, []
    for _ in range(int(rng.integers(2, 8))):
        if len(shape) != 3 or max(shape) > 64:
            break
        layer = _candidate(rng, shape[0], shape[1])
        try:
            shape = layer_table(shape, [layer]).output_shape
        except LayerError:
            continue
        layers.append(layer)
    if rng.random() < 0.7:
        layers.append(Flatten())
        for _ in range(int(rng.integers(1, 3))):
            layers.append(Dense(int(rng.integers(1, 12)), bool(rng.integers(2))))
            layers += [ReLU()] if rng.random() < 0.5 else [Dropout(0.5)] if rng.random() < 0.3 else []
    return input_shape, layers  # type: ignore[return-value]


def _biases(module: torch.nn.Module) -> int:
    """The parameters torch names bias: a conv's or dense layer's biases, a batch norm's beta."""
    return sum(p.numel() for name, p in module.named_parameters() if name.endswith("bias"))


@settings(max_examples=DRAWS, deadline=None)
@given(st.integers(0, 2**32 - 1))
def test_random_stacks_match_torch_row_by_row(seed: int) -> None:
    shape, layers = random_stack(np.random.default_rng(seed))
    table = layer_table(shape, layers)
    network = torch_network(shape, layers)
    x = torch.zeros(BATCH, *shape)
    in_shape: tuple[int, ...] = shape
    with torch.no_grad():
        for row, layer, module in zip(table.rows, layers, network):
            x = module(x)
            assert row.output_shape == tuple(x.shape[1:]), (row, module)
            assert (row.params.total, row.params.biases) == (n_params(module), _biases(module)), (row, module)
            if isinstance(layer, BatchNorm2d):  # running mean and variance: buffers, never parameters
                assert n_running_stats(module) == row.params.total == 2 * row.output_shape[0]
            if isinstance(layer, Residual):
                assert n_running_stats(module) == residual_params(in_shape[0], layer).running_stats
                convs = residual_convs(in_shape[0], layer)  # what a cost and a worked solution walk
                assert sum(conv2d_params(c.in_channels, c.out_channels, c.kernel_size, bias=False).total
                           + 2 * c.out_channels for c in convs) == row.params.total
            in_shape = row.output_shape


@settings(max_examples=DRAWS, deadline=None)
@given(st.integers(0, 2**32 - 1))
def test_random_stacks_cost_and_memory_match_torch(seed: int) -> None:
    shape, layers = random_stack(np.random.default_rng(seed))
    network = torch_network(shape, layers)
    x = torch.zeros(BATCH, *shape)
    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        network(x)
    per_module = counter.get_flop_counts()  # a residual block's key holds its inner convs' FLOPs
    for index, cost in enumerate(network_costs(shape, layers, BATCH)):
        assert cost.flops(count_bias=False) == sum(per_module.get(f"Sequential.{index}", {}).values()), index
    with torch.no_grad():
        assert activation_bytes(shape, layers, BATCH) == new_tensor_bytes(network, x)


@st.composite
def passing_stacks(draw: st.DrawFn) -> list[Layer]:
    """Conv and pool layers with batch norm, ReLU and dropout between them."""
    layers: list[Layer] = []
    for _ in range(draw(st.integers(2, 5))):
        choice = draw(st.sampled_from(["conv", "pool", "bn", "relu", "dropout"]))
        layers.append({"conv": Conv2d(None, draw(st.sampled_from([1, 3, 5])), draw(st.sampled_from([1, 2])),
                                      dilation=draw(st.sampled_from([1, 2]))),
                       "pool": MaxPool2d(2), "bn": BatchNorm2d(), "relu": ReLU(), "dropout": Dropout()}[choice])
    return layers


@settings(max_examples=40, deadline=None)
@given(passing_stacks())
def test_batch_norm_relu_and_dropout_leave_the_receptive_field_unchanged(layers: list[Layer]) -> None:
    fields = receptive_fields(layers)
    assert fields[-1] == torch_receptive_field(layers)
    for index, layer in enumerate(layers):
        if isinstance(layer, (BatchNorm2d, ReLU, Dropout)):
            assert fields[index] == (fields[index - 1] if index else (1, 1))


@pytest.mark.parametrize("layer, label", [
    (Conv2d(32, 3, padding=1, groups=32), "conv 32@3x3, pad 1, groups 32"),
    (ConvTranspose2d(16, 3, stride=2, padding=1, output_padding=1), "transposed conv 16@3x3, stride 2, pad 1, "
                                                                    "output pad 1"),
    (ConvTranspose2d(8, 4, dilation=2, groups=2), "transposed conv 8@4x4, dilation 2, groups 2"),
    (BatchNorm2d(), "batch norm"), (ReLU(), "ReLU"), (Dropout(0.3), "dropout 0.3"),
    (GlobalAvgPool2d(), "global avg pool"),
    (Residual("basic", 64, 2), "basic residual block 64, stride 2"),
    (Residual("bottleneck", 256), "bottleneck residual block 256 (width 64)"),
])
def test_labels_of_the_new_layers_name_what_changes_the_answer(layer: Layer, label: str) -> None:
    assert describe_layer(layer) == label


def test_a_small_modern_network_by_hand() -> None:
    layers = [Conv2d(16, 3, padding=1, bias=False), BatchNorm2d(), ReLU(), Conv2d(16, 3, padding=1, groups=16),
              Conv2d(32, 1), Residual("basic", 64, 2), GlobalAvgPool2d(), Flatten(), Dropout(), Dense(10)]
    table = layer_table((3, 32, 32), layers)
    assert [row.name for row in table.rows] == ["conv1", "bn1", "relu1", "conv2", "conv3", "block1", "pool1",
                                                "flatten1", "dropout1", "fc1"]
    assert [row.params.total for row in table.rows] == [
        16 * 3 * 9, 2 * 16, 0, 16 * 9 + 16, 32 * 16 + 32,
        64 * 32 * 9 + 2 * 64 + 64 * 64 * 9 + 2 * 64 + 64 * 32 + 2 * 64,  # two conv-BN units and the projection
        0, 0, 0, 64 * 10 + 10]
    assert table.rows[5].output_shape == (64, 16, 16) and table.rows[6].output_shape == (64, 1, 1)


@pytest.mark.parametrize("build, message", [
    (lambda: layer_table((4, 8, 8), [Conv2d(6, 3, groups=4)]),
     r"layer 1 \(conv 6@3x3, groups 4\) with input shape \(4, 8, 8\): groups 4 must be positive and divide both "
     r"in_channels 4 and out_channels 6"),
    (lambda: layer_table((3, 8, 8), [ReLU(), ConvTranspose2d(4, 3, stride=2, output_padding=2)]),
     r"layer 2 \(transposed conv 4@3x3, stride 2, output pad 2\) with input shape \(3, 8, 8\): output_padding 2 "
     r"must be smaller than the stride 2 or the dilation 1 \(as in torch\)"),
    (lambda: layer_table((8, 8, 8), [Residual("bottleneck", 30)]),
     r"layer 1 \(bottleneck residual block 30\) with input shape \(8, 8, 8\): a bottleneck block's "
     r"out_channels must be a multiple of 4"),
    (lambda: layer_table((8, 8, 8), [Residual("basic", 8, 0)]), r"layer 1 .*: stride must be a positive whole "
                                                                r"number, got 0"),
    (lambda: layer_table((4, 8, 8), [GlobalAvgPool2d(), Dense(10)]),
     r"layer 2 \(dense 10\) with input shape \(4, 1, 1\): a dense layer needs a flat input; add a flatten layer "
     r"first"),
    (lambda: layer_table((4, 8, 8), [Flatten(), BatchNorm2d()]),
     r"layer 2 \(batch norm\) with input shape \(256,\): needs a \(C, H, W\) input"),
    (lambda: layer_table((4, 8, 8), [Dropout(1.5)]), r"layer 1 \(dropout 1.5\) .*: p must be between 0 and 1"),
    (lambda: layers_from_data([{"type": "relu"}, {"type": "residual", "block": "basik", "out_channels": 8}]),
     r"layer 2 \(residual\): block must be one of basic, bottleneck, got 'basik'"),
    (lambda: receptive_field([Conv2d(None, 3), ConvTranspose2d(4, 3)]),
     r"layer 2 \(transposed conv 4@3x3\): the receptive field of a transposed convolution is not defined here"),
    (lambda: receptive_field([Residual("basic", 8)]), r"layer 1 .*: the receptive field of a residual block is not "
                                                      r"defined here"),
    (lambda: receptive_field([ReLU(), GlobalAvgPool2d()]), r"layer 2 \(global avg pool\): the receptive field of "
                                                           r"global average pooling"),
])
def test_bad_stacks_give_one_line_naming_the_layer(build: object, message: str) -> None:
    with pytest.raises(LayerError, match=message) as caught:
        build()  # type: ignore[operator]
    assert "\n" not in str(caught.value) and str(caught.value).startswith(f"layer {caught.value.index + 1} ")
