"""The zygote: imports numpy, torch and IPython once, then forks one fresh child per submission.

Standalone on purpose (stdlib, numpy, torch, IPython only; nothing from grader/), so it can be
bound alone into the sandbox. Protocol with the parent: one JSON line in per job on stdin, one
JSON line out per job on stdout; the job's inputs and the child's output live in the job folder.
"""
from __future__ import annotations

import ctypes
import io
import json
import os
import select
import shutil
import signal
import sys
import time
import types
from typing import Any

RESULT_MAGIC = b"CNNLABR1"
KEEP_IN_TMP = {".ipython"}
PR_SET_PDEATHSIG, PR_SET_NO_NEW_PRIVS, PR_SET_CHILD_SUBREAPER = 1, 38, 36
CLONE_NEWNET = 0x40000000
WARM_MODULES = ("bdb", "pdb", "json", "math", "cmath", "collections", "itertools", "functools", "random",
                "re", "typing", "dataclasses", "statistics", "time", "copy", "io", "string", "fractions",
                "decimal", "heapq", "bisect", "operator", "csv", "gzip", "struct", "timeit", "pprint",
                "textwrap", "numpy.linalg", "numpy.fft", "torch.nn", "torch.nn.functional", "torch.optim",
                "torch.utils.data", "matplotlib_inline.backend_inline")


def _libc() -> Any:
    """The C library, for prctl and unshare, which Python 3.11 does not wrap."""
    return ctypes.CDLL(None, use_errno=True)


def _prepare_imports(site_dirs: list[str]) -> None:
    """Add the venv's site-packages and drop editable-install finders that point at the repo."""
    import site

    for path in site_dirs:
        site.addsitedir(path)
    sys.meta_path[:] = [f for f in sys.meta_path if "__editable__" not in getattr(f, "__module__", "")]
    sys.path[:] = [p for p in sys.path if "__editable__" not in p]
    sys.path_importer_cache.clear()


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

    def run(self, kill_now: Any) -> dict[str, Any]:
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


class CellTimeout(BaseException):
    """Raised in the student's code when a cell or call outlives its time."""


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
        self._seed(job["seed"])
        self._cap_gpu_memory(self.limits.get("gpu_memory_fraction") or 0.0)
        self.token = job["token"]
        Harness(self, job).run()
        os._exit(0)

    def _redirect(self) -> None:
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
        if self.z.uid is not None:
            os.setgroups([])
            os.setresgid(self.z.uid, self.z.uid, self.z.uid)
            os.setresuid(self.z.uid, self.z.uid, self.z.uid)
        self.z.libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)

    def _seed(self, seed: int) -> None:
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
        try:
            self.write(self.fds["prog"], f"{phase} {index}\n".encode())
        except OSError:
            pass

    def send(self, frame: Frame) -> None:
        """Magic, header length, JSON header, then the .npy blobs, on a pipe only the zygote reads."""
        header = self.dumps({"token": self.token, **frame.header()}).encode()
        fd = self.fds["res"]
        for piece in (RESULT_MAGIC, len(header).to_bytes(8, "big"), header, *frame.arrays):
            view = memoryview(piece)
            while view:
                view = view[self.write(fd, view):]


class Frame:
    """What one moment of the run made final: after a cell (cell = its index), or at the end (final)."""

    def __init__(self, cell: int | None, final: bool = False) -> None:
        self.cell, self.final = cell, final
        self.cell_errors: list[list[Any]] = []
        self.variables: dict[str, Any] = {}
        self.results: dict[str, Any] = {}
        self.problems: dict[str, str] = {}
        self.arrays: list[bytes] = []

    def header(self) -> dict[str, Any]:
        """The frame's JSON header (the blobs follow it)."""
        return {"cell": self.cell, "final": self.final, "cell_errors": self.cell_errors,
                "variables": self.variables, "results": self.results, "problems": self.problems,
                "arrays": [len(blob) for blob in self.arrays]}


def _vm_data_bytes() -> int:
    with open("/proc/self/status") as handle:
        for line in handle:
            if line.startswith("VmData:"):
                return int(line.split()[1]) * 1024
    return 0


