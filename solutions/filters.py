"""The lecture's named 3x3 filters (Wikipedia's 'Kernel (image processing)' table), as exact arrays."""

from __future__ import annotations

from types import MappingProxyType

import numpy as np


def _kernel(rows: list[list[int]], scale: int = 1) -> np.ndarray:
    """A read-only float kernel, rows / scale."""
    kernel = np.array(rows, dtype=float) / scale
    kernel.flags.writeable = False
    return kernel


NAMED_FILTERS: MappingProxyType[str, np.ndarray] = MappingProxyType({
    "identity": _kernel([[0, 0, 0], [0, 1, 0], [0, 0, 0]]),
    "edge detection (4-neighbour)": _kernel([[0, -1, 0], [-1, 4, -1], [0, -1, 0]]),
    "edge detection (8-neighbour)": _kernel([[-1, -1, -1], [-1, 8, -1], [-1, -1, -1]]),
    "edge detection (diagonal)": _kernel([[1, 0, -1], [0, 0, 0], [-1, 0, 1]]),
    "sharpen": _kernel([[0, -1, 0], [-1, 5, -1], [0, -1, 0]]),
    "box blur": _kernel([[1, 1, 1], [1, 1, 1], [1, 1, 1]], 9),
    "gaussian blur": _kernel([[1, 2, 1], [2, 4, 2], [1, 2, 1]], 16),
})
EDGE_FILTERS: tuple[str, ...] = tuple(name for name in NAMED_FILTERS if name.startswith("edge detection"))
