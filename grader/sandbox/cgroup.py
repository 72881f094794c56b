"""Per-worker cgroups (v2, or v1 memory+pids): hard memory and process caps that rlimits cannot give."""
from __future__ import annotations

import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path("/sys/fs/cgroup")


@dataclass(frozen=True)
class Cgroup:
    """The memory, pids (and cpu) cgroup folders of one worker (one folder under cgroup v2)."""

    memory: Path
    pids: Path
    version: int
    cpu: Path | None = None  # a one-core quota, so a fork bomb cannot starve the other workers

    @property
    def folders(self) -> tuple[Path, ...]:
        return tuple(dict.fromkeys(p for p in (self.memory, self.pids, self.cpu) if p is not None))

    @property
    def procs_files(self) -> tuple[Path, ...]:
        return tuple(folder / "cgroup.procs" for folder in self.folders)

    def members(self) -> set[int]:
        found: set[int] = set()
        for path in self.procs_files:
            try:
                found |= {int(x) for x in path.read_text().split()}
            except OSError:
                continue
        return found

    def memory_usage(self) -> int:
        name = "memory.current" if self.version == 2 else "memory.usage_in_bytes"
        return int((self.memory / name).read_text())

    def pids_current(self) -> int:
        return int((self.pids / "pids.current").read_text())

    def set_limits(self, memory_bytes: int, pids: int) -> None:
        """Write the caps; under v1 the swap cap (if any) must follow the memory cap."""
        if self.version == 2:
            (self.memory / "memory.max").write_text(str(memory_bytes))
            _try_write(self.memory / "memory.swap.max", "0")
        else:
            (self.memory / "memory.limit_in_bytes").write_text(str(memory_bytes))
            _try_write(self.memory / "memory.memsw.limit_in_bytes", str(memory_bytes))
        (self.pids / "pids.max").write_text(str(pids))
        if self.cpu is not None and self.version == 2:
            _try_write(self.cpu / "cpu.max", "100000 100000")
        elif self.cpu is not None:
            _try_write(self.cpu / "cpu.cfs_period_us", "100000")
            _try_write(self.cpu / "cpu.cfs_quota_us", "100000")

    def oom_kills(self) -> int:
        """How many processes the kernel killed here for memory so far."""
        name = "memory.events" if self.version == 2 else "memory.oom_control"
        try:
            for line in (self.memory / name).read_text().splitlines():
                key, _, value = line.partition(" ")
                if key == "oom_kill":
                    return int(value)
        except OSError:
            pass
        return 0

    def remove(self) -> None:
        """Kill what is left inside, then remove the folders."""
        for folder in self.folders:
            remove_folder(folder)


def remove_folder(folder: Path) -> bool:
    """Kill every process in one cgroup folder, then remove it; False if it would not go within about 2 s."""
    for _ in range(200):
        try:
            members = {int(x) for x in (folder / "cgroup.procs").read_text().split()}
        except OSError:
            members = set()
        for pid in members:
            try:
                os.kill(pid, 9)
            except ProcessLookupError:
                pass
        try:
            if folder.exists():
                folder.rmdir()
            return True
        except OSError:
            time.sleep(0.01)
    return False


def our_siblings() -> Iterator[Path]:
    """The folders named cnnlab-* where this process makes its cgroups (v2, and each v1 controller)."""
    parents = [ROOT / own for own in [_own_path("")] if own is not None and (ROOT / "cgroup.controllers").exists()]
    for controller in ("memory", "pids", "cpu"):
        own = _own_path(controller)
        parents += [p for p in (ROOT / controller / own if own is not None else None, ROOT / controller) if p]
    for parent in dict.fromkeys(p for p in parents if p.is_dir()):
        try:
            yield from (p for p in parent.iterdir() if p.name.startswith("cnnlab-") and p.is_dir())
        except OSError:
            continue


def _try_write(path: Path, text: str) -> None:
    try:
        path.write_text(text)
    except OSError:
        pass


def _own_path(controller: str) -> str | None:
    """This process's cgroup path for a v1 controller, or for v2 when controller is ''."""
    try:
        lines = Path("/proc/self/cgroup").read_text().splitlines()
    except OSError:
        return None
    for line in lines:
        _, controllers, path = line.split(":", 2)
        if controller in controllers.split(",") or (controller == "" and controllers == ""):
            return path.lstrip("/")
    return None


def create(name: str) -> Cgroup | None:
    """A fresh cgroup under our own, or None where cgroups are not writable here."""
    v2 = _create_v2(name)
    return v2 if v2 is not None else _create_v1(name)


def _create_v2(name: str) -> Cgroup | None:
    own = _own_path("")
    controllers = ROOT / "cgroup.controllers"
    if own is None or not controllers.exists():
        return None
    if not {"memory", "pids"} <= set(controllers.read_text().split()):
        return None
    folder = ROOT / own / name
    try:
        folder.mkdir()
    except OSError:
        return None
    if not (folder / "memory.max").exists() or not (folder / "pids.max").exists():
        _try_write(ROOT / own / "cgroup.subtree_control", "+memory +pids +cpu")
    if (folder / "memory.max").exists() and (folder / "pids.max").exists():
        return Cgroup(folder, folder, 2, folder if (folder / "cpu.max").exists() else None)
    folder.rmdir()
    return None


def _mkdir_v1(controller: str, name: str) -> Path | None:
    """Our folder under this process's own v1 cgroup for one controller, or None."""
    own = _own_path(controller)
    base = ROOT / controller / own if own is not None else ROOT / controller
    if not base.is_dir():
        base = ROOT / controller
    try:
        (base / name).mkdir()
    except OSError:
        return None
    return base / name


def _create_v1(name: str) -> Cgroup | None:
    memory, pids = _mkdir_v1("memory", name), _mkdir_v1("pids", name)
    if memory is None or pids is None or not (memory / "memory.limit_in_bytes").exists() \
            or not (pids / "pids.max").exists():
        for made in (memory, pids):
            if made is not None:
                made.rmdir()
        return None
    cpu = _mkdir_v1("cpu", name)
    if cpu is not None and not (cpu / "cpu.cfs_quota_us").exists():
        cpu.rmdir()
        cpu = None
    return Cgroup(memory, pids, 1, cpu)
