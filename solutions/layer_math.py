"""Arithmetic of modern CNN layers and blocks: transposed and grouped convolutions, separable convolutions,
1 x 1 reductions, the VGG argument, ResNet blocks and global average pooling.

ResNet blocks follow torchvision: every conv has bias=False and is followed by a BatchNorm2d (2C learnable
parameters, 2C running statistics); the 3 x 3 conv carries the stride (ResNet v1.5); a projection shortcut is
a strided 1 x 1 conv followed by a BatchNorm2d.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from solutions._args import IntOrPair, pair, positive_pair
from solutions.conv_arithmetic import ParamCount, Shape, conv2d_params, conv_output_size, dense_params
from solutions.layers import Conv2d
from solutions.receptive import receptive_field


def conv_transpose_output_size(in_size: IntOrPair, kernel_size: IntOrPair, stride: IntOrPair = 1,
                               padding: IntOrPair = 0, output_padding: IntOrPair = 0,
                               dilation: IntOrPair = 1) -> int | tuple[int, int]:
    """(W - 1)S - 2P + D(K - 1) + output_padding + 1, as torch.nn.ConvTranspose2d; pairs in give a pair out.

    It inverts the forward formula's shape: output_padding picks which of the sizes that the forward conv would
    floor onto W is meant, so torch requires it smaller than the stride or the dilation. An output size of 0,
    which torch returns as an empty tensor, is refused here as it is for negative sizes.
    """
    args = (in_size, kernel_size, stride, padding, output_padding, dilation)
    paired = any(not isinstance(a, int) for a in args)
    axes = zip(positive_pair(in_size, "in_size"), positive_pair(kernel_size, "kernel_size"),
               positive_pair(stride, "stride"), pair(padding, "padding"), pair(output_padding, "output_padding"),
               positive_pair(dilation, "dilation"))
    sizes = []
    for w, k, s, p, op, d in axes:
        if p < 0 or op < 0:
            raise ValueError(f"padding and output_padding must be non-negative, got {padding!r} and "
                             f"{output_padding!r}")
        if op >= max(s, d):
            raise ValueError(f"output_padding {output_padding!r} must be smaller than the stride {stride!r} or the "
                             f"dilation {dilation!r} (as in torch)")
        size = (w - 1) * s - 2 * p + d * (k - 1) + op + 1
        if size < 1:
            raise ValueError(f"padding {padding!r} is too large: the output size would be {size} (in_size "
                             f"{in_size!r}, kernel_size {kernel_size!r}, stride {stride!r})")
        sizes.append(size)
    return tuple(sizes) if paired else sizes[0]  # type: ignore[return-value]


def grouped_conv2d_params(in_channels: int, out_channels: int, kernel_size: IntOrPair, groups: int = 1,
                          bias: bool = True) -> ParamCount:
    """Each filter sees only its group's in_channels / groups channels; groups = in_channels is depthwise.

    A transposed convolution with the same arguments has the same count: its weight is (C_in, C_out / g, kh, kw).
    """
    return conv2d_params(in_channels, out_channels, kernel_size, bias, groups)


def _sum_counts(*counts: ParamCount) -> ParamCount:
    """Layers that run one after another: their weights and their biases add up."""
    return ParamCount(sum(c.weights for c in counts), sum(c.biases for c in counts))


def separable_conv2d_params(in_channels: int, out_channels: int, kernel_size: IntOrPair,
                            bias: bool = True) -> ParamCount:
    """A depthwise k x k conv (one filter per channel) then a pointwise 1 x 1 conv that mixes the channels."""
    depthwise = grouped_conv2d_params(in_channels, in_channels, kernel_size, in_channels, bias)
    return _sum_counts(depthwise, conv2d_params(in_channels, out_channels, 1, bias))


def separable_to_standard_ratio(in_channels: int, out_channels: int, kernel_size: IntOrPair,
                                bias: bool = False) -> Fraction:
    """Separable over standard parameters, exactly; without biases it is 1 / C_out + 1 / (kh * kw).

    The MACs have the same ratio when both layers keep the stride and padding: every weight is used once per
    output position, and both layers have the same output positions.
    """
    separable = separable_conv2d_params(in_channels, out_channels, kernel_size, bias)
    return Fraction(separable.total, conv2d_params(in_channels, out_channels, kernel_size, bias).total)


def reduced_conv_params(in_channels: int, reduced_channels: int, out_channels: int, kernel_size: IntOrPair,
                        bias: bool = True) -> ParamCount:
    """A 1 x 1 conv down to reduced_channels, then the k x k conv: the bottleneck that makes k x k cheap."""
    return _sum_counts(conv2d_params(in_channels, reduced_channels, 1, bias),
                       conv2d_params(reduced_channels, out_channels, kernel_size, bias))


@dataclass(frozen=True)
class StackComparison:
    """The VGG argument: n stacked k x k convs against one conv with the same receptive field, C channels."""

    receptive_field: int
    stack: ParamCount
    single: ParamCount


def stack_receptive_field(n_layers: int, kernel_size: int = 3) -> int:
    """n stride-1 k x k convs see n(k - 1) + 1 pixels: 2n + 1 for 3 x 3 kernels."""
    if n_layers < 1:
        raise ValueError(f"n_layers must be at least 1, got {n_layers}")
    return receptive_field([Conv2d(1, kernel_size)] * n_layers)[0]


def vgg_comparison(n_layers: int, channels: int, kernel_size: int = 3, bias: bool = True) -> StackComparison:
    """Parameters of n stacked k x k convs (C to C channels) against one conv of the stack's receptive field."""
    field = stack_receptive_field(n_layers, kernel_size)
    one_layer = conv2d_params(channels, channels, kernel_size, bias)
    stack = ParamCount(n_layers * one_layer.weights, n_layers * one_layer.biases)
    return StackComparison(field, stack, conv2d_params(channels, channels, field, bias))


