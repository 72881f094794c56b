"""Atomic file writes with an explicit mode: no reader sees half a file, and no other account reads an answer key.

The one writer for generator and grader alike. Files for students and TAs are PUBLIC (0644, folders 0755);
answer keys are PRIVATE (0600, folders 0700). The mode is set exactly, whatever the umask (mkstemp alone makes 0600).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

PUBLIC = 0o644
PRIVATE = 0o600


def folder_mode(mode: int) -> int:
    """The folder mode that goes with a file mode: search permission wherever read is allowed (0644 -> 0755)."""
    return mode | (mode & 0o444) >> 2


def make_folder(path: Path, mode: int) -> None:
    """The folder and its missing parents, each one created here given mode exactly; existing ones are left alone."""
    missing = []
    for folder in (path, *path.parents):  # up to the first that exists: its parents do too (one stat per file)
        if folder.exists():
            break
        missing.append(folder)
    for folder in reversed(missing):
        try:
            folder.mkdir()
        except FileExistsError:
            continue  # made by someone else meanwhile: theirs to set
        os.chmod(folder, mode)


@contextmanager
def atomic_path(path: Path, *, mode: int) -> Iterator[Path]:
    """A temporary file of the final mode beside path: renamed over it when the block succeeds, removed if it fails.

    The rename makes this safe against a killed run; there is no fsync (it tripled grading time), so a power
    cut may lose the last few results, which the next run then grades again. Missing folders are created with
    folder_mode(mode).
    """
    make_folder(path.parent, folder_mode(mode))
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        try:
            os.fchmod(descriptor, mode)
        finally:
            os.close(descriptor)
        yield Path(temporary)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def write_bytes_atomic(path: Path, data: bytes, *, mode: int) -> None:
    """Readers see the old file or the new one, never half of it, and never with a wider mode than `mode`."""
    with atomic_path(path, mode=mode) as temporary:
        temporary.write_bytes(data)


def write_text_atomic(path: Path, text: str, *, mode: int) -> None:
    """Text as UTF-8 with '\\n' line ends, written by write_bytes_atomic (an unencodable text writes nothing)."""
    write_bytes_atomic(path, text.encode("utf-8"), mode=mode)
