"""PyTorch references: the same operations through torch.nn.functional, plus LeNet-5.

Functions take and return NumPy arrays so they can be compared one-for-one with solutions.numpy_ref;
gradients come from autograd.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from solutions._args import IntOrPair, Padding


def _tensor(a: np.ndarray | torch.Tensor, grad: bool = False) -> torch.Tensor:
    """A tensor view of an array (no copy for NumPy input), optionally tracking gradients."""
    t = a.detach().clone() if isinstance(a, torch.Tensor) else torch.from_numpy(np.ascontiguousarray(a))
    return t.requires_grad_(grad)


def _numpy(t: torch.Tensor) -> np.ndarray:
    """Back to NumPy, detached from autograd."""
    return t.detach().cpu().numpy()


def _grads(forward: Callable[..., torch.Tensor], dout: np.ndarray, *inputs: np.ndarray | None) -> list[np.ndarray]:
    """Run forward on tensors made from inputs, backpropagate dout, return each input's gradient."""
    tensors = [None if a is None else _tensor(a, grad=True) for a in inputs]
    forward(*tensors).backward(_tensor(dout))
    return [_numpy(t.grad) for t in tensors if t is not None]


def conv1d(x: np.ndarray, w: np.ndarray, b: np.ndarray | None = None, stride: int = 1, padding: int | str = 0,
           dilation: int = 1) -> np.ndarray:
    """F.conv1d on arrays."""
    return _numpy(F.conv1d(_tensor(x), _tensor(w), None if b is None else _tensor(b), stride, padding, dilation))


def conv2d(x: np.ndarray, w: np.ndarray, b: np.ndarray | None = None, stride: IntOrPair = 1, padding: Padding = 0,
           dilation: IntOrPair = 1) -> np.ndarray:
    """F.conv2d on arrays."""
    return _numpy(F.conv2d(_tensor(x), _tensor(w), None if b is None else _tensor(b), stride, padding, dilation))


def unfold(x: np.ndarray, kernel_size: IntOrPair, stride: IntOrPair = 1, padding: IntOrPair = 0,
           dilation: IntOrPair = 1) -> np.ndarray:
    """F.unfold (im2col) on arrays: (N, C, H, W) -> (N, C*kh*kw, H_out*W_out)."""
    return _numpy(F.unfold(_tensor(x), kernel_size, dilation, padding, stride))


def conv2d_backward(dout: np.ndarray, x: np.ndarray, w: np.ndarray, stride: IntOrPair = 1, padding: Padding = 0,
                    dilation: IntOrPair = 1) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(dx, dw, db) of F.conv2d by autograd."""
    b = np.zeros(np.shape(w)[0], dtype=np.asarray(w).dtype)
    dx, dw, db = _grads(lambda x_, w_, b_: F.conv2d(x_, w_, b_, stride, padding, dilation), dout, x, w, b)
    return dx, dw, db


def conv1d_backward(dout: np.ndarray, x: np.ndarray, w: np.ndarray, stride: int = 1, padding: int | str = 0,
                    dilation: int = 1) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(dx, dw, db) of F.conv1d by autograd."""
    b = np.zeros(np.shape(w)[0], dtype=np.asarray(w).dtype)
    dx, dw, db = _grads(lambda x_, w_, b_: F.conv1d(x_, w_, b_, stride, padding, dilation), dout, x, w, b)
    return dx, dw, db


def max_pool2d(x: np.ndarray, kernel_size: IntOrPair, stride: IntOrPair | None = None,
               padding: IntOrPair = 0) -> np.ndarray:
    """F.max_pool2d on arrays."""
    return _numpy(F.max_pool2d(_tensor(x), kernel_size, stride, padding))


def max_pool2d_backward(dout: np.ndarray, x: np.ndarray, kernel_size: IntOrPair, stride: IntOrPair | None = None,
                        padding: IntOrPair = 0) -> np.ndarray:
    """Gradient of F.max_pool2d by autograd."""
    return _grads(lambda x_: F.max_pool2d(x_, kernel_size, stride, padding), dout, x)[0]


def avg_pool2d(x: np.ndarray, kernel_size: IntOrPair, stride: IntOrPair | None = None, padding: IntOrPair = 0,
               count_include_pad: bool = True) -> np.ndarray:
    """F.avg_pool2d on arrays."""
    return _numpy(F.avg_pool2d(_tensor(x), kernel_size, stride, padding, count_include_pad=count_include_pad))


