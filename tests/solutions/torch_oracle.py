"""What the torch-oracle tests share: one torch thread while they run, and torch's own counts of a module."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import torch
from torch import nn


@pytest.fixture(autouse=True)
def one_torch_thread() -> Iterator[None]:
    """Run torch on one thread: the oracles' tensors are tiny, and thread hand-offs on shared cores cost 10x more."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def n_params(module: nn.Module) -> int:
    """What torch counts as the module's learnable parameters."""
    return sum(p.numel() for p in module.parameters())


def n_running_stats(module: nn.Module) -> int:
    """Batchnorm running means and variances; num_batches_tracked (a step counter) is left out."""
    return sum(b.numel() for name, b in module.named_buffers() if not name.endswith("num_batches_tracked"))


def new_tensor_bytes(network: nn.Sequential, x: torch.Tensor) -> int:
    """Bytes of every layer output that is a new tensor, not a view of the layer's input (flatten's is a view)."""
    total = 0
    for module in network:
        out = module(x)
        if out.untyped_storage().data_ptr() != x.untyped_storage().data_ptr():
            total += out.numel() * out.element_size()
        x = out
    return total
