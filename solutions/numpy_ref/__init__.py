"""NumPy reference implementations, named and called like torch.nn.functional."""

from solutions.numpy_ref.conv import conv1d, conv1d_backward, conv2d, conv2d_backward
from solutions.numpy_ref.naive import conv2d_naive, max_pool2d_naive
from solutions.numpy_ref.pool import avg_pool2d, avg_pool2d_backward, max_pool2d, max_pool2d_backward
from solutions.shapes import conv_output_size, output_size_is_exact

__all__ = [
    "avg_pool2d",
    "avg_pool2d_backward",
    "conv1d",
    "conv1d_backward",
    "conv2d",
    "conv2d_backward",
    "conv2d_naive",
    "conv_output_size",
    "max_pool2d",
    "max_pool2d_backward",
    "max_pool2d_naive",
    "output_size_is_exact",
]
