"""The cost kinds against torch, 200 variants of each bundled template: MACs and FLOPs from
torch.utils.flop_counter.FlopCounterMode (2 FLOPs per multiply-add and never a bias addition: where a template's
count_bias says so, one more FLOP per output value of a layer with a bias), activation memory from the element
counts of the outputs a forward pass makes (flatten's is a view of its input and makes none), parameters from
sum(p.numel()). Modules run on the meta device: torch works out shapes and counts without memory or arithmetic."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import torch
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

from generator.errors import TemplateError
from generator.kinds import KINDS, misconceptions
from generator.kinds.activation_memory import UNITS, memory_key
from generator.model import Variant
from generator.templates import load_template
from solutions.shapes import Conv2d, Dense, Flatten, MaxPool2d, layers_from_data
from tests.generator.conftest import bundled
from tests.solutions.torch_oracle import n_params, one_torch_thread  # noqa: F401 (a fixture)

SEEDS = range(200)
META = torch.device("meta")


def variants(template_id: str) -> list[Variant]:
    """The bundled template's variants for seeds 0..199."""
    template = bundled(template_id)
    return [KINDS[template.kind].generate(template, seed) for seed in SEEDS]


def torch_layers(variant: Variant) -> list[tuple[str, nn.Module]]:
    """The variant's network as torch modules on the meta device, each named as the answer names it (conv1, fc1)."""
    probe = torch.zeros(1, *variant.params["input_shape"], device=META)
    named, counts = [], {"conv": 0, "pool": 0, "flatten": 0, "fc": 0}
    for layer in layers_from_data(variant.params["layers"]):
        if isinstance(layer, Conv2d):
            module: nn.Module = nn.Conv2d(probe.shape[1], layer.out_channels, layer.kernel_size, layer.stride,
                                          layer.padding, layer.dilation, bias=layer.bias, device=META)
            short = "conv"
        elif isinstance(layer, Dense):
            module, short = nn.Linear(probe.shape[1], layer.out_features, bias=layer.bias, device=META), "fc"
        elif isinstance(layer, Flatten):
            module, short = nn.Flatten(), "flatten"
        else:
            pool = nn.MaxPool2d if isinstance(layer, MaxPool2d) else nn.AvgPool2d
            module, short = pool(layer.kernel_size, layer.stride, layer.padding), "pool"
        counts[short] += 1
        probe = module(probe)
        named.append((f"{short}{counts[short]}", module))
    return named


def counted(module: nn.Module, x: torch.Tensor) -> tuple[int, torch.Tensor]:
    """FlopCounterMode's FLOPs for one forward pass of the module, and its output."""
    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        out = module(x)
    return counter.get_total_flops(), out


