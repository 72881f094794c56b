"""`cnnlab merge SHARD... --out DIR`: join the output folders of `cnnlab grade --shard I/N` runs into one.

Records are self-contained (`submissions/<hash>/`: record.json, results.json, feedback), so merging copies each one
that OUT lacks or holds in an older grading, then rebuilds what spans the class: student copies, gradebooks,
JUnit and the copy check. Rerunning it after a shard is graded again takes only what changed.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

from grader.pipeline.answer_key import KeyDir
from grader.copying.class_check import check_class
from cnnlab.commands.grade import print_summary
from grader.reports.class_outputs import write_class_outputs
from grader.pipeline.records import GradedSubmission
from grader.pipeline.roster import read_roster
from grader.pipeline.store import RECORD, Store

HELP = ("Join the output folders of `cnnlab grade --shard I/N` runs (Slurm array jobs) into one: every record, then "
        "the gradebooks, student copies and the copy check over the whole class.")


def configure(parser: argparse.ArgumentParser) -> None:
    """The command's options."""
    parser.add_argument("shards", nargs="+", metavar="SHARD", help="the --out folders of the shards")
    parser.add_argument("--out", required=True, metavar="DIR", help="the merged output folder (may exist: a rerun "
                                                                    "takes only what changed)")
    parser.add_argument("--key", metavar="KEYDIR", help="the answer keys: compare the whole class for possible "
                                                        "copying (instructor only)")
    parser.add_argument("--roster", metavar="CSV", help="class roster, for the gradebooks' names and missing students")
    parser.add_argument("--junit", metavar="FILE", help="also write a JUnit XML report of the merged records")
    parser.add_argument("--fail-under", type=float, metavar="PCT", help="exit 1 if a score is under PCT percent")


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


def main(*, shards: Sequence[str], out: str, key: str | None = None, roster: str | None = None,
         junit: str | None = None, fail_under: float | None = None) -> int:
    """Merge, rebuild the class outputs, print the summary; exit codes as `cnnlab grade`'s."""
    folders = [Path(shard) for shard in shards]
    if Path(out).resolve() in {folder.resolve() for folder in folders}:
        raise ValueError(f"--out {out} is one of the shards; merge into a folder of its own")
    store = Store(Path(out))
    with store.exclusive():
        records, kept = merge_into(store, folders)
        everything = write_class_outputs(store, read_roster(Path(roster)) if roster else None, records,
                                         Path(junit) if junit else None)
        copying = (check_class(store, everything, KeyDir.open(Path(key))) if key else
                   "possible copying: not compared (give --key KEYDIR)")
    print(f"merged {len(records)} record(s) from {len(folders)} shard(s); {kept} already in {store.root}")
    return print_summary(everything, kept, store, fail_under, copying)
