"""Results on disk, one folder per submission hash, written atomically: a killed run resumes without loss or double count.

Each submission's files (results.json, feedback.ipynb) are written first and its record.json last, so a
record on disk means the submission is completely graded; everything class-wide is rebuilt from records.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from grader.records import GradedSubmission

RECORD = "record.json"


def atomic_write(path: Path, data: bytes) -> None:
    """Write via a temporary file in the same folder and rename, so readers see the old file or the new one.

    The rename makes this safe against a killed run; there is no fsync (it tripled grading time), so a power
    cut may lose the last few results, which the next run then grades again.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


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
            atomic_write(folder / name, data)
        atomic_write(folder / RECORD, json_bytes(record.to_json()))

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
