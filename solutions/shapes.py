"""Shape and parameter arithmetic for CNNs: output sizes, parameter counts, receptive fields, layer tables.

Architectures are plain data (frozen dataclasses, or dicts from YAML via `layers_from_data`), so the
generator, the grader and the lecture's worked examples all compute from one place.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import MISSING, dataclass, fields
from typing import Any, TypeAlias

from solutions._args import IntOrPair, pair, positive_pair

Shape: TypeAlias = tuple[int, ...]


def _axis_args(in_size: IntOrPair, kernel_size: IntOrPair, stride: IntOrPair, padding: IntOrPair,
               dilation: IntOrPair) -> tuple[list[tuple[int, int, int, int, int]], bool]:
    """Zip int-or-pair arguments into per-axis tuples, and say whether the caller used pairs at all."""
    args = (in_size, kernel_size, stride, padding, dilation)
    paired = any(not isinstance(a, int) for a in args)
    sizes = pair(in_size, "in_size")
    kernel, strides, dils = positive_pair(kernel_size, "kernel_size"), positive_pair(stride, "stride"), \
        positive_pair(dilation, "dilation")
    pads = pair(padding, "padding")
    if min(pads) < 0:
        raise ValueError(f"padding must be non-negative, got {padding!r}")
    axes = list(zip(sizes, kernel, strides, pads, dils))
    for size, k, _, p, d in axes:
        if d * (k - 1) + 1 > size + 2 * p:
            raise ValueError(f"kernel_size {kernel_size!r} is larger than the padded input (in_size {in_size!r}, "
                             f"padding {padding!r}, dilation {dilation!r})")
    return axes, paired


def conv_output_size(in_size: IntOrPair, kernel_size: IntOrPair, stride: IntOrPair = 1, padding: IntOrPair = 0,
                     dilation: IntOrPair = 1) -> int | tuple[int, int]:
    """floor((W - D(K-1) - 1 + 2P) / S) + 1, as PyTorch computes it; pairs in give a pair out."""
    axes, paired = _axis_args(in_size, kernel_size, stride, padding, dilation)
    sizes = tuple((w + 2 * p - d * (k - 1) - 1) // s + 1 for w, k, s, p, d in axes)
    return sizes if paired else sizes[0]  # type: ignore[return-value]


def output_size_is_exact(in_size: IntOrPair, kernel_size: IntOrPair, stride: IntOrPair = 1, padding: IntOrPair = 0,
                         dilation: IntOrPair = 1) -> bool:
    """True when the stride divides (W - D(K-1) - 1 + 2P) exactly, i.e. no input pixel is dropped by the floor."""
    axes, _ = _axis_args(in_size, kernel_size, stride, padding, dilation)
    return all((w + 2 * p - d * (k - 1) - 1) % s == 0 for w, k, s, p, d in axes)


@dataclass(frozen=True)
class ParamCount:
    """Learnable parameters of a layer, weights and biases kept apart as the lecture counts them."""

    weights: int
    biases: int

    @property
    def total(self) -> int:
        """Weights plus biases."""
        return self.weights + self.biases


def dense_params(in_features: int, out_features: int, bias: bool = True) -> ParamCount:
    """A fully connected layer: in * out weights and one bias per output."""
    return ParamCount(in_features * out_features, out_features if bias else 0)


def conv2d_params(in_channels: int, out_channels: int, kernel_size: IntOrPair, bias: bool = True) -> ParamCount:
    """A conv layer: one kh x kw x C_in filter and one bias per output channel, shared over all positions."""
    kh, kw = positive_pair(kernel_size, "kernel_size")
    return ParamCount(out_channels * in_channels * kh * kw, out_channels if bias else 0)


# --- architectures as data -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Conv2d:
    """A 2D convolution layer; out_channels may be None where only the geometry matters (a receptive field)."""

    out_channels: int | None
    kernel_size: IntOrPair
    stride: IntOrPair = 1
    padding: IntOrPair = 0
    dilation: IntOrPair = 1
    bias: bool = True


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
class Flatten:
    """Flattens (C, H, W) into one feature vector before the dense layers."""


@dataclass(frozen=True)
class Dense:
    """A fully connected layer."""

    out_features: int
    bias: bool = True


Layer: TypeAlias = Conv2d | MaxPool2d | AvgPool2d | Flatten | Dense
LAYER_TYPES: dict[str, type] = {"conv2d": Conv2d, "maxpool2d": MaxPool2d, "avgpool2d": AvgPool2d,
                                "flatten": Flatten, "dense": Dense}
_SHORT_NAMES: dict[type, str] = {Conv2d: "conv", MaxPool2d: "pool", AvgPool2d: "pool", Flatten: "flatten",
                                 Dense: "fc"}


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
        layers.append(LAYER_TYPES[kind](**spec))
    return layers


def _pool_window(layer: MaxPool2d | AvgPool2d) -> tuple[IntOrPair, IntOrPair, IntOrPair]:
    """Kernel, stride and padding of a pooling layer, stride defaulting to the window."""
    return layer.kernel_size, layer.kernel_size if layer.stride is None else layer.stride, layer.padding


def describe_layer(layer: Layer) -> str:
    """A short label naming everything that changes a shape or a field, defaults left out: 'conv 6@5x5, pad 2',
    'conv 8@5x5, stride 2, pad 1, dilation 3', 'max pool 2x2, stride 1' (a pool's stride only where it is not its
    window), 'conv 5x5' where the channels are not given."""
    def extras(stride: IntOrPair, padding: IntOrPair, default_stride: IntOrPair, dilation: IntOrPair = 1) -> str:
        parts = [f"stride {_fmt(stride)}"] if pair(stride, "stride") != pair(default_stride, "stride") else []
        parts += [f"pad {_fmt(padding)}"] if pair(padding, "padding") != (0, 0) else []
        parts += [f"dilation {_fmt(dilation)}"] if pair(dilation, "dilation") != (1, 1) else []
        return "".join(f", {p}" for p in parts)

    if isinstance(layer, Conv2d):
        channels = "" if layer.out_channels is None else f"{layer.out_channels}@"
        return f"conv {channels}{_fmt(layer.kernel_size, 'x')}" + extras(layer.stride, layer.padding, 1,
                                                                         layer.dilation)
    if isinstance(layer, (MaxPool2d, AvgPool2d)):
        kernel, stride, padding = _pool_window(layer)
        name = "max pool" if isinstance(layer, MaxPool2d) else "avg pool"
        return f"{name} {_fmt(kernel, 'x')}" + extras(stride, padding, kernel)
    if isinstance(layer, Dense):
        return f"dense {layer.out_features}"
    return "flatten"


def _fmt(value: IntOrPair, sep: str = ",") -> str:
    """Print an int-or-pair compactly: 5 -> '5x5' (with sep 'x'), (3, 5) -> '3x5'."""
    a, b = pair(value, "value")
    if sep == "x":
        return f"{a}x{b}"
    return str(a) if a == b else f"({a}, {b})"


@dataclass(frozen=True)
class LayerRow:
    """One row of a layer table."""

    name: str
    description: str
    output_shape: Shape
    params: ParamCount


@dataclass(frozen=True)
class LayerTable:
    """Output shape and parameters per layer of a sequential architecture, and the total."""

    input_shape: Shape
    rows: tuple[LayerRow, ...]

    @property
    def total_params(self) -> int:
        """All learnable parameters of the network."""
        return sum(row.params.total for row in self.rows)

    @property
    def output_shape(self) -> Shape:
        """Shape of the network's output (per example)."""
        return self.rows[-1].output_shape if self.rows else self.input_shape


