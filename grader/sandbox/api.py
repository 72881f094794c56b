"""The sandbox's public records: what a job asks for and what comes back (docs/CONTRACT.md)."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, NamedTuple, TypeAlias

import numpy as np

from generator.calls import Call

JSON: TypeAlias = Any  # None | bool | int | float | str | list[JSON] | dict[str, JSON]
Status = Literal["ok", "timeout", "memory", "crashed", "output_limit"]
Phase = Literal["start", "cell", "call", "results"]  # results: reading values after cell <index> (or the end)


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
