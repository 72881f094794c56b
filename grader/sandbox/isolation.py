"""How a worker is started: bubblewrap with an allow-list of read-only binds, or a loud weak mode."""
from __future__ import annotations

import functools
import os
import pwd
import shutil
import site
import subprocess
import sys
import sysconfig
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from generator import probes

Mode = Literal["auto", "bubblewrap", "weak"]
REPO = Path(__file__).resolve().parents[2]
PROTECTED_NAMES = ("solutions", "grader", "generator", "cnnlab", "tests", "assignments")
SANDBOX_DIR = "/sandbox"
RUNNER_MODULES = ("runner.py", "runner_zygote.py", "runner_capture.py", "runner_child.py", "runner_cells.py",
                  "runner_results.py")
# Every file the zygote runs, by its name in the sandbox's folder: the entry imports the others as siblings.
RUNNER_FILES: dict[str, Path] = {**{name: Path(__file__).with_name(name) for name in RUNNER_MODULES},
                                 "probes.py": Path(probes.__file__)}
SANDBOX_RUNNER = f"{SANDBOX_DIR}/runner.py"
SANDBOX_IO = "/io"
ZYGOTE_CAPS = ("CAP_SETUID", "CAP_SETGID", "CAP_KILL", "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FOWNER")
CHILD_ENV = {
    "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1",
    "NUMEXPR_NUM_THREADS": "1", "VECLIB_MAXIMUM_THREADS": "1", "MPLBACKEND": "Agg",
    "PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8", "USER": "student", "LOGNAME": "student",
    "HOME": "/tmp/.config", "IPYTHONDIR": "/tmp/.config/ipython", "MPLCONFIGDIR": "/tmp/.config/matplotlib",
}


@dataclass(frozen=True)
class Plan:
    """Everything needed to start a zygote the same way for every worker slot."""

    mode: Literal["bubblewrap", "weak"]
    bwrap: str | None
    python: str
    site_dirs: tuple[str, ...]
    python_roots: tuple[str, ...]
    hidden: tuple[str, ...]
    as_root: bool
    weak_reason: str = ""
    gpu: bool = False  # bind the NVIDIA device nodes (grading trains on the GPU)

    def uid_for(self, slot: int) -> int | None:
        """An unprivileged uid with no account, one per slot of this grader process.

        RLIMIT_NPROC counts per uid across the machine, so two graders running at once (two CI jobs, two
        courses) must not share uids: the grader's pid, unique while it lives, picks a block of 64.
        """
        if not self.as_root:
            return None
        uid = 1_000_000 + (os.getpid() % 4_000_000) * 64 + slot % 64
        while _has_account(uid):
            uid += 1 << 28
        return uid


def _has_account(uid: int) -> bool:
    try:
        pwd.getpwuid(uid)
        return True
    except KeyError:
        return False


