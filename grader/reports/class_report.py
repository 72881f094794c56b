"""The HTML class report: score histogram, per-question item analysis and its plots (PNG, matplotlib Agg)."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import jinja2
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402 - the backend must be chosen first
from matplotlib.figure import Figure  # noqa: E402

from generator.files import PUBLIC, atomic_path, write_bytes_atomic, folder_mode, make_folder  # noqa: E402
from grader.reports.gradebook import best_per_student  # noqa: E402
from grader.reports.item_analysis import Item, analyse  # noqa: E402
from grader.pipeline.records import GradedSubmission  # noqa: E402

if TYPE_CHECKING:
    from grader.copying.class_check import Findings

TEMPLATES = jinja2.Environment(loader=jinja2.PackageLoader("grader.reports", "templates"), autoescape=True,
                               undefined=jinja2.StrictUndefined)


def _save(figure: Figure, path: Path) -> None:
    """The figure as a PNG beside the report, readable by TAs (0644) like every output, written atomically."""
    figure.tight_layout()
    with atomic_path(path, mode=PUBLIC) as temporary:
        figure.savefig(temporary, format="png", dpi=100, metadata={"Software": None})
    plt.close(figure)


def _histogram(percents: Sequence[float], path: Path) -> None:
    """Score distribution in 10-point bins."""
    figure, axes = plt.subplots(figsize=(6, 3.2))
    axes.hist(percents, bins=range(0, 101, 10), color="#4a7ab8", edgecolor="white")
    axes.set(xlabel="score (%)", ylabel="students", title="Score distribution", xlim=(0, 100))
    _save(figure, path)


def _item_plot(items: Sequence[Item], path: Path) -> None:
    """Mean score and discrimination per question, side by side."""
    figure, axes = plt.subplots(figsize=(min(12, max(4, 0.45 * len(items) + 2)), 3.6))  # the page scales it down
    x = range(len(items))
    axes.bar([i - 0.2 for i in x], [it.mean for it in items], width=0.4, label="mean share", color="#4a7ab8")
    axes.bar([i + 0.2 for i in x], [it.point_biserial or 0.0 for it in items], width=0.4,
             label="point-biserial", color="#e39b3d")
    axes.set_xticks(list(x), [it.qid for it in items], rotation=30, ha="right")
    axes.set(ylim=(-0.5, 1.05), title="Item analysis")
    axes.axhline(0, color="black", linewidth=0.5)
    axes.legend(loc="lower right", fontsize="small")
    _save(figure, path)


def write_report(records: Sequence[GradedSubmission], folder: Path, copying: Findings | None = None) -> Path:
    """report.html with histogram.png and items.png beside it; one student's best submission each.

    `copying`: the possible-copying section (instructor-only; None: not checked, the report says how to check).
    """
    counted = sorted(best_per_student(records).values(), key=lambda r: r.student_id or "")
    if not counted:
        raise ValueError(f"{folder}: no graded submissions with an identified student to report on")
    make_folder(folder, folder_mode(PUBLIC))
    items = analyse(counted)
    percents = [r.percent for r in counted]
    _histogram(percents, folder / "histogram.png")
    _item_plot(items, folder / "items.png")
    flagged = [r for r in records if r.notes]
    html = TEMPLATES.get_template("report.html.j2").render(
        students=counted, items=items, flagged=flagged, count=len(counted),
        mean=statistics.fmean(percents), median=statistics.median(percents), copying=copying)
    path = folder / "report.html"
    write_bytes_atomic(path, html.encode("utf-8"), mode=PUBLIC)
    return path