@dataclass(frozen=True)
class BlockCount:
    """A residual block's learnable parameters (main path and shortcut) and its batchnorm running statistics."""

    main: int
    shortcut: int
    running_stats: int

    @property
    def total(self) -> int:
        """All learnable parameters: what sum(p.numel() for p in block.parameters()) gives."""
        return self.main + self.shortcut


def _conv_bn(in_channels: int, out_channels: int, kernel_size: int) -> int:
    """A bias-free conv and its BatchNorm2d: the unit torchvision builds its blocks from."""
    return conv2d_params(in_channels, out_channels, kernel_size, bias=False).total + 2 * out_channels


def _shortcut(in_channels: int, out_channels: int, stride: int, projection: bool | None) -> tuple[int, int]:
    """(parameters, running statistics) of the shortcut; None lets torchvision's rule decide (project if needed)."""
    needed = stride != 1 or in_channels != out_channels
    if projection is False and needed:
        raise ValueError(f"an identity shortcut needs stride 1 and in_channels == out_channels, got stride "
                         f"{stride}, {in_channels} -> {out_channels} channels")
    if projection or (projection is None and needed):
        return _conv_bn(in_channels, out_channels, 1), 2 * out_channels
    return 0, 0


def basic_block_params(in_channels: int, out_channels: int, stride: int = 1,
                       projection: bool | None = None) -> BlockCount:
    """ResNet-18/34's block: conv3x3-BN-ReLU, conv3x3-BN, plus the shortcut."""
    main = _conv_bn(in_channels, out_channels, 3) + _conv_bn(out_channels, out_channels, 3)
    shortcut, shortcut_stats = _shortcut(in_channels, out_channels, stride, projection)
    return BlockCount(main, shortcut, 2 * 2 * out_channels + shortcut_stats)


def bottleneck_block_params(in_channels: int, mid_channels: int, stride: int = 1, projection: bool | None = None,
                            expansion: int = 4) -> BlockCount:
    """ResNet-50's block: 1x1 down to mid_channels, 3x3, 1x1 up to expansion * mid_channels, each with BN."""
    out_channels = expansion * mid_channels
    main = (_conv_bn(in_channels, mid_channels, 1) + _conv_bn(mid_channels, mid_channels, 3)
            + _conv_bn(mid_channels, out_channels, 1))
    shortcut, shortcut_stats = _shortcut(in_channels, out_channels, stride, projection)
    return BlockCount(main, shortcut, 2 * (2 * mid_channels + out_channels) + shortcut_stats)


def residual_block_output_shape(in_shape: Shape, out_channels: int, stride: int = 1) -> Shape:
    """(C_out, H', W') of a basic or bottleneck block: only the padded 3 x 3 conv (and the shortcut) stride."""
    channels, height, width = chw(in_shape)
    h, w = conv_output_size((height, width), 3, stride, 1)
    return out_channels, h, w


def global_avg_pool_shape(in_shape: Shape) -> Shape:
    """(C, H, W) to (C, 1, 1): one average per channel, whatever the spatial size."""
    channels, _, _ = chw(in_shape)
    return channels, 1, 1


@dataclass(frozen=True)
class HeadComparison:
    """A classifier head on a (C, H, W) feature map: global average pooling then a dense layer, against flatten
    then the same dense layer."""

    pooled: ParamCount
    flattened: ParamCount

    @property
    def saved(self) -> int:
        """The parameters global average pooling saves: (H W - 1) C N, the flattened head's extra weights."""
        return self.flattened.total - self.pooled.total


def classifier_heads(in_shape: Shape, classes: int, bias: bool = True) -> HeadComparison:
    """The dense layer to `classes` outputs on the pooled C features, and on the flattened C H W features."""
    channels, height, width = chw(in_shape)
    return HeadComparison(dense_params(channels, classes, bias), dense_params(channels * height * width, classes, bias))


def chw(shape: Shape, name: str = "in_shape") -> tuple[int, int, int]:
    """A per-example (C, H, W) shape with positive sizes, unpacked; anything else is refused by name."""
    if len(shape) != 3 or min(shape) < 1:
        raise ValueError(f"{name} must be a per-example (C, H, W) with positive sizes, got {tuple(shape)}")
    return shape[0], shape[1], shape[2]
