"""What a person sees while grading: a progress bar, then one summary table for the batch (rich)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from grader.pipeline.batch import OnResult
from grader.pipeline.records import GradedSubmission, points_text


@contextmanager
def progress_bar(total: int, console: Console) -> Iterator[OnResult]:
    """A bar that advances once per finished submission; yields the pipeline's on_result callback."""
    columns = (TextColumn("grading"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
               TextColumn("{task.fields[last]}"))
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task("grading", total=total, last="")

        def advance(record: GradedSubmission, reused: bool) -> None:
            last = f"{record.student_id or record.filename}{' (already graded)' if reused else ''}"
            progress.update(task, advance=1, last=last)

        yield advance


def summary_table(records: Sequence[GradedSubmission], reused: int) -> Table:
    """Student, score, status and the first note of each submission graded in this run."""
    table = Table(title=f"Graded {len(records)} submission(s)" + (f", {reused} reused from an earlier run"
                                                                    if reused else ""))
    for column, justify in (("student", "left"), ("score", "right"), ("%", "right"), ("status", "left"),
                            ("file", "left"), ("notes", "left")):
        table.add_column(column, justify=justify, overflow="fold")  # type: ignore[arg-type]
    for r in sorted(records, key=lambda r: (r.student_id or "~", r.filename)):
        note = r.notes[0] if r.notes else ""
        more = f" (+{len(r.notes) - 1} more)" if len(r.notes) > 1 else ""
        table.add_row(r.student_id or "?", f"{points_text(r.points)}/{points_text(r.max_points)}", f"{r.percent:.0f}", r.status,
                      r.filename, (note[:100] + ("..." if len(note) > 100 else "")) + more)
    return table


def print_summary(records: list[GradedSubmission], reused: int, store_root: Path, fail_under: float | None,
                  copying: str) -> int:
    """Print the summary table; grader-side errors raise (exit 2); 1 when a score is under --fail-under."""
    out_console = Console()
    if not out_console.is_terminal:  # logs and `make demo` pipes: 80 columns would fold every file name
        out_console = Console(width=120)
    out_console.print(summary_table(records, reused))
    print(f"results in {store_root}")
    print(copying)
    errors = [r for r in records if r.status == "error"]
    if errors:
        raise ValueError(f"{len(errors)} submission(s) not graded because of a grader-side problem: "
                         f"{errors[0].notes[0]}")
    low = [r for r in records if fail_under is not None and r.percent < fail_under]
    if low:
        print(f"cnnlab: score {low[0].percent:.1f}% ({low[0].student_id or low[0].filename}) is under "
              f"--fail-under {fail_under:g}%" + (f" (and {len(low) - 1} more)" if len(low) > 1 else ""))
        return 1
    return 0
