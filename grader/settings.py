"""Every cap on what a submission may be or do, in one place: the sandbox's Limits and the caps on submitted files.

The CLI's defaults (`cnnlab grade --timeout --memory`) are read from LIMITS, and every message that names a cap
reads it from here, so a cap is changed in one line.
"""

from __future__ import annotations

from grader.sandbox.api import Limits

LIMITS = Limits()  # per submission: time per cell and in all, CPU, memory, processes, output and result bytes
MAX_NOTEBOOK_BYTES = 512 * 1024 * 1024  # a notebook file; larger ones are rejected unread
MAX_SOURCE_BYTES = 2 * 1024 * 1024  # all code cells of one notebook together, as sent to the sandbox
MAX_WEIGHTS_BYTES = 5 * 1024 * 1024  # LeNet-5's state_dict is about 250 KB; anything much larger is not one
WEIGHTS_SUFFIXES = (".pt", ".pth")  # submitted files that travel with their notebook (docs/GRADING.md)