def _next_shape(shape: Shape, layer: Layer, index: int) -> tuple[Shape, ParamCount]:
    """Propagate one example's shape through one layer and count that layer's parameters."""
    def where() -> str:  # only for errors: describing the layer costs more than the arithmetic
        return f"layer {index + 1} ({describe_layer(layer)}) with input shape {shape}"

    if isinstance(layer, Dense):
        if len(shape) != 1:
            raise LayerError(index, f"{where()}: a dense layer needs a flat input; add a flatten layer first")
        return (layer.out_features,), dense_params(shape[0], layer.out_features, layer.bias)
    if isinstance(layer, Flatten):
        size = 1
        for dim in shape:
            size *= dim
        return (size,), ParamCount(0, 0)
    if len(shape) != 3:
        raise LayerError(index, f"{where()}: needs a (C, H, W) input")
    channels, height, width = shape
    try:
        if isinstance(layer, Conv2d):
            if layer.out_channels is None:
                raise ValueError("out_channels is needed for the output shape and the parameter count")
            h, w = conv_output_size((height, width), layer.kernel_size, layer.stride, layer.padding, layer.dilation)
            return (layer.out_channels, h, w), conv2d_params(channels, layer.out_channels, layer.kernel_size,
                                                             layer.bias)
        kernel, stride, padding = _pool_window(layer)
        h, w = conv_output_size((height, width), kernel, stride, padding)
    except ValueError as error:
        raise LayerError(index, f"{where()}: {error}") from None
    return (channels, h, w), ParamCount(0, 0)


