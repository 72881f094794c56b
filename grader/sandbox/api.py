"""The sandbox's public records: what a job asks for and what comes back (docs/CONTRACT.md)."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, NamedTuple, TypeAlias

import numpy as np

JSON: TypeAlias = Any  # None | bool | int | float | str | list[JSON] | dict[str, JSON]
Arg: TypeAlias = "np.ndarray | int | float | str | bool | tuple[Arg, ...] | list[Arg] | None"
Status = Literal["ok", "timeout", "memory", "crashed", "output_limit"]
Probe = Literal["call", "module_summary", "harness"]
Phase = Literal["start", "cell", "call", "results"]  # results: reading values after cell <index> (or the end)


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


@dataclass(frozen=True)
class Call:
    """A call made after the cells, on the student's names, so hidden inputs never sit in a cell."""

    name: str
    entry_point: str
    args: tuple[Arg, ...] = ()
    kwargs: Mapping[str, Arg] = field(default_factory=dict)
    probe: Probe = "call"
    harness: str = ""  # probe "harness": "FILE:FUNCTION" of Job.files, called as FUNCTION(entry point, *args, **kwargs)
    timeout_s: float | None = None  # this call's own cap (e.g. training); None: Limits.cell_timeout_s


@dataclass(frozen=True)
class Job:
    """One submission: its code cells in notebook order and what to bring back."""

    job_id: str
    cells: tuple[str, ...]
    variables: tuple[str, ...] = ()
    calls: tuple[Call, ...] = ()
    files: Mapping[str, bytes] = field(default_factory=dict)
    seed: int = 0  # random, numpy and torch are seeded with it, so reruns agree
    # variable or call name -> the cell after which it is first taken (its answer or code cell), so a later crash
    # cannot take it away; every variable is read again after the last cell, and the last reading counts
    checkpoints: Mapping[str, int] = field(default_factory=dict)


class CellError(NamedTuple):
    """(cell index, error name, one-line message): a tuple, so it also unpacks like one."""

    cell: int
    name: str
    message: str


@dataclass(frozen=True)
class Outcome:
    """What a job produced, as plain data only, with the isolation that was in force.

    Values come back as they become final (docs/SANDBOX.md): a run that stops early still returns every value
    taken before it stopped, and `stopped_in` says where it stopped.
    """

    job_id: str
    status: Status
    cell_errors: tuple[CellError, ...]
    variables: Mapping[str, JSON]
    results: Mapping[str, np.ndarray | JSON]
    problems: Mapping[str, str]
    stdout: str
    isolation: str
    seconds: float
    reason: str = ""  # why the status is not "ok", in one line, without naming a cell (see stopped_in)
    output_truncated: bool = False
    stopped_in: tuple[Phase, int] | None = None  # (phase, index) where a run that did not finish stopped
