"""`cnnlab check NOTEBOOK`: what a student runs, locally or in CI, with no answer key (grader/pipeline/form_check.py).

Exit 0 when every answer is well-formed and the visible checks pass, 1 otherwise with one line per problem (and 1 at
once, with one line, when the notebook's cnnlab metadata is gone). Notes (a duplicated answer cell, a google.colab
import) do not fail it. It never says whether an answer is right: there is no key.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from generator.limits import LIMITS, MAX_NOTEBOOK_BYTES
from grader.pipeline.answer_cells import answer_cells, colab_notes, drop_untouched_copies
from grader.pipeline.form_check import missing_metadata, problems
from grader.pipeline.notebook import NotebookError, cells, notebook_cnnlab, parse, strip_outputs

HELP = ("Run a notebook in the sandbox and check that every answer exists and has the right form (and that the "
        "visible checks pass), without an answer key: it never says whether an answer is right.")


def configure(parser: argparse.ArgumentParser) -> None:
    """The command's options."""
    parser.add_argument("notebook", metavar="NOTEBOOK", help="your .ipynb file")
    parser.add_argument("--timeout", type=float, default=LIMITS.total_timeout_s, metavar="S",
                        help="wall-clock seconds for the whole notebook (default %(default)g)")


def run(args: argparse.Namespace) -> int:
    """0 when every answer is well-formed and the visible checks pass; 1 with one line per problem otherwise."""
    path, timeout = Path(args.notebook), args.timeout
    if timeout <= 0:
        raise ValueError("--timeout must be > 0")
    try:
        if path.stat().st_size > MAX_NOTEBOOK_BYTES:
            raise NotebookError(f"over the {MAX_NOTEBOOK_BYTES // 1_000_000} MB notebook limit")
        notebook = strip_outputs(parse(path.read_bytes()))
    except NotebookError as error:
        print(f"{path}: {error}")
        return 1
    found, copies = drop_untouched_copies(cells(notebook))  # the grader leaves the same stubs out
    missing = missing_metadata(notebook_cnnlab(notebook), found)
    if missing:
        print(f"{path}: {missing}")
        return 1
    for note in (*copies, *colab_notes(found)):
        print(f"{path}: note: {note}")
    lines = problems(found, timeout)
    for line in lines:
        print(f"{path}: {line}")
    if not lines:
        print(f"{path}: all {len(answer_cells(found))} answers are well-formed and the visible checks pass (this says nothing about "
              "whether they are right)")
    return 1 if lines else 0