def _site_dirs() -> tuple[str, ...]:
    """The venv's (or interpreter's) site-packages, and those a .pth file added: what student code may import from."""
    shared = [p for p in sys.path if p.rstrip("/").endswith(("site-packages", "dist-packages"))]
    candidates = [*site.getsitepackages(), sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"], *shared]
    real = [os.path.realpath(p) for p in candidates if os.path.isdir(p)]
    return tuple(dict.fromkeys(real))


def _python_roots() -> tuple[str, ...]:
    """The interpreter's own install (stdlib, libpython), unless /usr already holds it."""
    roots = {os.path.realpath(sys.base_prefix), os.path.realpath(sys.base_exec_prefix)}
    return tuple(sorted(r for r in roots if not r.startswith("/usr/") and r != "/usr"))


def _hidden(extra: Sequence[str | os.PathLike[str]], site_dirs: Sequence[str]) -> tuple[str, ...]:
    """Paths that must not be visible even if they sit inside something we bind."""
    paths = [REPO / name for name in PROTECTED_NAMES]
    paths += [Path(d) / name for d in site_dirs for name in PROTECTED_NAMES]
    paths += [Path(p) for p in extra]
    return tuple(dict.fromkeys(os.path.realpath(p) for p in paths if os.path.lexists(p)))


@functools.cache
def _bwrap_works(bwrap: str) -> str:
    """'' when bubblewrap can make namespaces here, else the reason it cannot."""
    command = [bwrap, "--ro-bind", "/", "/", "--unshare-net", "--unshare-pid", "--unshare-ipc",
               "--die-with-parent", "--proc", "/proc", "--dev", "/dev", "true"]
    try:
        done = subprocess.run(command, capture_output=True, timeout=20, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"bubblewrap failed to start: {exc}"
    return "" if done.returncode == 0 else f"bubblewrap cannot make namespaces: {done.stderr.decode()[:200]}"


def make_plan(mode: Mode = "auto", hide: Sequence[str | os.PathLike[str]] = (), gpu: bool = False) -> Plan:
    """Pick the strongest isolation this machine allows (or the one asked for)."""
    bwrap = shutil.which("bwrap")
    reason = "weak mode was asked for" if mode == "weak" else ""
    if mode != "weak":
        reason = "bubblewrap (bwrap) is not installed" if bwrap is None else _bwrap_works(bwrap)
        if reason and mode == "bubblewrap":
            raise RuntimeError(reason)
    site_dirs = _site_dirs()
    return Plan(
        mode="weak" if reason else "bubblewrap",
        bwrap=None if reason else bwrap,
        python=os.path.realpath(sys.executable),
        site_dirs=site_dirs,
        python_roots=_python_roots(),
        hidden=_hidden(hide, site_dirs),
        as_root=os.geteuid() == 0,
        weak_reason=reason,
        gpu=gpu,
    )


def _system_binds() -> list[str]:
    """/usr read-only, the merged-/usr symlinks, and the few /etc files the loader wants."""
    args = ["--ro-bind", "/usr", "/usr"]
    for name in ("bin", "sbin", "lib", "lib32", "lib64", "libx32"):
        path = Path("/") / name
        if path.is_symlink():
            args += ["--symlink", os.readlink(path), str(path)]
        elif path.is_dir():
            args += ["--ro-bind", str(path), str(path)]
    for name in ("ld.so.cache", "ld.so.conf", "localtime", "nsswitch.conf"):
        args += ["--ro-bind-try", f"/etc/{name}", f"/etc/{name}"]
    return args


def gpu_binds(dev: Path = Path("/dev")) -> list[str]:
    """The NVIDIA device nodes (nvidiactl, nvidia0.., nvidia-uvm, nvidia-caps/) bound read-write into the sandbox.

    Untested on this project's CPU-only machines: written from the driver's documented device nodes.
    """
    return [arg for path in sorted(dev.glob("nvidia*")) for arg in ("--dev-bind", str(path), str(path))]


def _hide_args(plan: Plan, bound: Sequence[str]) -> list[str]:
    """Cover every hidden path that falls inside a bound folder: tmpfs over dirs, /dev/null over files."""
    args: list[str] = []
    for path in plan.hidden:
        if not any(path == b or path.startswith(b.rstrip("/") + "/") for b in bound):
            continue
        args += ["--tmpfs", path] if os.path.isdir(path) else ["--ro-bind", "/dev/null", path]
    return args


def _parents(path: str) -> list[str]:
    """Create a bound path's ancestors world-traversable (bubblewrap makes them 0700 otherwise)."""
    args: list[str] = []
    for parent in reversed(Path(path).parents):
        if str(parent) not in ("/", "/usr") and not str(parent).startswith("/usr/"):
            args += ["--perms", "0755", "--dir", str(parent)]
    return args


def bwrap_command(plan: Plan, io_dir: str, tmp_bytes: int, config: str) -> list[str]:
    """The bubblewrap command line for one zygote: namespaces, binds, caps, environment."""
    assert plan.bwrap is not None
    args = [plan.bwrap, "--unshare-net", "--unshare-pid", "--unshare-ipc", "--unshare-uts",
            "--unshare-cgroup-try", "--die-with-parent", "--new-session", "--hostname", "sandbox"]
    if plan.as_root:
        args += ["--cap-drop", "ALL"]
        for cap in ZYGOTE_CAPS:
            args += ["--cap-add", cap]
    args += _system_binds()
    args += ["--proc", "/proc", "--dev", "/dev", "--perms", "1777", "--size", str(tmp_bytes), "--tmpfs", "/tmp",
             "--perms", "1777", "--size", str(tmp_bytes), "--tmpfs", "/dev/shm"]
    bound = [*plan.python_roots, *plan.site_dirs]
    for path in bound:
        args += _parents(path) + ["--ro-bind", path, path]
    args += _hide_args(plan, ["/usr", *bound])
    for name, path in RUNNER_FILES.items():
        args += ["--ro-bind", str(path), f"{SANDBOX_DIR}/{name}"]
    args += ["--bind", io_dir, SANDBOX_IO]
    if plan.gpu:
        args += gpu_binds()
    args += ["--dir", "/tmp/.config", "--clearenv"]
    for key, value in CHILD_ENV.items():
        args += ["--setenv", key, value]
    if plan.gpu and "CUDA_VISIBLE_DEVICES" in os.environ:
        args += ["--setenv", "CUDA_VISIBLE_DEVICES", os.environ["CUDA_VISIBLE_DEVICES"]]
    args += ["--chdir", "/tmp", plan.python, "-I", "-S", "-B", SANDBOX_RUNNER, config]
    return args


def copy_runner(folder: Path) -> Path:
    """Weak mode's stand-in for the binds: the runner's files side by side in the worker's folder; the entry's path."""
    for name, path in RUNNER_FILES.items():
        shutil.copyfile(path, folder / name)
    return folder / "runner.py"


def weak_command(plan: Plan, runner_copy: str, config: str) -> list[str]:
    """The same zygote without namespaces: only uid, rlimits and cgroups stand in the way."""
    return [plan.python, "-I", "-S", "-B", runner_copy, config]


def describe(plan: Plan, cgroup: str | None, uid: int | None, net_unshared: bool) -> str:
    """The line every Outcome carries, so a report always says what protected it."""
    limits = cgroup or "no cgroup (rlimits only)"
    user = f"uid {uid}" if uid is not None else "same uid as the grader"
    rlimits = "rlimits cpu+fsize+data" + ("+nproc" if uid is not None else "")
    if plan.mode == "bubblewrap":
        gpu = "; NVIDIA devices bound" if plan.gpu else ""
        return (f"bubblewrap: mount (allow-list), net, pid, ipc, uts namespaces; {limits}; {user}; {rlimits}{gpu}")
    net = "net namespace" if net_unshared else "NETWORK OPEN"
    return (f"WEAK ({plan.weak_reason}): no mount or pid namespace, the repository, solutions/ and the key "
            f"are readable by student code; {net}; {limits}; {user}; {rlimits}")