@pytest.mark.parametrize("template_id", ["flops-layer", "flops-network"])
def test_macs_and_flops_match_the_flop_counter(template_id: str) -> None:
    conventions = set()
    for variant in variants(template_id):
        p = variant.params
        x = torch.zeros(p["batch"], *p["input_shape"], device=META)
        per_layer, bias_adds, total_flops = {}, 0, 0
        for name, module in torch_layers(variant):
            flops, x = counted(module, x)
            total_flops += flops
            if isinstance(module, (nn.Conv2d, nn.Linear)):
                per_layer[name] = flops // 2
                bias_adds += x.numel() if module.bias is not None else 0
        flops = total_flops + (bias_adds if p["count_bias"] else 0)
        expected = ({"macs": total_flops // 2, "flops": flops} if len(per_layer) == 1 else
                    {**per_layer, "total_macs": total_flops // 2, "total_flops": flops})
        assert variant.answer == expected, (variant.seed, p)
        conventions.add(p["count_bias"])
    assert len(conventions) == 1  # the template's convention, the same for every student


def test_activation_memory_matches_the_outputs_torch_makes() -> None:
    for variant in variants("activation-memory"):
        p = variant.params
        x = torch.zeros(p["batch"], *p["input_shape"], device=META)
        values = x.numel() if p["include_input"] else 0
        for _, module in torch_layers(variant):
            out = module(x)
            values += 0 if out._base is x else out.numel()  # flatten's output is a view of its input
            x = out
        assert variant.answer["values"] == values, (variant.seed, p)
        memory = values * x.element_size() / UNITS[p["unit"]]
        assert variant.answer[memory_key(p["unit"])] == pytest.approx(memory, abs=1e-6), (variant.seed, p)


def conv(channels: int, out_channels: int, kernel: int, stride: int = 1, padding: int = 0, groups: int = 1,
         bias: bool = True) -> nn.Conv2d:
    """An nn.Conv2d on the meta device."""
    return nn.Conv2d(channels, out_channels, kernel, stride, padding, groups=groups, bias=bias, device=META)


def params_and_macs(module: nn.Module, x: torch.Tensor) -> tuple[int, int]:
    """sum(p.numel()) and FlopCounterMode's FLOPs halved."""
    flops, _ = counted(module, x)
    assert flops % 2 == 0
    return n_params(module), flops // 2


def test_separable_against_standard_matches_torch() -> None:
    strides = set()
    for variant in variants("separable-conv"):
        p = variant.params
        c, f, k, s, pad, bias = p["C_in"], p["F"], p["K"], p["S"], p["P"], p["bias"]
        x = torch.zeros(1, c, p["H"], p["W"], device=META)
        standard = params_and_macs(conv(c, f, k, s, pad, bias=bias), x)
        separable = params_and_macs(nn.Sequential(conv(c, c, k, s, pad, groups=c, bias=bias),
                                                  conv(c, f, 1, bias=bias)), x)
        answer = dict(variant.answer)
        assert answer.pop("ratio") == pytest.approx(standard[1] / separable[1], abs=1e-6)
        assert answer == {"standard_params": standard[0], "standard_macs": standard[1],
                          "separable_params": separable[0], "separable_macs": separable[1]}, (variant.seed, p)
        strides.add(s)
    assert strides == {1, 2}


def test_bottleneck_matches_torch() -> None:
    for variant in variants("bottleneck"):
        p = variant.params
        c, reduced, f, k, s, pad, bias = p["C_in"], p["C_red"], p["F"], p["K"], p["S"], p["P"], p["bias"]
        x = torch.zeros(1, c, p["H"], p["W"], device=META)
        direct = params_and_macs(conv(c, f, k, s, pad, bias=bias), x)
        pair = params_and_macs(nn.Sequential(conv(c, reduced, 1, bias=bias), conv(reduced, f, k, s, pad, bias=bias)),
                               x)
        assert variant.answer == {"direct_params": direct[0], "direct_macs": direct[1], "reduced_params": pair[0],
                                  "reduced_macs": pair[1]}, (variant.seed, p)
        assert pair[1] < direct[1]


# ---- worked by hand, and the mistakes' answers ----------------------------------------------------------------------

LENET = """
    id: t
    title: T
    points: 4
    kind: flops
    count_bias: {count_bias}
    params: {{input_shape: [1, 32, 32], batch: {batch}}}
    layers:
      - {{type: conv2d, out_channels: 6, kernel_size: 5}}
      - {{type: maxpool2d, kernel_size: 2}}
      - {{type: conv2d, out_channels: 16, kernel_size: 5}}
      - {{type: maxpool2d, kernel_size: 2}}
      - {{type: flatten}}
      - {{type: dense, out_features: 120}}
      - {{type: dense, out_features: 84}}
      - {{type: dense, out_features: 10}}
    prompt: "{{{{ stack }}}} for {{{{ batch }}}}"
    """  # LeNet-5 with a full C3, as the layer table counts it


def lenet(write_yaml: Callable[[str, str], Path], count_bias: bool, batch: int = 1) -> Variant:
    """The LeNet-5 variant of an inline flops template."""
    text = LENET.format(count_bias=str(count_bias).lower(), batch=batch)
    return KINDS["flops"].generate(load_template(write_yaml("t.yaml", text)), 0)


def test_lenet5_by_hand(write_yaml: Callable[[str, str], Path]) -> None:
    """conv1 6·28·28·25, conv2 16·10·10·150, fc 400·120, 120·84, 84·10; biases 4,704 + 1,600 + 120 + 84 + 10."""
    variant = lenet(write_yaml, count_bias=False)
    assert variant.answer == {"conv1": 117_600, "conv2": 240_000, "fc1": 48_000, "fc2": 10_080, "fc3": 840,
                              "total_macs": 416_520, "total_flops": 833_040}
    assert lenet(write_yaml, count_bias=True).answer["total_flops"] == 833_040 + 6_518
    assert lenet(write_yaml, count_bias=False, batch=8).answer["total_flops"] == 8 * 833_040
    explained = KINDS["flops"].explain(variant)
    assert "$6 \\cdot 28 \\cdot 28 \\cdot 25 = 117{,}600$ MACs" in explained and "pool1, pool2, flatten1: no MACs" in \
        explained and "FLOPs: $2 \\cdot 416{,}520 = 833{,}040$" in explained


def test_flops_mistakes_with_the_variants_numbers(write_yaml: Callable[[str, str], Path]) -> None:
    variant = lenet(write_yaml, count_bias=False, batch=8)
    found = {m.name: value for m, value in misconceptions(variant)}
    assert found["FLOPs counted as MACs"]["total_flops"] == 8 * 416_520
    assert found["bias additions counted"]["total_flops"] == 8 * (833_040 + 6_518)
    assert "bias additions left out" not in found  # the convention leaves them out already
    assert found["cost computed on the input size"]["conv1"] == 8 * 6 * 32 * 32 * 25
    assert found["input channels forgotten"]["conv2"] == 8 * 16 * 10 * 10 * 25
    assert found["biases counted as multiply-adds"]["conv1"] == 8 * (117_600 + 4_704)
    assert found["batch forgotten"]["total_macs"] == 416_520
    score = KINDS["flops"].grade(variant, found["FLOPs counted as MACs"])
    assert "FLOPs counted as MACs" in score.misconceptions and score.points < variant.points


def test_memory_and_separable_and_bottleneck_mistakes() -> None:
    memory = KINDS["activation_memory"].generate(bundled("activation-memory"), 0)
    found = {m.name: value for m, value in misconceptions(memory)}
    key = memory_key(memory.params["unit"])
    assert found["bits taken for bytes"][key] == pytest.approx(8 * memory.answer[key], abs=1e-5)
    assert found["MB and MiB confused"][key] == pytest.approx(memory.answer[key] * 2**20 / 10**6, abs=1e-5)
    separable = KINDS["separable_conv"].generate(bundled("separable-conv"), 0)
    inverted = {m.name: value for m, value in misconceptions(separable)}["ratio inverted"]["ratio"]
    assert inverted == pytest.approx(1 / separable.answer["ratio"], abs=1e-5) and separable.answer["ratio"] > 1
    bottleneck = KINDS["bottleneck"].generate(bundled("bottleneck"), 0)
    forgotten = {m.name: value for m, value in misconceptions(bottleneck)}["1×1 layer's cost forgotten"]
    p = bottleneck.params
    assert bottleneck.answer["reduced_params"] - forgotten["reduced_params"] == p["C_red"] * (p["C_in"] + 1)


@pytest.mark.parametrize("body, message", [
    ("kind: flops\ncount_bias: yes please\nparams: {input_shape: [1, 8, 8]}\n"
     "layers: [{type: conv2d, out_channels: 2, kernel_size: 3}]\nprompt: '{{ stack }}'\n",
     "t.yaml:5: count_bias: must be true or false, got 'yes please'"),
    ("kind: flops\ncount_bias: false\nparams: {input_shape: [1, 8, 8]}\n"
     "layers: [{type: maxpool2d, kernel_size: 2}]\nprompt: '{{ stack }}'\n",
     "t.yaml:7: layers: at least one conv2d or dense layer is needed: pooling and flatten cost no MACs"),
    ("kind: flops\ncount_bias: false\nparams: {input_shape: [1, 8, 8]}\n"
     "layers: [{type: conv2d, out_channels: 2, kernel_size: 3}]\nprompt: 'the layer'\n",
     "t.yaml:8: prompt: must mention {{ stack }}: the layers must be shown (a numbered list of them in words)"),
    ("kind: activation_memory\nunit: GB\nparams: {input_shape: [1, 8, 8], batch: 2}\n"
     "layers: [{type: conv2d, out_channels: 2, kernel_size: 3}]\nprompt: '{{ stack }} {{ batch }}'\n",
     "t.yaml:5: unit: must be one of bytes, KB, KiB, MB, MiB, got 'GB'"),
    ("kind: activation_memory\nunit: MiB\nparams: {input_shape: [1, 8, 8], batch: 2}\n"
     "layers: [{type: conv2d, out_channels: 2, kernel_size: 3}]\nprompt: '{{ stack }} {{ batch }}'\n",
     "t.yaml:5: unit: a memory in MiB is a fraction: give the template a tolerance"),
])
def test_template_errors_name_the_line(write_yaml: Callable[[str, str], Path], body: str, message: str) -> None:
    path = write_yaml("t.yaml", "id: t\ntitle: T\npoints: 2\n" + body)
    with pytest.raises(TemplateError) as caught:
        load_template(path)
    assert str(caught.value).replace(f"{path.parent}/", "").startswith(message)
