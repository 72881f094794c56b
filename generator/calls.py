"""What a question kind asks the sandbox to run after the cells: plain data, read by grader/sandbox.

A kind declares a Call; the sandbox (grader/sandbox/) performs it. Nothing here runs anything, so the generator
never loads the sandbox (docs/ARCHITECTURE.md: generator/ never imports grader/).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal, TypeAlias

if TYPE_CHECKING:
    import numpy as np

Arg: TypeAlias = "np.ndarray | int | float | str | bool | tuple[Arg, ...] | list[Arg] | None"
Probe = Literal["call", "module_summary", "harness"]


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
