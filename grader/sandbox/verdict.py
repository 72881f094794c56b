"""Turn the zygote's facts and the child's (untrusted) report into one Outcome."""
from __future__ import annotations

import signal
from typing import Any

from .api import CellError, Job, Limits, Outcome, Status
from .wire import BadResult, Parsed, parse_result


def _status(job: Job, limits: Limits, facts: dict[str, Any], parsed: Parsed | None,
            oom_kills: int, crash: str) -> tuple[Status, str]:
    """Limits first (decided outside the student's process), then crashes, then the output cap."""
    timed_out, phase, index = facts.get("timed_out"), facts.get("phase"), facts.get("index")
    sig = facts.get("signal")
    if timed_out == "total":
        return "timeout", f"the submission ran longer than {limits.total_timeout_s} s"
    if timed_out in ("cell", "call"):
        return "timeout", f"{timed_out} {index} ran longer than {limits.cell_timeout_s} s"
    if oom_kills:
        return "memory", f"killed for using more than {limits.memory_mb} MB (in {phase} {index})"
    if sig in (signal.SIGXCPU, signal.SIGKILL) and facts.get("cpu_s", 0.0) >= limits.cpu_s - 0.5:
        return "timeout", f"used more than {limits.cpu_s} CPU seconds"
    if facts.get("result_over"):
        return "crashed", f"the results were larger than {limits.max_result_bytes} bytes"
    if parsed is None:
        how = f"was killed by signal {sig}" if sig else f"exited with code {facts.get('exit_code')}"
        return "crashed", f"the process {how} in {phase} {index} before sending results ({crash})"
    if any(e.name == "Timeout" for e in parsed.cell_errors):
        first = next(e for e in parsed.cell_errors if e.name == "Timeout")
        return "timeout", first.message
    if any(e.name == "MemoryError" for e in parsed.cell_errors):
        first = next(e for e in parsed.cell_errors if e.name == "MemoryError")
        return "memory", f"cell {first.cell} ran out of memory (limit {limits.memory_mb} MB)"
    if facts.get("output_bytes", 0) > limits.max_output_bytes:
        return "output_limit", f"printed {facts['output_bytes']} bytes, kept {limits.max_output_bytes}"
    return "ok", ""


def build_outcome(job: Job, limits: Limits, facts: dict[str, Any], stdout: bytes, result: bytes,
                  oom_kills: int, isolation: str, seconds: float, token: str) -> Outcome:
    """Trust the zygote's facts for the status and the child's bytes only as plain values."""
    parsed: Parsed | None = None
    crash = "the harness did not finish"
    if facts.get("exit_code") == 0:
        try:
            parsed = parse_result(result, job, token)
        except BadResult as exc:
            crash = str(exc)
    status, reason = _status(job, limits, facts, parsed, oom_kills, crash)
    cell_errors = parsed.cell_errors if parsed else ()
    if facts.get("timed_out") == "cell" and isinstance(facts.get("index"), int):
        message = f"cell {facts['index']} ran longer than {limits.cell_timeout_s} s"
        cell_errors = (*cell_errors, CellError(facts["index"], "Timeout", message))
    problems = dict(parsed.problems) if parsed else {}
    names = [*job.variables, *(c.name for c in job.calls)]
    for name in names:
        has_value = parsed is not None and (name in parsed.variables or name in parsed.results)
        if not has_value and name not in problems:
            problems[name] = f"no value came back: {reason or 'missing from the results'}"
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
    )


def crashed(job_id: str, reason: str, isolation: str, seconds: float = 0.0) -> Outcome:
    """The Outcome for a job that never ran (bad job, dead worker): crashed, with the reason."""
    return Outcome(job_id=job_id, status="crashed", cell_errors=(), variables={}, results={},
                   problems={}, stdout="", isolation=isolation, seconds=seconds, reason=reason)
