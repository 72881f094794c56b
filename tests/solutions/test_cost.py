"""MACs and FLOPs agree exactly with torch.utils.flop_counter.FlopCounterMode, which counts 2 FLOPs per
multiply-add and ignores bias adds (so its total is Cost.flops(count_bias=False)); bias adds agree with the number
of output elements torch produces; activation memory agrees with the bytes of the new tensors a forward pass makes.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

from solutions.cost import (Cost, activation_bytes, conv2d_cost, conv_transpose2d_cost, dense_cost, network_cost,
                            network_costs, reduced_conv2d_cost, separable_conv2d_cost)
from solutions.shapes import AvgPool2d, Conv2d, Dense, Flatten, Layer, MaxPool2d, conv_output_size
from tests.solutions.shape_oracles import torch_network
from tests.solutions.torch_oracle import new_tensor_bytes, one_torch_thread  # noqa: F401 (a fixture)

DRAWS = 200


def torch_flops(module: nn.Module, x: torch.Tensor) -> tuple[int, torch.Tensor]:
    """FlopCounterMode's total for one forward pass, and the output."""
    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        out = module(x)
    return counter.get_total_flops(), out


def check_against_torch(cost: Cost, module: nn.Module, x: torch.Tensor, bias: bool) -> None:
    """torch's FLOPs are twice our MACs; our bias adds are one per output element when the layer has a bias."""
    flops, out = torch_flops(module, x)
    assert cost.flops(count_bias=False) == flops == 2 * cost.macs
    assert cost.bias_adds == (out.numel() if bias else 0)
    assert cost.flops(count_bias=True) == flops + cost.bias_adds


def conv_geometry(rng: np.random.Generator) -> dict:
    """A random conv layer that fits its input: channels, groups, kernel, stride, padding, dilation, bias, batch."""
    groups = int(rng.choice([1, 1, 2, 3]))
    kernel, dilation = tuple(rng.integers(1, 6, 2)), tuple(rng.integers(1, 3, 2))
    padding = tuple(rng.integers(0, 3, 2))
    span = [d * (k - 1) + 1 - 2 * p for k, d, p in zip(kernel, dilation, padding)]
    return {"channels": groups * int(rng.integers(1, 4)), "out_channels": groups * int(rng.integers(1, 4)),
            "groups": groups, "kernel": kernel, "stride": tuple(rng.integers(1, 4, 2)), "padding": padding,
            "dilation": dilation, "bias": bool(rng.integers(2)), "batch": int(rng.integers(1, 4)),
            "hw": tuple(max(1, s) + int(rng.integers(0, 8)) for s in span)}


@settings(max_examples=DRAWS, deadline=None)
@given(st.integers(0, 2**32 - 1))
def test_conv2d_and_depthwise_costs_match_flop_counter(seed: int) -> None:
    g = conv_geometry(np.random.default_rng(seed))
    if seed % 4 == 0:  # depthwise: one filter per input channel
        g["groups"] = g["out_channels"] = g["channels"]
    args = (g["kernel"], g["stride"], g["padding"], g["dilation"])
    cost = conv2d_cost((g["channels"], *g["hw"]), g["out_channels"], *args, groups=g["groups"], bias=g["bias"],
                       batch=g["batch"])
    layer = nn.Conv2d(g["channels"], g["out_channels"], *args, groups=g["groups"], bias=g["bias"])
    check_against_torch(cost, layer, torch.zeros(g["batch"], g["channels"], *g["hw"]), g["bias"])


