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

from . import runner_confine

Mode = Literal["auto", "bubblewrap", "weak"]
REPO = Path(__file__).resolve().parents[2]
PROTECTED_NAMES = ("solutions", "grader", "generator", "cnnlab", "tests", "assignments")
SANDBOX_DIR = "/sandbox"
RUNNER_MODULES = ("runner.py", "runner_zygote.py", "runner_capture.py", "runner_child.py", "runner_cells.py",
                  "runner_results.py", "runner_confine.py")
# Every file the zygote runs, by its name in the sandbox's folder: the entry imports the others as siblings.
RUNNER_FILES: dict[str, Path] = {**{name: Path(__file__).with_name(name) for name in RUNNER_MODULES},
                                 "probes.py": Path(probes.__file__)}
SANDBOX_RUNNER = f"{SANDBOX_DIR}/runner.py"
SANDBOX_IO = "/io"
NO_LANDLOCK_ENV = "CNNLAB_SANDBOX_NO_LANDLOCK"  # "1": weak mode without Landlock (tests; a kernel that misbehaves)
# Weak mode's Landlock read allow-list besides the Python install: what bubblewrap mode binds, plus /proc and /sys.
WEAK_READ_ROOTS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/etc/ld.so.cache",
                   "/etc/ld.so.conf", "/etc/localtime", "/etc/nsswitch.conf", "/proc", "/sys", "/dev/urandom",
                   "/dev/random", "/dev/zero")
WEAK_WRITE_ROOTS = ("/dev/null",)
# The bubblewrap flags that have a fallback when this bubblewrap lacks them (--size came in 0.7.0).
OPTIONAL_BWRAP_FLAGS = ("--size",)
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
    landlock_abi: int = 0  # weak mode: the Landlock ABI the child restricts itself with (0: none)
    seccomp: bool = False  # weak mode: the child installs the seccomp filter
    missing_flags: tuple[str, ...] = ()  # optional bubblewrap flags this bubblewrap lacks (fallbacks used)

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


def _probe_command(bwrap: str, without: Sequence[str]) -> list[str]:
    """Every flag bwrap_command uses, once, on a throw-away sandbox; an optional flag left out with its value."""
    sized = [] if "--size" in without else ["--size", "1048576"]
    caps = ["--cap-drop", "ALL", "--cap-add", ZYGOTE_CAPS[0]] if os.geteuid() == 0 else []
    return [bwrap, "--unshare-net", "--unshare-pid", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try",
            "--die-with-parent", "--new-session", "--hostname", "sandbox", *caps, "--ro-bind", "/", "/",
            "--ro-bind-try", "/nonexistent-cnnlab", "/nonexistent-cnnlab", "--proc", "/proc", "--dev", "/dev",
            "--perms", "1777", *sized, "--tmpfs", "/tmp", "--symlink", "usr/lib", "/tmp/l", "--perms", "0755", "--dir", "/tmp/d", "--bind", "/tmp", "/tmp/d", "--dev-bind", "/dev/null",
            "/tmp/n", "--clearenv", "--setenv", "A", "1", "--chdir", "/tmp", "true"]


