"""Time conv2d and max-pool (forward + backward) in float32: NumPy reference vs torch on CPU vs naive loops.

Targets (issue 2): the NumPy reference within 3x of torch on CPU, and at least 100x faster than the plain loops.
The naive loops only have a forward pass, so that ratio compares forward passes.

    .venv/bin/python benchmarks/conv_speed.py [--repeats N] [--threads N]

Without --threads it runs itself twice, with 1 thread (like for like: the grader's sandbox runs
single-threaded) and with every core, each thread count applied to both NumPy's BLAS and torch.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys

PARSER = argparse.ArgumentParser(description="NumPy reference vs torch CPU vs naive loops, float32")
PARSER.add_argument("--repeats", type=int, default=50)
PARSER.add_argument("--threads", type=int, help="BLAS and torch threads; default: run once with 1, once with all")
ARGS = PARSER.parse_args()
if ARGS.threads is not None:  # must be set before NumPy loads its BLAS
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(ARGS.threads)

import platform  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402
from dataclasses import dataclass  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

from solutions import numpy_ref  # noqa: E402


@dataclass(frozen=True)
class Case:
    """One benchmark shape."""

    name: str
    x_shape: tuple[int, int, int, int]
    w_shape: tuple[int, int, int, int]
    stride: int
    padding: int


CASES = (
    Case("LeNet-5 conv1, batch 64: 1x28x28 -> 6@5x5 pad 2", (64, 1, 28, 28), (6, 1, 5, 5), 1, 2),
    Case("LeNet-5 conv2, batch 64: 6x14x14 -> 16@5x5", (64, 6, 14, 14), (16, 6, 5, 5), 1, 0),
    Case("batch 32: 3x64x64 -> 8@5x5 stride 2", (32, 3, 64, 64), (8, 3, 5, 5), 2, 0),
)


def best_time(fn: Callable[[], object], repeats: int) -> float:
    """Minimum wall time of fn over repeats, after one warm-up call (seconds)."""
    fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def conv_timings(case: Case, repeats: int) -> dict[str, float]:
    """Forward+backward for NumPy and torch, forward for NumPy and the loops."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal(case.x_shape, dtype=np.float32)
    w = rng.standard_normal(case.w_shape, dtype=np.float32)
    b = rng.standard_normal(case.w_shape[0], dtype=np.float32)
    kw = {"stride": case.stride, "padding": case.padding}
    dout = np.ones_like(numpy_ref.conv2d(x, w, b, **kw))
    xt, wt, bt = (torch.from_numpy(a).requires_grad_() for a in (x, w, b))
    dt = torch.from_numpy(dout)

    def numpy_fwd_bwd() -> None:
        numpy_ref.conv2d(x, w, b, **kw)
        numpy_ref.conv2d_backward(dout, x, w, **kw)

    def torch_fwd_bwd() -> None:
        F.conv2d(xt, wt, bt, **kw).backward(dt)

    return {
        "numpy": best_time(numpy_fwd_bwd, repeats),
        "torch": best_time(torch_fwd_bwd, repeats),
        "numpy_fwd": best_time(lambda: numpy_ref.conv2d(x, w, b, **kw), repeats),
        "naive_fwd": best_time(lambda: numpy_ref.conv2d_naive(x, w, b, **kw), 1),
    }


def pool_timings(shape: tuple[int, int, int, int], repeats: int) -> dict[str, float]:
    """Max-pool 2x2 stride 2: forward+backward for NumPy and torch, forward for NumPy and the loops."""
    x = np.random.default_rng(1).standard_normal(shape, dtype=np.float32)
    dout = np.ones_like(numpy_ref.max_pool2d(x, 2))
    xt, dt = torch.from_numpy(x).requires_grad_(), torch.from_numpy(dout)

    def numpy_fwd_bwd() -> None:
        numpy_ref.max_pool2d(x, 2)
        numpy_ref.max_pool2d_backward(dout, x, 2)

    return {
        "numpy": best_time(numpy_fwd_bwd, repeats),
        "torch": best_time(lambda: F.max_pool2d(xt, 2).backward(dt), repeats),
        "numpy_fwd": best_time(lambda: numpy_ref.max_pool2d(x, 2), repeats),
        "naive_fwd": best_time(lambda: numpy_ref.max_pool2d_naive(x, 2), 1),
    }


def report(name: str, t: dict[str, float]) -> tuple[float, float]:
    """Print one row and return (numpy/torch, naive/numpy)."""
    vs_torch, vs_naive = t["numpy"] / t["torch"], t["naive_fwd"] / t["numpy_fwd"]
    print(f"{name}\n"
          f"  fwd+bwd  numpy {t['numpy'] * 1e3:8.2f} ms   torch {t['torch'] * 1e3:8.2f} ms   "
          f"numpy/torch = {vs_torch:5.2f}x  (target <= 3x)\n"
          f"  forward  numpy {t['numpy_fwd'] * 1e3:8.2f} ms   loops {t['naive_fwd'] * 1e3:8.0f} ms   "
          f"loops/numpy = {vs_naive:6.0f}x  (target >= 100x)")
    return vs_torch, vs_naive


def main() -> None:
    """Run every case and print the figures and whether the targets were met."""
    if ARGS.threads is None:
        for threads in sorted({1, os.cpu_count() or 1}):
            subprocess.run([sys.executable, __file__, "--repeats", str(ARGS.repeats), "--threads", str(threads)],
                           check=True)
        return
    torch.set_num_threads(ARGS.threads)
    repeats = ARGS.repeats
    print(f"\n== {ARGS.threads} thread(s) ==")
    print(f"cnnlab conv_speed: float32, {os.cpu_count()} CPUs, torch {torch.__version__} "
          f"({torch.get_num_threads()} threads), numpy {np.__version__}, {platform.processor() or platform.machine()}")
    ratios = [report(f"conv2d  {case.name}", conv_timings(case, repeats)) for case in CASES]
    for shape in ((64, 6, 28, 28), (64, 16, 10, 10), (32, 8, 30, 30)):
        ratios.append(report(f"max_pool2d 2x2  {'x'.join(map(str, shape))}", pool_timings(shape, repeats)))
    worst_torch, worst_naive = max(r[0] for r in ratios), min(r[1] for r in ratios)
    ok = worst_torch <= 3 and worst_naive >= 100
    print(f"worst numpy/torch {worst_torch:.2f}x, worst loops/numpy {worst_naive:.0f}x: "
          f"{'targets met' if ok else 'TARGETS MISSED'}")


if __name__ == "__main__":
    main()
