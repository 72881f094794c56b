"""The forked child of one job: stdio onto the zygote's pipes, limits, privilege drop, then the cells.

Standalone on purpose (stdlib; numpy and torch arrive from the zygote): run in the sandbox as a sibling of
runner.py. Its order keeps the student away from our fds and files: redirect and close every other fd, read the
job while still privileged, set rlimits, make the scratch folder, drop to the student's uid, seed, run.
"""
from __future__ import annotations

import json
import os
import signal
import sys
from typing import TYPE_CHECKING, Any

if __package__:  # imported by the grader: the siblings are modules of grader.sandbox
    from .runner_cells import Harness
    from .runner_confine import install_landlock, install_seccomp
else:  # run by path in the sandbox: the siblings sit in the same folder
    from runner_cells import Harness
    from runner_confine import install_landlock, install_seccomp

if TYPE_CHECKING:
    from .runner_results import Frame
    from .runner_zygote import Zygote

PR_SET_PDEATHSIG, PR_SET_NO_NEW_PRIVS = 1, 38
CLONE_NEWNET = 0x40000000


class Child:
    """The forked child: limits, privilege drop, cells, calls, plain-data results."""

    def __init__(self, zygote: Zygote, limits: dict[str, Any], job_dir: str, scratch: str,
                 fds: dict[str, int]) -> None:
        self.z, self.limits, self.job_dir, self.scratch, self.fds = zygote, limits, job_dir, scratch, fds
        self.np, self.torch = zygote.np, zygote.torch
        self.write, self.dumps = os.write, json.JSONEncoder(allow_nan=True).encode
        self.token = ""

    def run(self) -> None:
        """Everything the child does, in the order that keeps the student away from our fds."""
        os.setsid()
        self._redirect()
        job = self._load_job()
        self._apply_limits()
        self._make_scratch(job)
        self._drop_privileges()
        self._confine()
        self._seed(job["seed"])
        self._cap_gpu_memory(self.limits.get("gpu_memory_fraction") or 0.0)
        self.token = job["token"]
        Harness(self, job).run()
        os._exit(0)

    def _redirect(self) -> None:
        """stdout and stderr onto the output pipe, every other inherited fd closed, death with the zygote."""
        out, keep = self.fds["out"], {self.fds["res"], self.fds["prog"]}
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        os.dup2(out, 1)
        os.dup2(out, 2)
        for fd in range(3, 1024):
            if fd not in keep:
                try:
                    os.close(fd)
                except OSError:
                    pass
        sys.stdin = open(0, "r", closefd=False)
        sys.stdout = open(1, "w", buffering=1, closefd=False, errors="backslashreplace")
        sys.stderr = open(2, "w", buffering=1, closefd=False, errors="backslashreplace")
        sys.__stdout__, sys.__stderr__, sys.__stdin__ = sys.stdout, sys.stderr, sys.stdin
        try:
            with open("/proc/self/oom_score_adj", "w") as handle:
                handle.write("1000")
        except OSError:
            pass
        self.z.libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)

    def _load_job(self) -> dict[str, Any]:
        """Read the job while still privileged: the job folder is closed to the student's uid."""
        with open(os.path.join(self.job_dir, "job.json")) as handle:
            job = json.load(handle)
        job["arrays"] = [self.np.load(os.path.join(self.job_dir, f"arg{k}.npy"), allow_pickle=False)
                         for k in range(job["n_arrays"])]
        job["file_bytes"] = {}
        for index, name in enumerate(job["files"]):
            with open(os.path.join(self.job_dir, f"file{index}"), "rb") as handle:
                job["file_bytes"][name] = handle.read()
        return job

    def _apply_limits(self) -> None:
        """rlimits (and weak mode's net namespace) set while still privileged, so the student cannot raise them."""
        import resource

        limits = self.limits
        cpu = max(1, int(limits["cpu_s"] + 0.999))
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        file_cap = limits["memory_mb"] << 20
        resource.setrlimit(resource.RLIMIT_FSIZE, (file_cap, file_cap))
        data = _vm_data_bytes() + (limits["memory_mb"] << 20)
        resource.setrlimit(resource.RLIMIT_DATA, (data, data))
        if self.z.uid is not None:
            nproc = limits["max_processes"]
            resource.setrlimit(resource.RLIMIT_NPROC, (nproc, nproc))
        if self.z.net_unshared:
            self.z.libc.unshare(CLONE_NEWNET)

    def _make_scratch(self, job: dict[str, Any]) -> None:
        """The job's files, read-only, in a fresh working folder the student's uid owns, as Jupyter's cwd."""
        os.mkdir(self.scratch, 0o700)
        for name, content in job["file_bytes"].items():
            path = os.path.join(self.scratch, name)
            with open(path, "wb") as handle:
                handle.write(content)
            os.chmod(path, 0o444)
        if self.z.uid is not None:
            for name in [*job["file_bytes"], "."]:
                os.chown(os.path.join(self.scratch, name), self.z.uid, self.z.uid)
        os.chdir(self.scratch)
        os.environ.update(HOME=self.scratch, MPLCONFIGDIR=self.scratch, TMPDIR=self.scratch)
        sys.path.insert(0, self.scratch)  # as in Jupyter, the working folder is importable

    def _drop_privileges(self) -> None:
        """Become the slot's uid with no groups, and forbid gaining privileges back (setuid binaries)."""
        if self.z.uid is not None:
            os.setgroups([])
            os.setresgid(self.z.uid, self.z.uid, self.z.uid)
            os.setresuid(self.z.uid, self.z.uid, self.z.uid)
        self.z.libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)

    def _confine(self) -> None:
        """Weak mode: Landlock and seccomp stand in for the namespaces; one that fails stops the job (fail closed)."""
        confine = self.z.config.get("confine") or {}
        if confine.get("landlock_abi"):
            install_landlock(confine["landlock_abi"], confine["read_roots"], [self.scratch, *confine["write_roots"]])
        if confine.get("seccomp"):
            install_seccomp()

    def _seed(self, seed: int) -> None:
        """Seed random, numpy and torch with the job's seed, so a run is repeatable."""
        import random

        random.seed(seed)
        self.np.random.seed(seed % 2**32)
        self.torch.manual_seed(seed)

    def _cap_gpu_memory(self, fraction: float) -> None:
        """Cap PyTorch's share of the GPU's memory in this job, effective when CUDA starts in this process.

        Queued with torch.cuda's own lazy-init queue where this torch has one, so a job that never uses CUDA pays
        nothing; set at once otherwise. A fairness cap between side-by-side sandboxes, not a wall: code that
        allocates outside PyTorch's caching allocator is not counted by it.
        """
        if not fraction:
            return
        cuda = self.torch.cuda

        def cnnlab_gpu_memory_cap() -> None:
            cuda.set_per_process_memory_fraction(float(fraction))

        queue = getattr(cuda, "_lazy_call", None)
        if callable(queue):
            queue(cnnlab_gpu_memory_cap)
        elif cuda.is_available():
            cnnlab_gpu_memory_cap()

    def progress(self, phase: str, index: int) -> None:
        """Tell the zygote which cell or call starts, so it arms that step's deadline."""
        try:
            self.write(self.fds["prog"], f"{phase} {index}\n".encode())
        except OSError:
            pass

    def send(self, frame: Frame) -> None:
        """Magic, header length, JSON header, then the .npy blobs, on a pipe only the zygote reads."""
        pieces = frame.encode(self.token, self.dumps)
        fd = self.fds["res"]
        for piece in pieces:
            view = memoryview(piece)
            while view:
                view = view[self.write(fd, view):]


def _vm_data_bytes() -> int:
    """The data segment the warm zygote already holds: RLIMIT_DATA is set that much above it."""
    with open("/proc/self/status") as handle:
        for line in handle:
            if line.startswith("VmData:"):
                return int(line.split()[1]) * 1024
    return 0