@functools.cache
def _bwrap_works(bwrap: str) -> tuple[str, tuple[str, ...]]:
    """('' or why bubblewrap cannot run our sandbox here, the optional flags it lacks): probes every flag we use."""
    missing: list[str] = []
    while True:
        try:
            done = subprocess.run(_probe_command(bwrap, missing), capture_output=True, timeout=20, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            return f"bubblewrap failed to start: {exc}", ()
        if done.returncode == 0:
            return "", tuple(missing)
        error = done.stderr.decode("utf-8", "replace").strip()
        unknown = error.rpartition("Unknown option ")[2].split()[0] if "Unknown option " in error else ""
        if unknown in OPTIONAL_BWRAP_FLAGS and unknown not in missing:
            missing.append(unknown)
            continue
        if unknown:
            return f"this bubblewrap lacks {unknown}, which the sandbox needs", ()
        return f"bubblewrap cannot make namespaces: {error[:200]}", ()


def make_plan(mode: Mode = "auto", hide: Sequence[str | os.PathLike[str]] = (), gpu: bool = False) -> Plan:
    """Pick the strongest isolation this machine allows (or the one asked for)."""
    bwrap = shutil.which("bwrap")
    reason = "weak mode was asked for" if mode == "weak" else ""
    missing: tuple[str, ...] = ()
    if mode != "weak":
        reason, missing = ("bubblewrap (bwrap) is not installed", ()) if bwrap is None else _bwrap_works(bwrap)
        if reason and mode == "bubblewrap":
            raise RuntimeError(reason)
    site_dirs = _site_dirs()
    weak = bool(reason)
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
        landlock_abi=runner_confine.landlock_abi() if weak and os.environ.get(NO_LANDLOCK_ENV) != "1" else 0,
        seccomp=weak and runner_confine.seccomp_available(),
        missing_flags=missing,
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
    sized = [] if "--size" in plan.missing_flags else ["--size", str(tmp_bytes)]  # else RLIMIT_FSIZE + the cgroup
    args += ["--proc", "/proc", "--dev", "/dev", "--perms", "1777", *sized, "--tmpfs", "/tmp",
             "--perms", "1777", *sized, "--tmpfs", "/dev/shm"]
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


def make_private(paths: Sequence[str | os.PathLike[str]]) -> list[str]:
    """Weak mode, as root: take group and other access off each hidden path (roster, key), as the key folder has it.

    The child runs as another uid, so a 0600 file or 0700 folder is closed to it even where Landlock is missing.
    Returns the paths whose mode changed.
    """
    changed = []
    for path in paths:
        try:
            mode = os.stat(path).st_mode & 0o7777
            if mode & 0o077:
                os.chmod(path, mode & ~0o077)
                changed.append(str(path))
        except OSError:
            continue
    return changed


def weak_read_roots(plan: Plan) -> list[str]:
    """What weak mode's Landlock lets the child read: the Python install, its site-packages, the system's libraries."""
    return [*plan.python_roots, *plan.site_dirs, os.path.dirname(plan.python), *WEAK_READ_ROOTS]


def _weak_walls(plan: Plan, uid: int | None, net_unshared: bool) -> str:
    """Weak mode's layers, each named only when it is on, and what is open because another is off."""
    walls = []
    if plan.landlock_abi:
        net = ", TCP refused" if plan.landlock_abi >= 4 else ""
        walls.append(f"Landlock ABI {plan.landlock_abi} (reads: the Python install only; writes: scratch only{net})")
    else:
        walls.append("no Landlock: the repository and solutions/ are readable by student code")
    walls.append("seccomp (no sockets, ptrace, mount, namespaces)" if plan.seccomp else "no seccomp filter")
    if not (net_unshared or plan.seccomp or plan.landlock_abi >= 4):
        walls.append("NETWORK OPEN")
    elif net_unshared:
        walls.append("net namespace")
    if uid is None and not plan.landlock_abi:
        walls.append("same uid as the grader: the key and roster are readable by student code")
    elif uid is not None:
        walls.append("key and roster unreadable (0700/0600, another uid)")
    return "; ".join(walls)


def describe(plan: Plan, cgroup: str | None, uid: int | None, net_unshared: bool) -> str:
    """The line every Outcome carries, so a report always says what protected it."""
    limits = cgroup or "no cgroup (rlimits only)"
    user = f"uid {uid}" if uid is not None else "same uid as the grader"
    rlimits = "rlimits cpu+fsize+data" + ("+nproc" if uid is not None else "")
    if plan.mode == "bubblewrap":
        gpu = "; NVIDIA devices bound" if plan.gpu else ""
        tmp = ("; /tmp unsized (this bubblewrap lacks --size): files capped by RLIMIT_FSIZE, the total by "
               + ("the cgroup's memory" if cgroup else "nothing")) if "--size" in plan.missing_flags else ""
        return (f"bubblewrap: mount (allow-list), net, pid, ipc, uts namespaces; {limits}; {user}; {rlimits}{gpu}{tmp}")
    return (f"WEAK ({plan.weak_reason}): no mount or pid namespace; {_weak_walls(plan, uid, net_unshared)}; "
            f"{limits}; {user}; {rlimits}")
