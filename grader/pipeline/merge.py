"""Joining the output folders of `cnnlab grade --shard I/N` runs: records are self-contained, so a merge copies each.

Each record (`submissions/<hash>/`: record.json, results.json, feedback) that OUT lacks, or holds in an older grading,
is copied; a rerun after a shard is graded again takes only what changed. What spans the class (student copies,
gradebooks, JUnit, the copy check) is rebuilt by the caller from the merged records.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from grader.pipeline.records import GradedSubmission
from grader.pipeline.store import RECORD, Store


def newer(first: GradedSubmission | None, second: GradedSubmission) -> bool:
    """Whether `second` should replace `first`: there is none, or `second` was graded later (a --regrade)."""
    return first is None or second.graded_at > first.graded_at


def shard_records(folder: Path) -> list[tuple[GradedSubmission, Path]]:
    """A shard's records and their folders; a folder that is not a grade output is a one-line error."""
    if not (folder / "submissions").is_dir():
        raise OSError(f"{folder}: not a cnnlab grade output folder (no submissions/ inside)")
    store = Store(folder)
    return [(record, store.folder(record.digest)) for record in store.records()]


def merge_into(store: Store, shards: Sequence[Path]) -> tuple[list[GradedSubmission], int]:
    """Copy every shard's records (the latest grading of each file wins); the merged records and how many OUT
    already held unchanged."""
    chosen: dict[str, tuple[GradedSubmission, Path]] = {}
    for shard in shards:
        for record, folder in shard_records(shard):
            if record.digest not in chosen or newer(chosen[record.digest][0], record):
                chosen[record.digest] = (record, folder)
    kept = 0
    for record, folder in chosen.values():
        if not newer(store.load(record.digest), record):
            kept += 1
            continue
        files = {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file() and p.name != RECORD}
        store.save(record, files)  # files first, the record last: an interrupted merge is resumed by a rerun
    return [record for record, _ in chosen.values()], kept
