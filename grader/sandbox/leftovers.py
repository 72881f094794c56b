"""What a grader killed with SIGKILL leaves behind (job folders holding hidden-test inputs, cgroups), removed later.

Every folder and cgroup a worker makes is named after the grader's pid (`cnnlab-sandbox-<pid>-...`,
`cnnlab-<pid>-...`), so the next grader can tell a dead owner's leftovers from a running grader's and remove only
those. A pid that is alive, even if reused by another program, is left alone: better a stale folder than a
running grader's.
"""
from __future__ import annotations

import os
import re
import shutil
import stat
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

from . import cgroup as cgroups

FOLDER_PREFIXES = ("cnnlab-sandbox-", "cnnlab-scratch-")
_OWNER = re.compile(r"^cnnlab-(?:sandbox-|scratch-)?(\d+)-")


def folder_prefix(kind: str, slot: int) -> str:
    """The mkdtemp prefix of a worker's folder: kind ('sandbox' or 'scratch'), this grader's pid, the slot."""
    return f"cnnlab-{kind}-{os.getpid()}-{slot}-"


def cgroup_name(slot: int, serial: int) -> str:
    """A worker's cgroup name, this grader's pid first."""
    return f"cnnlab-{os.getpid()}-{slot}-{serial}"


def pid_alive(pid: int) -> bool:
    """Whether a process with this pid exists (a zombie or another user's process counts as alive)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def owner(name: str) -> int | None:
    """The grader pid in a leftover's name, or None when the name is not one of ours."""
    match = _OWNER.match(name)
    return int(match.group(1)) if match else None


def _dead(entries: Iterator[Path], alive: Callable[[int], bool]) -> list[Path]:
    """The entries named after a grader pid that is no longer alive."""
    found = []
    for path in entries:
        pid = owner(path.name)
        if pid is not None and pid != os.getpid() and not alive(pid):
            found.append(path)
    return found


def _remove_tree(folder: Path) -> None:
    """Remove a folder even where a student made sub-folders unreadable (the grader's uid owns them, or is root)."""
    for top, dirs, _ in os.walk(folder):
        for name in dirs:
            try:
                os.chmod(os.path.join(top, name), stat.S_IRWXU, follow_symlinks=False)
            except (OSError, NotImplementedError):
                pass
    shutil.rmtree(folder, ignore_errors=True)


def remove_stale(tmp: Path | None = None, alive: Callable[[int], bool] = pid_alive) -> list[str]:
    """Remove dead graders' job folders under tmp and their cgroups; returns what was removed, for the log."""
    root = Path(tmp or tempfile.gettempdir())
    removed = []
    folders = (p for p in root.iterdir() if p.name.startswith(FOLDER_PREFIXES) and p.is_dir() and not p.is_symlink())
    for folder in _dead(folders, alive):
        _remove_tree(folder)
        removed.append(str(folder))
    for group in _dead(cgroups.our_siblings(), alive):
        if cgroups.remove_folder(group):
            removed.append(str(group))
    return removed
