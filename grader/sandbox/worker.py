"""One worker slot: a zygote process inside the isolation, its cgroup, its job folder, its restarts."""
from __future__ import annotations

import json
import os
import secrets
import selectors
import shutil
import subprocess
import tempfile
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

from . import cgroup as cgroups
from generator.limits import Limits

from .api import Job, Outcome
from .isolation import (SANDBOX_IO, WEAK_WRITE_ROOTS, Plan, bwrap_command, copy_runner, describe, weak_command,
                        weak_read_roots)
from .leftovers import cgroup_name, folder_prefix
from .verdict import build_outcome, crashed
from .wire import BadJob, read_capped, write_job

MAX_REPLY_LINE = 1 << 16  # the protocol's longest line (the zygote's facts are a few hundred bytes)


class WorkerDied(RuntimeError):
    """The zygote went away or stopped answering; the worker restarts it for the next job."""


class Worker:
    """Owns one zygote. Not thread-safe: the Sandbox gives each Worker its own thread."""

    def __init__(self, slot: int, plan: Plan, limits: Limits) -> None:
        self.slot, self.plan, self.limits = slot, plan, limits
        self.uid = plan.uid_for(slot)
        self.process: subprocess.Popen[bytes] | None = None
        self.cgroup: cgroups.Cgroup | None = None
        self.folder: Path | None = None
        self.scratch: Path | None = None
        self.isolation = describe(plan, None, self.uid, False)
        self.seq = 0
        self.buffer = b""

    def start(self) -> None:
        """Start the zygote and wait for READY; then cap its cgroup above what the zygote holds."""
        self.folder = Path(tempfile.mkdtemp(prefix=folder_prefix("sandbox", self.slot)))
        os.chmod(self.folder, 0o700)
        (self.folder / "jobs").mkdir(mode=0o700)
        self.cgroup = cgroups.create(cgroup_name(self.slot, time.monotonic_ns()))
        command = self._command()
        if self.cgroup is not None:
            enter = " ".join(f"echo $$ > {p};" for p in self.cgroup.procs_files)
            command = ["/bin/sh", "-c", f'{enter} exec "$@"', "sh", *command]
        log = open(self.folder / "zygote.log", "wb")  # noqa: SIM115  kept open by the child
        self.process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        stderr=log, cwd=self.folder, env=self._host_env())
        log.close()
        self.buffer = b""
        ready = self._read_line(time.monotonic() + self.limits.start_timeout_s)
        if not ready.get("ready"):
            raise WorkerDied(f"the zygote did not start: {self._log_tail()}")
        if self.cgroup is not None:
            self._protect_zygote()
            self.cgroup.set_limits(self.cgroup.memory_usage() + (self.limits.memory_mb << 20),
                                   self.cgroup.pids_current() + self.limits.max_processes)
        self.isolation = describe(self.plan, self._cgroup_words(), self.uid, bool(ready.get("net_unshare")))

    def _cgroup_words(self) -> str | None:
        if self.cgroup is None:
            return None
        cpu = "+cpu (1 core)" if self.cgroup.cpu is not None else ""
        return f"cgroup v{self.cgroup.version} memory+pids{cpu}"

    def _host_env(self) -> dict[str, str]:
        from .isolation import CHILD_ENV

        env = dict(CHILD_ENV)
        env.update(HOME=str(self.folder), IPYTHONDIR=str(self.folder / "ipython"),
                   MPLCONFIGDIR=str(self.folder / "matplotlib"))
        return env

    def _command(self) -> list[str]:
        assert self.folder is not None
        inside = self.plan.mode == "bubblewrap"
        scratch = "/tmp"
        if not inside:
            self.scratch = Path(tempfile.mkdtemp(prefix=folder_prefix("scratch", self.slot)))
            os.chmod(self.scratch, 0o711)  # the student's uid may enter its own job folder, not list others
            scratch = str(self.scratch)
        config = json.dumps({
            "site_dirs": list(self.plan.site_dirs), "python_roots": list(self.plan.python_roots),
            "scratch_root": scratch, "uid": self.uid,
            "pid_namespace": inside, "unshare_net": not inside and self.plan.as_root,
            "cgroup_procs": [] if inside or self.cgroup is None else [str(p) for p in self.cgroup.procs_files],
            "confine": None if inside else {"landlock_abi": self.plan.landlock_abi, "seccomp": self.plan.seccomp,
                                            "read_roots": weak_read_roots(self.plan),
                                            "write_roots": list(WEAK_WRITE_ROOTS)},
        })
        if inside:
            return bwrap_command(self.plan, str(self.folder), (self.limits.memory_mb << 20), config)
        return weak_command(self.plan, str(copy_runner(self.folder)), config)

    def _protect_zygote(self) -> None:
        """Make the kernel's OOM killer pick the student's child, never the zygote."""
        assert self.cgroup is not None
        for pid in self.cgroup.members():
            try:
                Path(f"/proc/{pid}/oom_score_adj").write_text("-1000")
            except OSError:
                pass

    def _read_line(self, deadline: float) -> dict[str, Any]:
        """One JSON line from the zygote, or WorkerDied at EOF, timeout or garbage."""
        assert self.process is not None and self.process.stdout is not None
        fd = self.process.stdout.fileno()
        with selectors.DefaultSelector() as selector:
            selector.register(fd, selectors.EVENT_READ)
            while b"\n" not in self.buffer:
                remaining = deadline - time.monotonic()
                if remaining <= 0 or not selector.select(remaining):
                    raise WorkerDied("the zygote stopped answering")
                chunk = os.read(fd, MAX_REPLY_LINE)
                if not chunk:
                    raise WorkerDied(f"the zygote exited: {self._log_tail()}")
                self.buffer += chunk
                if len(self.buffer) > MAX_REPLY_LINE:
                    raise WorkerDied("the zygote sent an over-long line")
        line, _, self.buffer = self.buffer.partition(b"\n")
        try:
            message = json.loads(line)
        except ValueError as exc:
            raise WorkerDied(f"the zygote sent garbage: {exc}") from exc
        if not isinstance(message, dict):
            raise WorkerDied("the zygote sent a non-object")
        return message

    def _log_tail(self) -> str:
        if self.folder is None:
            return ""
        text = read_capped(self.folder / "zygote.log", 1 << 20).decode("utf-8", "replace")
        return " | ".join(text.strip().splitlines()[-5:])[-600:]

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def run(self, job: Job) -> Outcome:
        """Run one job; never raises: a bad job or a dead zygote becomes a crashed Outcome."""
        started = time.monotonic()
        try:
            if not self.alive():
                self.close()
                self.start()
            return self._run(job, started)
        except BadJob as exc:
            return crashed(job.job_id, f"bad job: {exc}", self.isolation, time.monotonic() - started)
        except (WorkerDied, OSError, ValueError) as exc:
            self.close()
            return crashed(job.job_id, f"the sandbox worker failed: {exc}", self.isolation,
                           time.monotonic() - started)

    def _run(self, job: Job, started: float) -> Outcome:
        assert self.folder is not None and self.process is not None and self.process.stdin is not None
        self.seq += 1
        host_dir = self.folder / "jobs" / str(self.seq)
        try:
            token = secrets.token_hex(16)
            write_job(job, host_dir, token)
            inside = SANDBOX_IO if self.plan.mode == "bubblewrap" else str(self.folder)
            call_timeouts = [float(c.timeout_s or self.limits.cell_timeout_s) for c in job.calls]
            message = {"seq": self.seq, "dir": f"{inside}/jobs/{self.seq}",
                       "limits": {**asdict(self.limits), "call_timeouts": call_timeouts}}
            oom_before = self.cgroup.oom_kills() if self.cgroup else 0
            self.process.stdin.write((json.dumps(message) + "\n").encode())
            self.process.stdin.flush()
            facts = self._read_line(time.monotonic() + self.limits.total_timeout_s + self.limits.reply_slack_s)
            if facts.get("seq") != self.seq:
                raise WorkerDied("the zygote answered out of turn")
            oom = (self.cgroup.oom_kills() if self.cgroup else 0) - oom_before
            stdout = read_capped(host_dir / "stdout", self.limits.max_output_bytes)
            result = read_capped(host_dir / "result", self.limits.max_result_bytes)
        finally:
            shutil.rmtree(host_dir, ignore_errors=True)
        return build_outcome(job, self.limits, facts, stdout, result, oom, self.isolation,
                             time.monotonic() - started, token)

    def close(self) -> None:
        """Stop the zygote (closing stdin ends it; the namespace dies with it) and free everything."""
        if self.process is not None:
            if self.process.stdin is not None:
                try:
                    self.process.stdin.close()
                except OSError:
                    pass
            try:
                self.process.wait(timeout=3)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
            if self.process.stdout is not None:
                self.process.stdout.close()
            self.process = None
        if self.cgroup is not None:
            self.cgroup.remove()
            self.cgroup = None
        for folder in (self.folder, self.scratch):
            if folder is not None:
                shutil.rmtree(folder, ignore_errors=True)
        self.folder = self.scratch = None
