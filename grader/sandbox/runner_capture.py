"""Output capture for one job: the zygote's side of the child's pipes, and the deadlines it enforces.

Standalone on purpose (stdlib only): run in the sandbox as a sibling of runner.py. The child's stdout and
stderr share one pipe, of which the first max_output_bytes are kept; result frames come on a second pipe, capped
at max_result_bytes; 'phase index' progress lines on a third arm the per-cell or per-call deadline.
"""
from __future__ import annotations

import os
import select
import time
from collections.abc import Callable
from typing import Any


class Watch:
    """The zygote's side of one job: capped output, result bytes, per-cell and total deadlines."""

    def __init__(self, pid: int, fds: dict[str, int], limits: dict[str, Any], started: float) -> None:
        self.pid, self.fds, self.limits = pid, fds, limits
        self.output, self.result = bytearray(), bytearray()
        self.output_bytes, self.result_over = 0, False
        self.total_deadline = started + limits["total_timeout_s"] + limits["kill_grace_s"]
        self.step_deadline: float | None = None
        self.phase, self.index = "start", -1
        self.pidfd = os.pidfd_open(pid)
        self.prog_buffer = bytearray()

    def run(self, kill_now: Callable[[int], None]) -> dict[str, Any]:
        """Watch until the child exits or a deadline passes; returns the facts for the parent."""
        timed_out: str | None = None
        while True:
            now = time.monotonic()
            deadline = min(self.total_deadline, self.step_deadline or self.total_deadline)
            if now >= deadline:
                timed_out = "total" if deadline == self.total_deadline else self.phase
                kill_now(self.pid)
                break
            ready, _, _ = select.select([*self.open_fds(), self.pidfd], [], [], deadline - now)
            for fd in ready:
                if fd != self.pidfd:
                    self._read(fd)
            if self.pidfd in ready:
                break
        _, status, usage = os.wait4(self.pid, 0)
        os.close(self.pidfd)
        return {
            "exit_code": os.WEXITSTATUS(status) if os.WIFEXITED(status) else None,
            "signal": os.WTERMSIG(status) if os.WIFSIGNALED(status) else None,
            "timed_out": timed_out,
            "phase": self.phase,
            "index": self.index,
            "cpu_s": usage.ru_utime + usage.ru_stime,
            "output_bytes": self.output_bytes,
            "result_over": self.result_over,
        }

    def open_fds(self) -> list[int]:
        """The pipes not yet at end of file (a closed one is marked -1)."""
        return [fd for fd in self.fds.values() if fd >= 0]

    def drain(self) -> None:
        """Read what is left in the pipes without blocking on a writer that escaped, then close them."""
        for fd in self.open_fds():
            os.set_blocking(fd, False)
            while fd in self.fds.values() and self._read(fd):
                pass
        for fd in self.open_fds():
            os.close(fd)

    def _read(self, fd: int) -> bool:
        """Read one chunk; False (and the fd closed) at end of file."""
        try:
            chunk = os.read(fd, 1 << 16)
        except BlockingIOError:
            return False
        if not chunk:
            name = next(k for k, v in self.fds.items() if v == fd)
            os.close(fd)
            self.fds[name] = -1
            return False
        if fd == self.fds["out"]:
            room = self.limits["max_output_bytes"] - len(self.output)
            self.output += chunk[: max(room, 0)]
            self.output_bytes += len(chunk)
        elif fd == self.fds["res"]:
            if self.result_over or len(self.result) + len(chunk) > self.limits["max_result_bytes"]:
                self.result_over = True  # frames already whole stand; nothing after the cap is kept
            else:
                self.result += chunk
        else:
            self._progress(chunk)
        return True

    def _progress(self, chunk: bytes) -> None:
        """Parse 'phase index' lines from the child to arm the per-cell deadline."""
        self.prog_buffer += chunk
        *lines, rest = self.prog_buffer.split(b"\n")
        self.prog_buffer = bytearray(rest[:64])
        for line in lines[-1:]:
            parts = line.split()
            if len(parts) == 2 and parts[0] in (b"cell", b"call", b"results") and parts[1].isdigit():
                self.phase, self.index = parts[0].decode(), int(parts[1])
                step = step_timeout(self.limits, self.phase, self.index) if self.phase != "results" else None
                self.step_deadline = time.monotonic() + step + self.limits["kill_grace_s"] if step else None


def step_timeout(limits: dict[str, Any], phase: str, index: int) -> float:
    """A call's own timeout when the job set one, else the per-cell timeout."""
    per_call = limits.get("call_timeouts") or []
    if phase == "call" and 0 <= index < len(per_call):
        return float(per_call[index])
    return float(limits["cell_timeout_s"])