@settings(max_examples=DRAWS, deadline=None)
@given(st.integers(0, 2**32 - 1))
def test_transposed_conv_cost_matches_flop_counter(seed: int) -> None:
    rng = np.random.default_rng(seed)
    g = conv_geometry(rng)
    output_padding = tuple(int(rng.integers(0, max(s, d))) for s, d in zip(g["stride"], g["dilation"]))
    hw = tuple(int(v) for v in rng.integers(1, 7, 2))
    padding = tuple(min(p, ((h - 1) * s + d * (k - 1)) // 2) for p, h, s, d, k in  # keep the output non-empty
                    zip(g["padding"], hw, g["stride"], g["dilation"], g["kernel"]))
    args = (g["kernel"], g["stride"], padding, output_padding)
    cost = conv_transpose2d_cost((g["channels"], *hw), g["out_channels"], *args, dilation=g["dilation"],
                                 groups=g["groups"], bias=g["bias"], batch=g["batch"])
    layer = nn.ConvTranspose2d(g["channels"], g["out_channels"], *args, groups=g["groups"], bias=g["bias"],
                               dilation=g["dilation"])
    check_against_torch(cost, layer, torch.zeros(g["batch"], g["channels"], *hw), g["bias"])


@settings(max_examples=DRAWS, deadline=None)
@given(st.integers(0, 2**32 - 1))
def test_dense_and_separable_costs_match_flop_counter(seed: int) -> None:
    rng = np.random.default_rng(seed)
    in_features, out_features, bias, batch = int(rng.integers(1, 50)), int(rng.integers(1, 50)), \
        bool(rng.integers(2)), int(rng.integers(1, 5))
    dense, x_flat = nn.Linear(in_features, out_features, bias), torch.zeros(batch, in_features)
    check_against_torch(dense_cost(in_features, out_features, bias, batch), dense, x_flat, bias)
    g = conv_geometry(rng)
    args = (g["kernel"], g["stride"], g["padding"], g["dilation"])
    cost = separable_conv2d_cost((g["channels"], *g["hw"]), g["out_channels"], *args, bias=g["bias"],
                                 batch=g["batch"])
    depthwise = nn.Conv2d(g["channels"], g["channels"], *args, groups=g["channels"], bias=g["bias"])
    pointwise = nn.Conv2d(g["channels"], g["out_channels"], 1, bias=g["bias"])
    x = torch.zeros(g["batch"], g["channels"], *g["hw"])
    flops, _ = torch_flops(nn.Sequential(depthwise, pointwise), x)
    assert cost.flops(count_bias=False) == flops
    outputs = depthwise(x).numel() + pointwise(depthwise(x)).numel()
    assert cost.bias_adds == (outputs if g["bias"] else 0)


@settings(max_examples=DRAWS, deadline=None)
@given(st.integers(0, 2**32 - 1))
def test_reduced_conv_cost_matches_flop_counter(seed: int) -> None:
    """A 1 x 1 reduction at the input's size, then the k x k conv that strides and pads."""
    rng = np.random.default_rng(seed)
    g = conv_geometry(rng)
    reduced = int(rng.integers(1, 5))
    args = (g["kernel"], g["stride"], g["padding"], g["dilation"])
    cost = reduced_conv2d_cost((g["channels"], *g["hw"]), reduced, g["out_channels"], *args, bias=g["bias"],
                               batch=g["batch"])
    reduce = nn.Conv2d(g["channels"], reduced, 1, bias=g["bias"])
    conv = nn.Conv2d(reduced, g["out_channels"], *args, bias=g["bias"])
    x = torch.zeros(g["batch"], g["channels"], *g["hw"])
    flops, out = torch_flops(nn.Sequential(reduce, conv), x)
    assert cost.flops(count_bias=False) == flops
    assert cost.bias_adds == ((reduce(x).numel() + out.numel()) if g["bias"] else 0)

def random_network(rng: np.random.Generator) -> tuple[tuple[int, int, int], list[Layer]]:
    """A small valid sequential network: convs and pools while the map is big enough, then flatten and dense."""
    shape = (int(rng.integers(1, 4)), int(rng.integers(6, 20)), int(rng.integers(6, 20)))
    layers: list[Layer] = []
    height, width = shape[1:]
    for _ in range(int(rng.integers(1, 5))):
        k = int(rng.integers(1, 4))
        if min(height, width) < k + 1:
            break
        layer: Layer = (Conv2d(int(rng.integers(1, 6)), k, int(rng.integers(1, 3)), int(rng.integers(0, 2)),
                               bias=bool(rng.integers(2))) if rng.random() < 0.6 else
                        (MaxPool2d if rng.random() < 0.5 else AvgPool2d)(2))
        padding = layer.padding if isinstance(layer, Conv2d) else 0
        stride = layer.stride if isinstance(layer, Conv2d) else 2
        kernel = layer.kernel_size
        height, width = (conv_output_size(v, kernel, stride, padding) for v in (height, width))  # type: ignore
        layers.append(layer)
    layers.append(Flatten())
    layers += [Dense(int(rng.integers(1, 20)), bias=bool(rng.integers(2))) for _ in range(int(rng.integers(1, 3)))]
    return shape, layers


@settings(max_examples=DRAWS, deadline=None)
@given(st.integers(0, 2**32 - 1))
def test_network_cost_and_activation_memory_match_torch(seed: int) -> None:
    rng = np.random.default_rng(seed)
    shape, layers = random_network(rng)
    batch = int(rng.integers(1, 5))
    network = torch_network(shape, layers)
    x = torch.zeros(batch, *shape)
    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        network(x)
    per_module = counter.get_flop_counts()  # {"Global": ..., "Sequential.0": {op: flops}, ...}
    assert network_cost(shape, layers, batch).flops(count_bias=False) == counter.get_total_flops()
    for index, cost in enumerate(network_costs(shape, layers, batch)):
        assert cost.flops(count_bias=False) == sum(per_module.get(f"Sequential.{index}", {}).values())
    with torch.no_grad():
        outputs = new_tensor_bytes(network, x)
    assert activation_bytes(shape, layers, batch) == outputs
    assert activation_bytes(shape, layers, batch, include_input=True) == outputs + 4 * batch * int(np.prod(shape))


def test_flop_counter_counts_two_per_multiply_add_and_no_bias_adds() -> None:
    x = torch.zeros(2, 3, 10, 10)
    with_bias, _ = torch_flops(nn.Conv2d(3, 4, 3, bias=True), x)
    without_bias, _ = torch_flops(nn.Conv2d(3, 4, 3, bias=False), x)
    assert with_bias == without_bias == 2 * (2 * 4 * 8 * 8) * (3 * 3 * 3)
    assert torch_flops(nn.Linear(5, 7), torch.zeros(3, 5))[0] == torch_flops(nn.Linear(5, 7, bias=False),
                                                                             torch.zeros(3, 5))[0] == 2 * 3 * 5 * 7


def test_conventions_on_a_worked_example() -> None:
    cost = conv2d_cost((3, 32, 32), 16, 3, padding=1, batch=1)  # 16 * 32 * 32 outputs of 27 multiply-adds each
    assert (cost.macs, cost.bias_adds) == (16 * 32 * 32 * 27, 16 * 32 * 32)
    assert cost.flops(count_bias=False) == 2 * cost.macs
    assert cost.flops(count_bias=True) == 2 * cost.macs + 16 * 32 * 32
    assert activation_bytes((1, 28, 28), [Conv2d(6, 5, padding=2), MaxPool2d(2), Flatten(), Dense(10)], batch=32) \
        == 32 * 4 * (6 * 28 * 28 + 6 * 14 * 14 + 10)


@pytest.mark.parametrize("call, message", [
    (lambda: conv2d_cost((4, 8, 8), 6, 3, groups=4), r"groups 4 must be positive and divide both in_channels 4 and "
                                                     r"out_channels 6"),
    (lambda: conv2d_cost((8, 8), 6, 3), r"in_shape must be a per-example \(C, H, W\) with positive sizes, got "
                                        r"\(8, 8\)"),
    (lambda: dense_cost(10, 0), r"in_features and out_features must be positive, got 10 and 0"),
    (lambda: dense_cost(10, 5, batch=0), r"batch must be at least 1, got 0"),
    (lambda: network_cost((1, 8, 8), [Conv2d(2, 9)]), r"layer 1 \(conv 2@9x9\) with input shape \(1, 8, 8\)"),
    (lambda: activation_bytes((1, 8, 8), [Flatten()], bytes_per_element=0), r"bytes_per_element must be positive"),
])
def test_bad_input_names_the_argument(call: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        call()  # type: ignore[operator]
