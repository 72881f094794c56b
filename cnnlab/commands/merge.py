"""`cnnlab merge SHARD... --out DIR`: join the output folders of `cnnlab grade --shard I/N` runs into one
(grader/pipeline/merge.py), then rebuild the student copies, gradebooks, JUnit and the copy check."""

from __future__ import annotations

import argparse
from pathlib import Path

from grader.copying.class_check import check_class
from grader.pipeline.answer_key import KeyDir
from grader.pipeline.console import print_summary
from grader.pipeline.merge import merge_into
from grader.pipeline.roster import read_roster
from grader.pipeline.store import Store
from grader.reports.class_outputs import write_class_outputs

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


def run(args: argparse.Namespace) -> int:
    """Merge, rebuild the class outputs, print the summary; exit codes as `cnnlab grade`'s."""
    folders = [Path(shard) for shard in args.shards]
    if Path(args.out).resolve() in {folder.resolve() for folder in folders}:
        raise ValueError(f"--out {args.out} is one of the shards; merge into a folder of its own")
    store = Store(Path(args.out))
    with store.exclusive():
        records, kept = merge_into(store, folders)
        keys = KeyDir.open(Path(args.key)) if args.key else None
        everything = write_class_outputs(store, read_roster(Path(args.roster)) if args.roster else None, records,
                                         Path(args.junit) if args.junit else None, keys)
        copying = (check_class(store, everything, keys) if keys is not None else
                   "possible copying: not compared (give --key KEYDIR)")
    print(f"merged {len(records)} record(s) from {len(folders)} shard(s); {kept} already in {store.root}")
    return print_summary(everything, kept, store.root, args.fail_under, copying)