def layer_table(input_shape: Sequence[int], layers: Sequence[Layer]) -> LayerTable:
    """Walk a sequential architecture, giving each layer's output shape and parameters (conv1, pool1, fc1, ...)."""
    shape: Shape = tuple(input_shape)
    counters: dict[str, int] = {}
    rows = []
    for index, layer in enumerate(layers):
        shape, params = _next_shape(shape, layer, index)
        short = _SHORT_NAMES[type(layer)]
        counters[short] = counters.get(short, 0) + 1
        rows.append(LayerRow(f"{short}{counters[short]}", describe_layer(layer), shape, params))
    return LayerTable(tuple(input_shape), tuple(rows))


@dataclass(frozen=True)
class FieldStep:
    """One layer on one axis of the receptive-field recurrence, kept whole so a worked solution can show it."""

    field_in: int
    jump_in: int
    kernel: int
    stride: int
    dilation: int

    @property
    def field_out(self) -> int:
        """r_out = r_in + d (k - 1) j_in: the (dilated) kernel's extra taps, each j_in input pixels apart."""
        return self.field_in + self.dilation * (self.kernel - 1) * self.jump_in

    @property
    def jump_out(self) -> int:
        """j_out = j_in s: input pixels between neighbouring outputs."""
        return self.jump_in * self.stride


def receptive_steps(layers: Sequence[Layer]) -> list[tuple[FieldStep, FieldStep]]:
    """The recurrence's (height, width) step for each conv or pool layer, from r = 1, j = 1."""
    steps: list[tuple[FieldStep, FieldStep]] = []
    field, jump = (1, 1), (1, 1)
    for index, layer in enumerate(layers):
        if isinstance(layer, Conv2d):
            kernel, stride, dilation = layer.kernel_size, layer.stride, layer.dilation
        elif isinstance(layer, (MaxPool2d, AvgPool2d)):
            kernel, stride, _ = _pool_window(layer)
            dilation = 1
        else:
            raise LayerError(index, f"layer {index + 1} ({describe_layer(layer)}): receptive fields are defined for "
                                    "conv and pool layers only")
        try:
            ks, ss, ds = positive_pair(kernel, "kernel_size"), positive_pair(stride, "stride"), \
                positive_pair(dilation, "dilation")
        except ValueError as error:
            raise LayerError(index, f"layer {index + 1}: {error}") from None
        height, width = (FieldStep(field[axis], jump[axis], ks[axis], ss[axis], ds[axis]) for axis in range(2))
        steps.append((height, width))
        field, jump = (height.field_out, width.field_out), (height.jump_out, width.jump_out)
    return steps


def receptive_fields(layers: Sequence[Layer]) -> list[tuple[int, int]]:
    """Receptive field (height, width) in input pixels after each conv or pool layer.

    r_out = r_in + (d * (k - 1)) * j_in and j_out = j_in * s, where j is the product of the strides so far.
    """
    return [(height.field_out, width.field_out) for height, width in receptive_steps(layers)]


def receptive_field(layers: Sequence[Layer]) -> tuple[int, int]:
    """Receptive field (height, width) of one output unit of a stack of conv and pool layers."""
    if not layers:
        return (1, 1)
    return receptive_fields(layers)[-1]
