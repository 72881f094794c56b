"""Turn the zygote's facts and the child's (untrusted) report into one Outcome."""
from __future__ import annotations

import signal
from typing import Any

from generator.limits import Limits

from .api import CellError, Job, Outcome, Phase, Status
from .wire import BadResult, Parsed, parse_result

NO_VALUE = "no value came back"  # the problem of an asked-for name that the run never reached


def _step_seconds(job: Job, limits: Limits, phase: str, index: int) -> float:
    """The cap of the cell or call that ran out of time."""
    if phase == "call" and 0 <= index < len(job.calls) and job.calls[index].timeout_s:
        return float(job.calls[index].timeout_s or 0.0)
    return limits.cell_timeout_s


def _status(job: Job, limits: Limits, facts: dict[str, Any], parsed: Parsed | None, oom_kills: int,
            crash: str) -> tuple[Status, str]:
    """Limits first (decided outside the student's process), then crashes, then the output cap."""
    timed_out, sig = facts.get("timed_out"), facts.get("signal")
    if timed_out == "total":
        return "timeout", f"the submission ran longer than {limits.total_timeout_s:g} s in all"
    if timed_out in ("cell", "call"):
        seconds = _step_seconds(job, limits, timed_out, int(facts.get("index", -1)))
        return "timeout", f"ran longer than {seconds:g} s"
    if oom_kills:
        return "memory", f"killed for using more than {limits.memory_mb} MB"
    if sig in (signal.SIGXCPU, signal.SIGKILL) and facts.get("cpu_s", 0.0) >= limits.cpu_s - 0.5:
        return "timeout", f"used more than {limits.cpu_s:g} CPU seconds"
    if facts.get("result_over"):
        return "crashed", f"sent back more than {limits.max_result_bytes} bytes of results"
    if parsed is None or not parsed.finished:
        how = f"was killed by signal {sig}" if sig else f"exited with code {facts.get('exit_code')}"
        return "crashed", f"the process {how}" + (f"; {crash}" if crash else "")
    first = next((e for e in parsed.cell_errors if e.name in ("Timeout", "MemoryError")), None)
    if first is not None and first.name == "Timeout":
        return "timeout", first.message
    if first is not None:
        return "memory", f"ran out of memory (limit {limits.memory_mb} MB)"
    if facts.get("output_bytes", 0) > limits.max_output_bytes:
        return "output_limit", f"printed {facts['output_bytes']} bytes, kept {limits.max_output_bytes}"
    return "ok", ""


def _stopped_in(facts: dict[str, Any], parsed: Parsed | None) -> tuple[Phase, int] | None:
    """Where a run that did not finish stopped, from the zygote's last progress line."""
    if parsed is not None and parsed.finished:
        return None
    phase, index = facts.get("phase"), facts.get("index")
    if phase in ("start", "cell", "call", "results") and isinstance(index, int):
        return phase, index
    return "start", -1


def build_outcome(job: Job, limits: Limits, facts: dict[str, Any], stdout: bytes, result: bytes,
                  oom_kills: int, isolation: str, seconds: float, token: str) -> Outcome:
    """Trust the zygote's facts for the status and the child's frames only as plain values."""
    parsed: Parsed | None = None
    crash = ""  # what was wrong with the frames, beyond their ending early
    try:
        parsed = parse_result(result, job, token)
        crash = parsed.broken
    except BadResult as exc:
        crash = "" if not result else str(exc)
    status, reason = _status(job, limits, facts, parsed, oom_kills, crash)
    cell_errors = parsed.cell_errors if parsed else ()
    if facts.get("timed_out") == "cell" and isinstance(facts.get("index"), int):
        cell_errors = (*cell_errors, CellError(facts["index"], "Timeout", reason))
    problems = dict(parsed.problems) if parsed else {}
    for name in (*job.variables, *(c.name for c in job.calls)):
        has_value = parsed is not None and (name in parsed.variables or name in parsed.results)
        if not has_value and name not in problems:
            problems[name] = f"{NO_VALUE}: {reason or 'missing from the results'}"
    return Outcome(
        job_id=job.job_id,
        status=status,
        cell_errors=cell_errors,
        variables=parsed.variables if parsed else {},
        results=parsed.results if parsed else {},
        problems=problems,
        stdout=stdout.decode("utf-8", "replace"),
        isolation=isolation,
        seconds=seconds,
        reason=reason,
        output_truncated=facts.get("output_bytes", 0) > limits.max_output_bytes,
        stopped_in=_stopped_in(facts, parsed),
    )


def crashed(job_id: str, reason: str, isolation: str, seconds: float = 0.0) -> Outcome:
    """The Outcome for a job that never ran (bad job, dead worker): crashed, with the reason."""
    return Outcome(job_id=job_id, status="crashed", cell_errors=(), variables={}, results={},
                   problems={}, stdout="", isolation=isolation, seconds=seconds, reason=reason,
                   stopped_in=("start", -1))
