"""The zygote: imports numpy, torch and IPython once, then forks one fresh child per submission.

Standalone on purpose (stdlib; numpy, torch and IPython imported here, once): run in the sandbox as a sibling
of runner.py. For each job it forks a child, hands its pipes to a Watch (runner_capture.py), then kills what the
child left behind and empties the scratch folders, so nothing survives into the next job.
"""
from __future__ import annotations

import ctypes
import json
import os
import shutil
import signal
import sys
import time
from typing import Any

if __package__:  # imported by the grader: the siblings are modules of grader.sandbox
    from .runner_capture import Watch
    from .runner_child import CLONE_NEWNET, Child
else:  # run by path in the sandbox: the siblings sit in the same folder
    from runner_capture import Watch
    from runner_child import CLONE_NEWNET, Child

KEEP_IN_TMP = {".ipython"}
PR_SET_CHILD_SUBREAPER = 36
WARM_MODULES = ("bdb", "pdb", "json", "math", "cmath", "collections", "itertools", "functools", "random",
                "re", "typing", "dataclasses", "statistics", "time", "copy", "io", "string", "fractions",
                "decimal", "heapq", "bisect", "operator", "csv", "gzip", "struct", "timeit", "pprint",
                "textwrap", "numpy.linalg", "numpy.fft", "torch.nn", "torch.nn.functional", "torch.optim",
                "torch.utils.data", "matplotlib_inline.backend_inline")


def _libc() -> Any:
    """The C library, for prctl and unshare, which Python 3.11 does not wrap."""
    return ctypes.CDLL(None, use_errno=True)


