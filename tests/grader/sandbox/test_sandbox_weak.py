"""Where namespaces are refused (Docker's default seccomp profile), each weak-mode wall refuses a real attempt."""
from __future__ import annotations

import os
import shutil
import stat
import tempfile
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest

from generator.limits import Limits
from grader.sandbox import Job, Outcome, Sandbox
from grader.sandbox import runner_confine
from grader.sandbox.isolation import NO_LANDLOCK_ENV, make_plan

LIMITS = Limits(cell_timeout_s=5.0, total_timeout_s=10.0, cpu_s=10.0, memory_mb=512, max_processes=16)
ATTEMPTS = {  # variable -> a cell that stores "done" or the error's class and errno
    "inet": "import socket\nsocket.socket(socket.AF_INET, socket.SOCK_STREAM)",
    "unix": "import socket\nsocket.socket(socket.AF_UNIX).connect('/run/docker.sock')",
    "roster": "open(ROSTER).read()",
    "public": "open(PUBLIC).read()",
    "outside": "open(OUTSIDE + '/planted.py', 'w').write('x')",
    "scratch": "open('mine.txt', 'w').write('fine')",
    "userns": "import ctypes, os\nlibc = ctypes.CDLL(None, use_errno=True)\n"
              "assert libc.unshare(0x10000000) == 0, os.strerror(ctypes.get_errno())",
    "trace": "import ctypes, os\nlibc = ctypes.CDLL(None, use_errno=True)\n"
             "assert libc.ptrace(0, 0, 0, 0) == 0, os.strerror(ctypes.get_errno())",
}
needs_root_and_seccomp = pytest.mark.skipif(os.geteuid() != 0 or not runner_confine.seccomp_available(),
                                            reason="needs root (the uid drop) and a kernel with seccomp")


@pytest.fixture()
def host_files() -> Iterator[dict[str, str]]:
    """A roster and a public file in a folder any uid may enter, and a world-writable folder outside scratch."""
    folder = Path(tempfile.mkdtemp(prefix="cnnlab-weak-"))
    folder.chmod(0o755)
    (folder / "roster.csv").write_text("student_id,name,email\ns001,Ada Lovelace,ada@example.org\n")
    (folder / "roster.csv").chmod(0o644)
    (folder / "public.txt").write_text("anyone may read this")
    (folder / "public.txt").chmod(0o644)
    (folder / "open").mkdir(mode=0o777)
    (folder / "open").chmod(0o777)
    yield {"ROSTER": str(folder / "roster.csv"), "PUBLIC": str(folder / "public.txt"), "OUTSIDE": str(folder / "open")}
    shutil.rmtree(folder, ignore_errors=True)


def attempt_all(files: dict[str, str], **sandbox: object) -> tuple[Outcome, dict[str, str]]:
    """Run every attempt in one weak-mode job; each variable says 'done' or the refusal."""
    header = "".join(f"{name} = {path!r}\n" for name, path in files.items())
    cells = [header] + [f"try:\n{_indent(code)}\n    {name} = 'done'\nexcept Exception as e:\n"
                        f"    {name} = type(e).__name__ + ' ' + str(getattr(e, 'errno', '') or e)"
                        for name, code in ATTEMPTS.items()]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        box = Sandbox(workers=1, limits=LIMITS, mode="weak", hide=[files["ROSTER"]], **sandbox)  # type: ignore[arg-type]
    with box:
        outcome = box.run(Job("weak", tuple(cells), tuple(ATTEMPTS)))
    assert outcome.status == "ok", (outcome.reason, outcome.cell_errors)
    return outcome, {k: str(v) for k, v in outcome.variables.items()}


def _indent(code: str) -> str:
    return "\n".join("    " + line for line in code.splitlines())