class NotPlain(Exception):
    """A value that is not plain data and so cannot be trusted by the grader."""


class Harness:
    """Runs cells and calls in a fresh InteractiveShell and turns their values into plain data."""

    def __init__(self, child: Child, job: dict[str, Any]) -> None:
        self.child, self.job, self.np, self.torch = child, job, child.np, child.torch
        self.shell = child.z.shell
        self.ns = self.shell.user_ns
        self.type, self.isinstance, self.len, self.str = type, isinstance, len, str
        self.ndarray, self.tensor = self.np.ndarray, self.torch.Tensor
        self.tensor_to_numpy = self.torch.Tensor.numpy
        self.tensor_detach, self.tensor_cpu = self.torch.Tensor.detach, self.torch.Tensor.cpu
        self.setitimer, self.itimer_real = signal.setitimer, signal.ITIMER_REAL
        self.write_array, self.bytes_io = self.np.lib.format.write_array, io.BytesIO
        self.max_items = child.limits["max_array_items"]
        self.attempts: dict[str, tuple[Any, bool]] = {}  # call name -> (the entry point then, raised an error)

    def run(self) -> None:
        """Cells in order; after each, a frame with what became final there; then a closing frame."""
        signal.signal(signal.SIGALRM, _raise_timeout)
        cells = self.job["cells"]
        due: dict[int, list[str]] = {}
        for name, cell in self.job["checkpoints"].items():
            due.setdefault(cell, []).append(name)
        calls = {call["name"]: index for index, call in enumerate(self.job["calls"])}
        for index, source in enumerate(cells):
            frame = Frame(cell=index)
            error = self._run_cell(index, source)
            if error:
                frame.cell_errors.append(error)
            self.child.progress("results", index)
            names = due.get(index, [])
            self._read(frame, [n for n in names if n not in calls])
            for name in (n for n in names if n in calls):
                self._attempt(frame, calls[name])
                self.child.progress("results", index)
            self.child.send(frame)
        closing = Frame(cell=None, final=True)
        self.child.progress("results", len(cells))
        self._read(closing, self.job["variables"])
        for index, call in enumerate(self.job["calls"]):
            if self._worth_running(call):
                self._attempt(closing, index)
                self.child.progress("results", len(cells))
        self.setitimer(self.itimer_real, 0)
        self._flush()
        self.child.send(closing)

    def _worth_running(self, call: dict[str, Any]) -> bool:
        """At the end: calls not tried yet, or whose name was redefined since, or that raised (not timed out)."""
        tried = self.attempts.get(call["name"])
        if tried is None:
            return True
        target, failed = tried
        return failed or self.ns.get(call["entry_point"]) is not target

    def _attempt(self, frame: Frame, index: int) -> None:
        """One call: its plain value or its problem goes into the frame."""
        call = self.job["calls"][index]
        name = call["name"]
        self.child.progress("call", index)
        seconds = step_timeout(self.child.limits, "call", index)
        target, failed = self.ns.get(call["entry_point"]), False
        try:
            value = self._timed(self._call, call, seconds=seconds)
            frame.results[name] = self._plain_top(value, frame)
        except CellTimeout:
            frame.problems[name] = f"timeout: took longer than {seconds:g} s"
        except NotPlain as exc:
            frame.problems[name] = f"not plain data: {exc}"
        except BaseException as exc:  # noqa: BLE001  any student error becomes a problem line
            frame.problems[name] = self._describe(exc)
            failed = True
        self.attempts[name] = (target, failed)

    def _flush(self) -> None:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except BaseException:  # noqa: BLE001  a replaced stream must not cost the results
                pass

    def _timed(self, function: Any, *args: Any, seconds: float | None = None) -> Any:
        self.setitimer(self.itimer_real, seconds or self.child.limits["cell_timeout_s"])
        try:
            return function(*args)
        finally:
            self.setitimer(self.itimer_real, 0)

    def _run_cell(self, index: int, source: str) -> list[Any] | None:
        self.child.progress("cell", index)
        try:
            result = self._timed(self.shell.run_cell, source, True)
            error = result.error_before_exec or result.error_in_exec
        except BaseException as exc:  # noqa: BLE001  a timeout outside the user's frame lands here
            error = exc
        self._flush()
        if error is None:
            return None
        if self.isinstance(error, CellTimeout):
            return [index, "Timeout", f"ran longer than {self.child.limits['cell_timeout_s']:g} s"]
        return [index, self._name(error), self._describe(error)]

    def _name(self, error: BaseException) -> str:
        name = getattr(self.type(error), "__name__", "Error")
        return name if self.type(name) is str else "Error"

    def _describe(self, error: BaseException) -> str:
        """One line for an exception, even if its __str__ misbehaves."""
        try:
            text = self._timed(lambda: f"{self._name(error)}: {error}")
        except BaseException:  # noqa: BLE001
            text = self._name(error)
        lines = text.strip().splitlines() or [""]
        return lines[0][:300] if self.type(lines[0]) is str else "Error"

    def _read(self, frame: Frame, names: list[str]) -> None:
        """The named answer variables as plain values (or why not) into the frame."""
        for name in names:
            if name not in self.ns:
                frame.problems[name] = "not defined"
                continue
            try:
                frame.variables[name] = self._timed(self._plain, self.ns[name], 0)
            except NotPlain as exc:
                frame.problems[name] = f"not plain data: {exc}"
            except BaseException as exc:  # noqa: BLE001
                frame.problems[name] = self._describe(exc)

    def _call(self, call: dict[str, Any]) -> Any:
        target = self.ns.get(call["entry_point"])
        if target is None:
            raise NameError(f"{call['entry_point']} is not defined")
        args = tuple(self._decode(a) for a in call["args"])
        kwargs = {k: self._decode(v) for k, v in call["kwargs"].items()}
        if call["probe"] == "module_summary":
            return self._module_summary(target, args, kwargs)
        if call["probe"] == "harness":
            return self._harness(call.get("harness", ""), target, args, kwargs)
        return target(*args, **kwargs)

    def _harness(self, spec: str, target: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        """Run grader-supplied code (e.g. the reference trainer) on the student's name, as a fresh module.

        The source comes from the job's bytes, read before any student code ran, not from the scratch copy.
        """
        file_name, _, function = spec.partition(":")
        source = self.job["file_bytes"].get(file_name)
        if source is None or not function:
            raise NameError(f"harness {spec!r} is not among the job's files")
        module = types.ModuleType(file_name.rsplit(".", 1)[0])
        sys.modules[module.__name__] = module  # dataclasses look their module up by name
        exec(compile(source, file_name, "exec"), module.__dict__)  # noqa: S102  the grader's own code
        return module.__dict__[function](target, *args, **kwargs)

    def _decode(self, tagged: dict[str, Any]) -> Any:
        if "npy" in tagged:
            return self.job["arrays"][tagged["npy"]].copy()
        if "tuple" in tagged:
            return tuple(self._decode(x) for x in tagged["tuple"])
        if "list" in tagged:
            return [self._decode(x) for x in tagged["list"]]
        return tagged["v"]

    def _module_summary(self, cls: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> dict[str, Any]:
        """The probe on the student's class, with the isinstance taken before any student code ran."""
        shape = tuple(args[0].shape) if self.isinstance(args[0], self.ndarray) else tuple(args[0])
        return module_summary(self.torch, cls, shape, args[1:], kwargs, self.isinstance)

    def _plain_top(self, value: Any, frame: Frame) -> Any:
        """A call's value: a numeric array travels as .npy in the frame, anything else as JSON."""
        array = self._as_array(value)
        if array is not None:
            buffer = self.bytes_io()
            self.write_array(buffer, array, allow_pickle=False)
            frame.arrays.append(buffer.getvalue())
            return {"npy": self.len(frame.arrays) - 1}
        return {"json": self._plain(value, 0)}

    def _as_array(self, value: Any) -> Any:
        kind = self.type(value)
        if kind is self.ndarray:
            array = value
        elif kind is self.tensor or kind is self.torch.nn.Parameter:
            try:
                array = self.tensor_to_numpy(self.tensor_cpu(self.tensor_detach(value)))
            except (TypeError, RuntimeError) as exc:
                raise NotPlain(f"tensor of dtype {value.dtype} cannot become an array") from exc
        else:
            return None
        if array.dtype.kind not in "biufc" or array.dtype.fields is not None:
            raise NotPlain(f"array of dtype {array.dtype}")
        if array.size > self.max_items:
            raise NotPlain(f"array of {array.size} items is too large")
        return self.np.ascontiguousarray(array).copy()

    def _plain(self, value: Any, depth: int) -> Any:
        """Numbers, strings, lists, str-keyed dicts, numeric arrays as lists; anything else refused."""
        kind = self.type(value)
        if value is None or kind in (bool, int, float, str):
            return value
        if depth > 32:
            raise NotPlain("nested too deeply")
        if kind in (list, tuple):
            return [self._plain(item, depth + 1) for item in value]
        if kind is dict:
            if not all(self.type(key) is str for key in value):
                raise NotPlain("dict with keys that are not str")
            return {key: self._plain(item, depth + 1) for key, item in value.items()}
        if kind in _NUMPY_SCALARS:
            item = value.item()
            return item if self.type(item) in (bool, int, float) else [item.real, item.imag]
        array = self._as_array(value)
        if array is not None:
            if array.dtype.kind == "c":
                raise NotPlain("complex array")
            return array.tolist()
        raise NotPlain(f"a value of type {getattr(kind, '__qualname__', '?')}")


def module_summary(torch: Any, cls: Any, shape: tuple[int, ...], args: tuple[Any, ...] = (),
                   kwargs: dict[str, Any] | None = None, is_instance: Any = isinstance) -> dict[str, Any]:
    """Instantiate, count parameters, forward zeros of shape, record each submodule's output shape in run order.

    Module level so a kind's self-test can take the same measurements in its own process.
    """
    model = cls(*args, **(kwargs or {}))
    if not is_instance(model, torch.nn.Module):
        raise TypeError(f"{call_name(cls)} did not build a torch.nn.Module")
    children: list[dict[str, Any]] = []

    def hook(name: str, module: Any) -> Any:
        def record(_module: Any, _inputs: Any, output: Any) -> None:
            children.append({"name": name, "type": type(module).__name__,
                             "params": int(sum(p.numel() for p in module.parameters())),
                             "output_shape": _shape_of(output)})
        return record

    named = [(n, m) for n, m in model.named_modules() if n]  # every submodule, recorded as it runs
    handles = [m.register_forward_hook(hook(n, m)) for n, m in named]
    model.eval()
    with torch.no_grad():
        output = model(torch.zeros(shape))
    for handle in handles:
        handle.remove()
    return {"params": int(sum(p.numel() for p in model.parameters())),
            "trainable_params": int(sum(p.numel() for p in model.parameters() if p.requires_grad)),
            "output_shape": _shape_of(output), "children": children}


def step_timeout(limits: dict[str, Any], phase: str, index: int) -> float:
    """A call's own timeout when the job set one, else the per-cell timeout."""
    per_call = limits.get("call_timeouts") or []
    if phase == "call" and 0 <= index < len(per_call):
        return float(per_call[index])
    return float(limits["cell_timeout_s"])


def call_name(obj: Any) -> str:
    return getattr(obj, "__name__", "the entry point")


def _shape_of(output: Any) -> Any:
    if hasattr(output, "shape"):
        return [int(n) for n in output.shape]
    if isinstance(output, (tuple, list)):
        return [_shape_of(item) for item in output]
    return None


def _raise_timeout(_signum: int, _frame: Any) -> None:
    raise CellTimeout()


_NUMPY_SCALARS: set[type] = set()


def _numpy_scalar_types() -> None:
    import numpy

    for name in ("bool_", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
                 "float16", "float32", "float64", "longdouble", "complex64", "complex128"):
        _NUMPY_SCALARS.add(getattr(numpy, name))


def main() -> None:
    config = json.loads(sys.argv[1])
    os.environ.update(config.get("env", {}))
    _prepare_imports(config.get("site_dirs", []))
    zygote = Zygote(config)
    _numpy_scalar_types()
    zygote.serve()


if __name__ == "__main__":
    main()
