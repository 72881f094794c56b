"""The layer types of a sequential CNN as plain data: frozen dataclasses (torch's defaults), read from YAML-style
dicts by `layers_from_data`, and labelled by `describe_layer`. The arithmetic over them is in solutions/shapes.py.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import MISSING, dataclass, fields
from typing import Any, TypeAlias

from solutions._args import IntOrPair, pair


@dataclass(frozen=True)
class _Convolution:
    """The keys a conv and a transposed conv share, with torch's defaults; out_channels may be None where only the
    geometry matters (a receptive field).

    groups splits the input and output channels into that many independent convolutions (torch's `groups`): each
    filter sees C_in / groups channels; groups = C_in is a depthwise convolution.
    """

    out_channels: int | None
    kernel_size: IntOrPair
    stride: IntOrPair = 1
    padding: IntOrPair = 0
    dilation: IntOrPair = 1
    bias: bool = True
    groups: int = 1


@dataclass(frozen=True)
class Conv2d(_Convolution):
    """A 2D convolution layer: floor((W - D(K - 1) - 1 + 2P) / S) + 1 per side."""


@dataclass(frozen=True)
class ConvTranspose2d(_Convolution):
    """A transposed convolution (torch.nn.ConvTranspose2d): it grows the map, (W - 1)S - 2P + D(K - 1) + OP + 1;
    output_padding (OP) is smaller than the stride or the dilation, as torch requires."""

    output_padding: IntOrPair = 0


@dataclass(frozen=True)
class MaxPool2d:
    """A max-pooling layer; stride defaults to the window, as in torch."""

    kernel_size: IntOrPair
    stride: IntOrPair | None = None
    padding: IntOrPair = 0


@dataclass(frozen=True)
class AvgPool2d:
    """An average-pooling layer; stride defaults to the window, as in torch."""

    kernel_size: IntOrPair
    stride: IntOrPair | None = None
    padding: IntOrPair = 0


@dataclass(frozen=True)
class GlobalAvgPool2d:
    """One average per channel, (C, H, W) to (C, 1, 1) as torch.nn.AdaptiveAvgPool2d(1); a flatten follows before
    a dense layer, as in torchvision's ResNet (avgpool, then flatten)."""


@dataclass(frozen=True)
class BatchNorm2d:
    """Batch normalisation over (C, H, W): a learnt scale gamma and shift beta per channel, 2C parameters; its running
    mean and variance are buffers (statistics for test time), not parameters, and a layer table leaves them out."""


@dataclass(frozen=True)
class ReLU:
    """max(0, x) on every element: no parameters, the shape kept."""


@dataclass(frozen=True)
class Dropout:
    """Zeroes each element with probability p while training: no parameters, the shape kept."""

    p: float = 0.5


RESIDUAL_BLOCKS = ("basic", "bottleneck")
BOTTLENECK_EXPANSION = 4  # torchvision's: a bottleneck block's output has 4 times its inner width


@dataclass(frozen=True)
class Residual:
    """A ResNet block as torchvision builds it: `basic` (3x3, 3x3) or `bottleneck` (1x1 to out_channels / 4, 3x3,
    1x1 up to out_channels); bias-free convs each followed by batch norm, the 3x3 conv carrying the stride, and a
    1x1 conv + batch norm on the shortcut where the shape changes."""

    block: str
    out_channels: int
    stride: int = 1


@dataclass(frozen=True)
class Flatten:
    """Flattens (C, H, W) into one feature vector before the dense layers."""


@dataclass(frozen=True)
class Dense:
    """A fully connected layer."""

    out_features: int
    bias: bool = True


Layer: TypeAlias = (Conv2d | ConvTranspose2d | MaxPool2d | AvgPool2d | GlobalAvgPool2d | BatchNorm2d | ReLU
                    | Dropout | Residual | Flatten | Dense)
LAYER_TYPES: dict[str, type] = {"conv2d": Conv2d, "convtranspose2d": ConvTranspose2d, "maxpool2d": MaxPool2d,
                                "avgpool2d": AvgPool2d, "globalavgpool2d": GlobalAvgPool2d,
                                "batchnorm2d": BatchNorm2d, "relu": ReLU, "dropout": Dropout, "residual": Residual,
                                "flatten": Flatten, "dense": Dense}
WORD_CHOICES: dict[str, tuple[str, ...]] = {"block": RESIDUAL_BLOCKS}  # keys whose value is a word, not a number
PASS_THROUGH = (BatchNorm2d, ReLU, Dropout)  # act on each position alone: shape and receptive field unchanged


class LayerError(ValueError):
    """A problem with one layer of a stack, numbered from 1 in the message; `index` (from 0) lets a template's
    error point at that layer's line."""

    def __init__(self, index: int, message: str) -> None:
        super().__init__(message)
        self.index = index


def layer_keys(kind: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(every key, the keys without a default) of a layer type such as 'conv2d', read from its dataclass."""
    cls_fields = fields(LAYER_TYPES[kind])
    return (tuple(f.name for f in cls_fields),
            tuple(f.name for f in cls_fields if f.default is MISSING and f.default_factory is MISSING))


def layers_from_data(items: Sequence[Mapping[str, Any]]) -> list[Layer]:
    """Build layers from YAML-style dicts such as {type: conv2d, out_channels: 6, kernel_size: 5}."""
    layers: list[Layer] = []
    for index, item in enumerate(items):
        spec = dict(item)
        kind = spec.pop("type", None)
        if kind not in LAYER_TYPES:
            raise LayerError(index, f"layer {index + 1}: type must be one of {sorted(LAYER_TYPES)}, got {kind!r}")
        allowed, needed = layer_keys(kind)
        unknown = sorted(set(spec) - set(allowed))
        if unknown:
            raise LayerError(index, f"layer {index + 1} ({kind}): unknown key {unknown[0]!r}; allowed: "
                                    f"{sorted(allowed)}")
        missing = [key for key in needed if key not in spec]
        if missing:
            raise LayerError(index, f"layer {index + 1} ({kind}): missing {', '.join(missing)}")
        for key, words in WORD_CHOICES.items():
            if key in spec and spec[key] not in words:
                raise LayerError(index, f"layer {index + 1} ({kind}): {key} must be one of {', '.join(words)}, "
                                        f"got {spec[key]!r}")
        layers.append(LAYER_TYPES[kind](**spec))
    return layers


def pool_window(layer: MaxPool2d | AvgPool2d) -> tuple[IntOrPair, IntOrPair, IntOrPair]:
    """Kernel, stride and padding of a pooling layer, stride defaulting to the window."""
    return layer.kernel_size, layer.kernel_size if layer.stride is None else layer.stride, layer.padding


def describe_layer(layer: Layer) -> str:
    """A short label naming everything that changes a shape or a field, defaults left out: 'conv 6@5x5, pad 2',
    'conv 8@5x5, stride 2, pad 1, dilation 3', 'conv 32@3x3, pad 1, groups 32', 'max pool 2x2, stride 1' (a
    pool's stride only where it is not its window), 'conv 5x5' where the channels are not given, 'transposed conv
    16@3x3, stride 2, pad 1, output pad 1', 'basic residual block 64, stride 2', 'dropout 0.5', 'dense 10, no
    bias' (biases are the default)."""
    if isinstance(layer, (Conv2d, ConvTranspose2d)):
        channels = "" if layer.out_channels is None else f"{layer.out_channels}@"
        name = "conv" if isinstance(layer, Conv2d) else "transposed conv"
        output_pad = layer.output_padding if isinstance(layer, ConvTranspose2d) else 0
        return f"{name} {channels}{_fmt(layer.kernel_size, 'x')}" + _extras(
            layer.stride, layer.padding, 1, dilation=layer.dilation, output_padding=output_pad, groups=layer.groups,
            bias=layer.bias)
    if isinstance(layer, (MaxPool2d, AvgPool2d)):
        kernel, stride, padding = pool_window(layer)
        name = "max pool" if isinstance(layer, MaxPool2d) else "avg pool"
        return f"{name} {_fmt(kernel, 'x')}" + _extras(stride, padding, kernel)
    if isinstance(layer, Residual):
        width = (f" (width {layer.out_channels // BOTTLENECK_EXPANSION})" if layer.block == "bottleneck"
                 and isinstance(layer.out_channels, int) and layer.out_channels % BOTTLENECK_EXPANSION == 0 else "")
        return f"{layer.block} residual block {layer.out_channels}{width}" + _extras(layer.stride, 0, 1)
    if isinstance(layer, Dense):
        return f"dense {layer.out_features}" + _extras(1, 0, 1, bias=layer.bias)
    if isinstance(layer, Dropout):
        return f"dropout {layer.p:g}"
    return {GlobalAvgPool2d: "global avg pool", BatchNorm2d: "batch norm", ReLU: "ReLU"}.get(type(layer), "flatten")


def _extras(stride: IntOrPair, padding: IntOrPair, default_stride: IntOrPair, *, dilation: IntOrPair = 1,
            output_padding: IntOrPair = 0, groups: int = 1, bias: bool = True) -> str:
    """', stride 2, pad 1, ...': each attribute that is not its default."""
    parts = [f"stride {_fmt(stride)}"] if pair(stride, "stride") != pair(default_stride, "stride") else []
    parts += [f"pad {_fmt(padding)}"] if pair(padding, "padding") != (0, 0) else []
    parts += [f"output pad {_fmt(output_padding)}"] if pair(output_padding, "output_padding") != (0, 0) else []
    parts += [f"dilation {_fmt(dilation)}"] if pair(dilation, "dilation") != (1, 1) else []
    parts += [f"groups {groups}"] if groups != 1 else []
    parts += [] if bias else ["no bias"]
    return "".join(f", {p}" for p in parts)


def _fmt(value: IntOrPair, sep: str = ",") -> str:
    """Print an int-or-pair compactly: 5 -> '5x5' (with sep 'x'), (3, 5) -> '3x5'."""
    a, b = pair(value, "value")
    if sep == "x":
        return f"{a}x{b}"
    return str(a) if a == b else f"({a}, {b})"