@needs_root_and_seccomp
@pytest.mark.skipif(runner_confine.landlock_abi() == 0, reason="this kernel has no Landlock")
def test_weak_mode_refuses_sockets_the_roster_and_writes_outside_scratch(host_files: dict[str, str]) -> None:
    outcome, seen = attempt_all(host_files)
    assert "Landlock ABI" in outcome.isolation and "seccomp (no sockets" in outcome.isolation
    assert "key and roster unreadable" in outcome.isolation and "NETWORK OPEN" not in outcome.isolation
    assert seen["inet"] == "PermissionError 1" and seen["unix"] == "PermissionError 1"  # seccomp: EPERM
    assert seen["roster"] == "PermissionError 13"
    assert seen["public"] == "PermissionError 13"  # Landlock: only the Python install is readable
    assert seen["outside"] == "PermissionError 13"  # Landlock: a world-writable folder outside scratch
    assert "Operation not permitted" in seen["userns"] and "Operation not permitted" in seen["trace"]
    assert seen["scratch"] == "done"
    assert stat.S_IMODE(os.stat(host_files["ROSTER"]).st_mode) == 0o600  # made unreadable like the key
    assert not os.path.exists(host_files["OUTSIDE"] + "/planted.py")


@needs_root_and_seccomp
def test_without_landlock_the_uid_drop_and_seccomp_still_hold_and_the_line_says_what_is_open(
        host_files: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(NO_LANDLOCK_ENV, "1")
    outcome, seen = attempt_all(host_files)
    assert "no Landlock: the repository and solutions/ are readable" in outcome.isolation
    assert seen["inet"] == "PermissionError 1" and seen["unix"] == "PermissionError 1"
    assert seen["roster"] == "PermissionError 13"  # 0600 and another uid
    assert seen["public"] == "done" and seen["outside"] == "done"  # what Landlock would have stopped
    assert "Operation not permitted" in seen["userns"]


def _fake_bwrap(folder: Path, refused: str) -> None:
    """A bwrap on PATH that says what an old bubblewrap says about a flag it does not know, else runs the real one."""
    real = shutil.which("bwrap")
    script = folder / "bwrap"
    script.write_text(f'#!/bin/sh\nfor arg in "$@"; do\n  if [ "$arg" = "{refused}" ]; then\n'
                      f'    echo "bwrap: Unknown option {refused}" >&2; exit 1\n  fi\ndone\nexec {real} "$@"\n')
    script.chmod(0o755)


@pytest.mark.skipif(shutil.which("bwrap") is None or not make_plan().mode == "bubblewrap",
                    reason="needs a bubblewrap that can make namespaces here")
def test_a_bubblewrap_without_size_grades_with_an_unsized_tmpfs(tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    _fake_bwrap(tmp_path, "--size")
    monkeypatch.setenv("PATH", f"{tmp_path}:{os.environ['PATH']}")
    plan = make_plan("auto")
    assert plan.mode == "bubblewrap" and plan.missing_flags == ("--size",) and plan.bwrap == str(tmp_path / "bwrap")
    with Sandbox(workers=1, limits=LIMITS) as box:
        outcome = box.run(Job("old", ("import numpy as np\nx = int(np.arange(4).sum())",), ("x",)))
    assert outcome.status == "ok" and outcome.variables == {"x": 6}, outcome.reason
    assert outcome.isolation.startswith("bubblewrap:") and "/tmp unsized (this bubblewrap lacks --size)" in \
        outcome.isolation


@pytest.mark.skipif(shutil.which("bwrap") is None, reason="bubblewrap is not installed")
def test_a_bubblewrap_without_a_flag_that_has_no_fallback_falls_back_to_weak_mode(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _fake_bwrap(tmp_path, "--perms")
    monkeypatch.setenv("PATH", f"{tmp_path}:{os.environ['PATH']}")
    plan = make_plan("auto")
    assert plan.mode == "weak" and plan.weak_reason == "this bubblewrap lacks --perms, which the sandbox needs"
    with pytest.raises(RuntimeError, match="lacks --perms"):
        make_plan("bubblewrap")


def test_the_seccomp_program_checks_the_architecture_first_and_ends_in_allow_or_eperm() -> None:
    if runner_confine._arch() is None:
        pytest.skip("no seccomp table for this machine")
    program = runner_confine.seccomp_program()
    assert len(program) % 8 == 0 and len(program) // 8 < 256  # BPF jumps are 8-bit
    first = program[:8]
    assert first[0] == 0x20 and int.from_bytes(first[4:], "little") == 4  # load seccomp_data.arch
    assert program[-16:-8][0] == 0x06 and int.from_bytes(program[-12:-8], "little") == 0x7FFF0000
    assert int.from_bytes(program[-4:], "little") == 0x00050000 | 1