def avg_pool2d_backward(dout: np.ndarray, x: np.ndarray, kernel_size: IntOrPair, stride: IntOrPair | None = None,
                        padding: IntOrPair = 0, count_include_pad: bool = True) -> np.ndarray:
    """Gradient of F.avg_pool2d by autograd."""
    return _grads(lambda x_: F.avg_pool2d(x_, kernel_size, stride, padding, count_include_pad=count_include_pad),
                  dout, x)[0]


def batchnorm_forward(x: np.ndarray, gamma: np.ndarray, beta: np.ndarray, running_mean: np.ndarray,
                      running_var: np.ndarray, train: bool, momentum: float = 0.1,
                      eps: float = 1e-5) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """F.batch_norm on arrays: (out, running_mean, running_var), the statistics as torch leaves them (on copies)."""
    mean, var = _tensor(running_mean).clone(), _tensor(running_var).clone()  # torch updates them in place
    out = F.batch_norm(_tensor(x), mean, var, _tensor(gamma), _tensor(beta), train, momentum, eps)
    return _numpy(out), _numpy(mean), _numpy(var)


def batchnorm_backward(dout: np.ndarray, x: np.ndarray, gamma: np.ndarray, running_mean: np.ndarray,
                       running_var: np.ndarray, train: bool,
                       eps: float = 1e-5) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(dx, dgamma, dbeta) of F.batch_norm by autograd; in train mode the gradient flows through the batch's
    statistics."""
    mean, var = _tensor(running_mean).clone(), _tensor(running_var).clone()
    beta = np.zeros_like(np.asarray(gamma))
    dx, dgamma, dbeta = _grads(lambda x_, g_, b_: F.batch_norm(x_, mean, var, g_, b_, train, 0.0, eps), dout,
                               x, gamma, beta)
    return dx, dgamma, dbeta


def dropout_forward(x: np.ndarray, keep_mask: np.ndarray, p: float, train: bool) -> np.ndarray:
    """Inverted dropout with a given keep mask: in train mode the kernel F.dropout's backward applies to its own mask
    (aten.native_dropout_backward: x * mask / (1 - p)); in eval mode F.dropout(x, p, training=False)."""
    if not train:
        return _numpy(F.dropout(_tensor(x), p, training=False))
    return _numpy(torch.ops.aten.native_dropout_backward(_tensor(x), _tensor(keep_mask).bool(), 1 / (1 - p)))


def dropout_backward(dout: np.ndarray, keep_mask: np.ndarray, p: float, train: bool) -> np.ndarray:
    """Gradient of dropout_forward: the same kernel on dout in train mode, autograd of F.dropout in eval mode."""
    if train:
        return dropout_forward(dout, keep_mask, p, train=True)
    return _grads(lambda x_: F.dropout(x_, p, training=False), dout, np.zeros_like(np.asarray(dout)))[0]


Variant = Literal["classic", "modern"]


class LeNet5(nn.Module):
    """LeNet-5 (LeCun et al. 1998): conv 6@5x5, pool, conv 16@5x5, pool, FC 120, FC 84, FC 10; 61,706 parameters.

    variant="classic" uses tanh and average pooling as in the paper; "modern" uses ReLU and max pooling.
    input_size=32 is the paper's input; 28 (MNIST, Fashion-MNIST) pads the first conv by 2 to keep every shape.
    """

    def __init__(self, variant: Variant = "modern", input_size: Literal[28, 32] = 32, num_classes: int = 10) -> None:
        super().__init__()
        if variant not in ("classic", "modern"):
            raise ValueError(f"variant must be 'classic' or 'modern', got {variant!r}")
        if input_size not in (28, 32):
            raise ValueError(f"input_size must be 28 or 32, got {input_size!r}")
        act: type[nn.Module] = nn.Tanh if variant == "classic" else nn.ReLU
        pool: type[nn.Module] = nn.AvgPool2d if variant == "classic" else nn.MaxPool2d
        self.variant, self.input_size = variant, input_size
        self.features = nn.Sequential(
            nn.Conv2d(1, 6, kernel_size=5, padding=2 if input_size == 28 else 0), act(), pool(2),
            nn.Conv2d(6, 16, kernel_size=5), act(), pool(2),
        )
        self.classifier = nn.Sequential(
            nn.Flatten(), nn.Linear(16 * 5 * 5, 120), act(), nn.Linear(120, 84), act(), nn.Linear(84, num_classes),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(N, 1, S, S) images to (N, num_classes) logits."""
        return self.classifier(self.features(x))


def count_parameters(module: nn.Module) -> int:
    """Number of learnable parameters of a module."""
    return sum(p.numel() for p in module.parameters() if p.requires_grad)
