"""Results on disk, one folder per submission hash, written atomically: a killed run resumes without loss or double count.

Each submission's files (results.json, feedback.ipynb) are written first and its record.json last, so a
record on disk means the submission is completely graded; everything class-wide is rebuilt from records.
Everything here is for students and TAs: files 0644, folders 0755. One grader at a time holds the folder (OUT/.lock).
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

from generator.files import PUBLIC, write_bytes_atomic, folder_mode, make_folder
from grader.pipeline.records import GradedSubmission

RECORD = "record.json"
LOCK = ".lock"


def json_bytes(data: object) -> bytes:
    """Deterministic, readable JSON."""
    return (json.dumps(data, indent=1, sort_keys=True, ensure_ascii=False) + "\n").encode("utf-8")


@dataclass(frozen=True)
class Store:
    """The output folder's per-submission part: OUT/submissions/<hash16>/."""

    root: Path

    def folder(self, digest: str) -> Path:
        """Where one submission's files live."""
        return self.root / "submissions" / digest[:16]

    def load(self, digest: str) -> GradedSubmission | None:
        """The stored record, or None if absent or unreadable (then the submission is graded again)."""
        record = self.load_path(self.folder(digest) / RECORD)
        return record if record is not None and record.digest == digest else None

    def save(self, record: GradedSubmission, files: Mapping[str, bytes]) -> None:
        """The submission's files, then its record (the commit point)."""
        folder = self.folder(record.digest)
        for name, data in files.items():
            write_bytes_atomic(folder / name, data, mode=PUBLIC)
        write_bytes_atomic(folder / RECORD, json_bytes(record.to_json()), mode=PUBLIC)

    @contextmanager
    def exclusive(self) -> Iterator[None]:
        """The folder for this run alone (flock on OUT/.lock), else an OSError naming the holder's pid.

        Two graders on one folder would both grade everything. The lock ends with the process however it ends;
        the file stays (a removed lock file lets a third run lock a new file while the second holds the old one).
        """
        make_folder(self.root, folder_mode(PUBLIC))
        descriptor = os.open(self.root / LOCK, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, PUBLIC)
        try:
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                holder = os.pread(descriptor, 32, 0).decode("ascii", "replace").strip() or "unknown"
                raise OSError(f"{self.root}: another grader (pid {holder}) is grading into this folder; wait for it "
                              "to finish or choose another --out") from None
            with suppress(PermissionError):  # another account's lock file keeps its mode
                os.fchmod(descriptor, PUBLIC)  # the holder's pid, readable by the TAs like every output
            os.ftruncate(descriptor, 0)
            os.pwrite(descriptor, f"{os.getpid()}\n".encode("ascii"), 0)
            yield
        finally:
            os.close(descriptor)

    def records(self) -> list[GradedSubmission]:
        """Every complete record, in a stable order."""
        found = []
        for path in sorted((self.root / "submissions").glob(f"*/{RECORD}")):
            record = self.load_path(path)
            if record is not None:
                found.append(record)
        return sorted(found, key=lambda r: (r.student_id or "", r.label, r.digest))

    @staticmethod
    def load_path(path: Path) -> GradedSubmission | None:
        """A record from its path, None if unreadable."""
        try:
            return GradedSubmission.from_json(json.loads(path.read_text("utf-8")))
        except (OSError, ValueError, KeyError, TypeError):
            return None