class Zygote:
    """Holds the warmed-up interpreter state and serves jobs one at a time."""

    def __init__(self, config: dict[str, Any]) -> None:
        self.config = config
        self.uid: int | None = config.get("uid")
        self.scratch_root: str = config["scratch_root"]
        self.keep_in_scratch = KEEP_IN_TMP | _bound_under(self.scratch_root,
                                                          config["site_dirs"] + config.get("python_roots", []))
        self.pid_namespace: bool = config["pid_namespace"]
        self.cgroup_procs: list[str] = config.get("cgroup_procs", [])
        self.libc = _libc()
        self.libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
        import random  # noqa: F401  warmed here so no child pays for these imports

        import numpy
        import numpy.random
        import torch
        from IPython.core.interactiveshell import InteractiveShell
        from traitlets.config import Config

        torch.set_num_threads(1)
        for name in WARM_MODULES:  # children run as a uid that may not read the interpreter's folders
            try:
                __import__(name)
            except ImportError:
                pass
        try:
            import matplotlib

            matplotlib.use("Agg")
            import matplotlib.pyplot  # noqa: F401  warm the import most notebooks make
        except ImportError:
            pass
        shell_config = Config()
        shell_config.HistoryManager.enabled = False
        shell_config.InteractiveShell.colors = "nocolor"
        shell_config.InteractiveShell.xmode = "Plain"
        self.shell = InteractiveShell.instance(config=shell_config)
        self.np, self.torch = numpy, torch
        self.net_unshared = False

    def serve(self) -> None:
        """Answer READY, then one reply line per job line until the parent closes stdin."""
        net_unshare = self._probe_unshare()
        import gc

        gc.collect()
        gc.freeze()  # children's collections then skip the warm heap, so fewer copy-on-write faults
        self._reply({"ready": True, "pid": os.getpid(), "net_unshare": net_unshare})
        for line in sys.stdin:
            message = json.loads(line)
            self._reply(self.run_job(message))

    def _reply(self, message: dict[str, Any]) -> None:
        """One JSON line to the parent, flushed: the worker waits on it."""
        sys.stdout.write(json.dumps(message) + "\n")
        sys.stdout.flush()

    def _probe_unshare(self) -> bool:
        """Whether a child can leave the network namespace (weak mode's one namespace)."""
        if not self.config.get("unshare_net"):
            return False
        pid = os.fork()
        if pid == 0:
            os._exit(0 if self.libc.unshare(CLONE_NEWNET) == 0 else 1)
        _, status = os.waitpid(pid, 0)
        self.net_unshared = os.waitstatus_to_exitcode(status) == 0
        return self.net_unshared

    def run_job(self, message: dict[str, Any]) -> dict[str, Any]:
        """Fork a child for the job, watch it, clean up after it and report plain facts."""
        limits, job_dir, seq = message["limits"], message["dir"], message["seq"]
        scratch = os.path.join(self.scratch_root, f"job-{seq}")
        pipes = {name: os.pipe() for name in ("out", "res", "prog")}
        sys.stdout.flush()
        sys.stderr.flush()
        started = time.monotonic()
        pid = os.fork()
        forked = time.monotonic()
        if pid == 0:
            try:
                child = Child(self, limits, job_dir, scratch, {k: w for k, (_, w) in pipes.items()})
                child.run()
            except BaseException:  # noqa: BLE001  a harness failure is shown in the job's output
                import traceback

                traceback.print_exc()
            finally:
                os._exit(70)
        for _, write_end in pipes.values():
            os.close(write_end)
        watch = Watch(pid, {k: r for k, (r, _) in pipes.items()}, limits, started)
        report = watch.run(self.kill_now)
        reaped = time.monotonic()
        self.kill_stragglers(pid)
        watch.drain()
        self._clean_scratch()
        with open(os.path.join(job_dir, "stdout"), "wb") as handle:
            handle.write(bytes(watch.output))
        with open(os.path.join(job_dir, "result"), "wb") as handle:
            handle.write(bytes(watch.result))
        done = time.monotonic()
        report.update(seq=seq, wall_s=done - started, fork_ms=(forked - started) * 1000,
                      child_ms=(reaped - forked) * 1000, cleanup_ms=(done - reaped) * 1000)
        return report

    def kill_now(self, pid: int) -> None:
        """SIGKILL the still-unreaped child, its group and, in the namespace, everything else."""
        for target in (lambda: os.kill(pid, signal.SIGKILL), lambda: os.killpg(pid, signal.SIGKILL)):
            try:
                target()
            except (ProcessLookupError, PermissionError):
                pass
        self._signal_all(pid)

    def kill_stragglers(self, pid: int) -> None:
        """After the child was reaped: kill and reap whatever it left behind."""
        for _ in range(1000):
            alive = self._signal_all(pid)
            self._reap()
            if not alive:
                return
            time.sleep(0.001)

    def _signal_all(self, pid: int) -> bool:
        """SIGKILL every student process we can name; True while any was found."""
        if self.pid_namespace:
            try:
                os.kill(-1, signal.SIGKILL)  # every process in the namespace but init and us
                return True
            except ProcessLookupError:
                return False
        found = False
        for target in self._cgroup_members():
            try:
                os.kill(target, signal.SIGKILL)
                found = True
            except ProcessLookupError:
                pass
        try:
            os.killpg(pid, signal.SIGKILL)
            found = True
        except (ProcessLookupError, PermissionError):
            pass
        return found

    def _cgroup_members(self) -> set[int]:
        """Every process in the slot's cgroup but the zygote and its parent: weak mode's way to find escapees."""
        members: set[int] = set()
        for path in self.cgroup_procs:
            try:
                with open(path) as handle:
                    members |= {int(x) for x in handle.read().split()}
            except OSError:
                continue
        members.discard(os.getpid())
        members.discard(os.getppid())
        return members

    def _reap(self) -> None:
        """Collect every exited process (the zygote is their subreaper) without blocking."""
        while True:
            try:
                pid, _ = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return

    def _clean_scratch(self) -> None:
        """Empty the scratch root (and /dev/shm in the namespace) so no job sees another's files."""
        roots = [self.scratch_root] + (["/dev/shm"] if self.pid_namespace else [])
        for root in roots:
            try:
                names = os.listdir(root)
            except OSError:
                continue
            for name in names:
                if root == self.scratch_root and name in self.keep_in_scratch:
                    continue
                _remove(os.path.join(root, name))


def _bound_under(root: str, bound: list[str]) -> set[str]:
    """Top-level names in root that lead to a read-only bind (a venv in a checkout under /tmp): never cleaned."""
    prefix = root.rstrip("/") + "/"
    return {path[len(prefix):].split("/", 1)[0] for path in bound if path.startswith(prefix)}


def _remove(path: str) -> None:
    """Remove a file or a tree the student may have made unreadable."""
    if os.path.islink(path) or not os.path.isdir(path):
        try:
            os.unlink(path)
        except OSError:
            pass
        return
    for top, dirs, _ in os.walk(path):
        for name in dirs:
            try:
                os.chmod(os.path.join(top, name), 0o700, follow_symlinks=False)
            except (OSError, NotImplementedError):
                pass
    shutil.rmtree(path, ignore_errors=True)
