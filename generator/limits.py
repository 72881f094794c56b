"""Every cap and default limit in one place: what a submission may be or do, and how far the tools go for one.

It sits in generator/ (the lower layer) because both sides read it: a kind checks a submitted file's size, the
sandbox enforces the time and memory caps. The CLI's defaults (`cnnlab grade --timeout --memory --workers`) are read
from here and shown in `--help`, and every message that names a cap reads it from here, so a cap is changed in one
line.
"""

from __future__ import annotations

import os
from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    """Caps per submission, so one student can neither stall nor starve the class."""

    cell_timeout_s: float = 10.0
    total_timeout_s: float = 60.0
    cpu_s: float = 60.0
    memory_mb: int = 2048
    max_processes: int = 32
    max_output_bytes: int = 1_000_000
    max_result_bytes: int = 64_000_000  # JSON + .npy sent back; more is refused as a problem
    max_array_items: int = 10_000_000  # one returned array; a larger one is a problem, not a value
    kill_grace_s: float = 1.0  # the child's own timer fires first; the zygote kills only if it was ignored
    start_timeout_s: float = 120.0  # a zygote's start-up (imports of numpy, torch, IPython)
    reply_slack_s: float = 15.0  # past the total timeout: the zygote enforces the limits, this catches one that hangs
    # share of the GPU's memory PyTorch's allocator may take in one job (0: no cap); applied when CUDA starts in the
    # child, before any student code touches it, so W sandboxes side by side on one GPU cannot starve each other
    gpu_memory_fraction: float = 0.0


LIMITS = Limits()  # per submission: time per cell and in all, CPU, memory, processes, output and result bytes

# What a submission may send
MAX_NOTEBOOK_BYTES = 512 * 1024 * 1024  # a notebook file; larger ones are rejected unread
MAX_NOTEBOOK_DEPTH = 100  # JSON nesting; Jupyter nests about 8 deep, every later writer recurses once per level
MAX_SOURCE_BYTES = 2 * 1024 * 1024  # all code cells of one notebook together, as sent to the sandbox
MAX_WEIGHTS_BYTES = 5 * 1024 * 1024  # LeNet-5's state_dict is about 250 KB; anything much larger is not one
WEIGHTS_SUFFIXES = (".pt", ".pth")  # submitted files that travel with their notebook (docs/GRADING.md)
MAX_FILE_NAME = 200  # characters in the name of a file sent into the sandbox
MAX_ANSWER_VALUE_BYTES = 20_000  # an answer kept for copy detection, as JSON; no answer is near it

# How far the tools go
MAX_DRAWS = 1000  # draws per variant before a template's constraint is declared unsatisfiable
MAX_LMS_VARIANTS = 1000  # variants per question in a Moodle or Canvas export
GRID_SAMPLES = 200  # variants of a template drawn to size its answer grid on paper (generator/paper/grids.py)
MAX_DASK_CHUNK = 8  # submissions per Dask task: a worker's sandbox runs one while it prepares and scores the others
DASK_WORKER_WAIT_S = 300.0  # how long grading waits for a first Dask worker, or for any after all have left
SLURM_WORKER_WAIT_S = 3600.0  # Slurm may keep the worker jobs queued: wait an hour for the first

# Defaults of the commands (each shown in its --help)
DEFAULT_WORKERS = min(2, os.cpu_count() or 1)  # parallel sandboxes of `cnnlab grade`
DEFAULT_LMS_VARIANTS = 10  # variants per question in a Moodle or Canvas export, of which the LMS draws one
