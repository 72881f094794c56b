"""The HTML class report: what to reteach, score histogram, per-question item analysis and common wrong answers,
and its plots (PNG, matplotlib Agg)."""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from pathlib import Path

import jinja2
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402 - the backend must be chosen first
from matplotlib.figure import Figure  # noqa: E402

from generator.files import PUBLIC, atomic_path, write_bytes_atomic, folder_mode, make_folder  # noqa: E402
from grader.copying.class_check import Findings, check_class, read_findings  # noqa: E402
from grader.pipeline.answer_key import KeyDir  # noqa: E402
from grader.pipeline.roster import Roster  # noqa: E402
from grader.pipeline.store import Store  # noqa: E402
from grader.reports.gradebook import counted as counted_submissions, question_ids, read_names  # noqa: E402
from grader.reports.item_analysis import Item, analyse  # noqa: E402
from grader.reports.questions import QuestionInfo, question_info, read_question_info, write_question_info  # noqa: E402
from grader.reports.wrong_answers import CSV_NAME, reteach, wrong_answers, write_misconceptions_csv  # noqa: E402
from grader.pipeline.records import GradedSubmission, points_text  # noqa: E402

TEMPLATES = jinja2.Environment(loader=jinja2.PackageLoader("grader.reports", "templates"), autoescape=True,
                               undefined=jinja2.StrictUndefined)
TEMPLATES.filters["points"] = points_text  # every score on the page with at most two decimals, as everywhere else
RETEACH_SHOWN = 12  # the misconceptions "What to reteach" lists; the rest are in misconceptions.csv


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
    axes.bar([i - 0.2 for i in x], [it.mean or 0.0 for it in items], width=0.4, label="mean share",
             color="#4a7ab8")
    axes.bar([i + 0.2 for i in x], [it.point_biserial or 0.0 for it in items], width=0.4,
             label="point-biserial", color="#e39b3d")
    axes.set_xticks(list(x), [it.qid for it in items], rotation=30, ha="right")
    axes.set(ylim=(-0.5, 1.05), title="Item analysis")
    axes.axhline(0, color="black", linewidth=0.5)
    axes.legend(loc="lower right", fontsize="small")
    _save(figure, path)


def write_report(records: Sequence[GradedSubmission], folder: Path, copying: Findings | None = None,
                 info: Mapping[str, QuestionInfo] | None = None, names: Mapping[str, str] | None = None) -> Path:
    """report.html with histogram.png, items.png and misconceptions.csv beside it; one student's best submission each.

    `copying`: the possible-copying section (instructor-only; None: not checked, the report says how to check).
    `info`: each question's kind, title and lecture topic (questions.json); `names`: the roster's student names.
    """
    counted = counted_submissions(records)
    if not counted:
        raise ValueError(f"{folder}: no graded submissions with an identified student to report on")
    make_folder(folder, folder_mode(PUBLIC))
    items = analyse(counted)
    percents = [r.percent for r in counted]
    _histogram(percents, folder / "histogram.png")
    _item_plot(items, folder / "items.png")
    flagged = [r for r in records if r.notes]
    wrong = wrong_answers(counted, info or {})
    ranked = reteach(wrong)
    write_misconceptions_csv(folder, ranked)
    html = TEMPLATES.get_template("report.html.j2").render(
        students=counted, items=items, flagged=flagged, count=len(counted), names=names or {},
        info=info or {}, wrong=wrong, reteach=ranked[:RETEACH_SHOWN], more=len(ranked) - RETEACH_SHOWN,
        csv_name=CSV_NAME, mean=statistics.fmean(percents), median=statistics.median(percents), copying=copying)
    path = folder / "report.html"
    write_bytes_atomic(path, html.encode("utf-8"), mode=PUBLIC)
    return path


def report_on(root: Path, folder: Path, keys: KeyDir | None = None, roster: Roster | None = None
              ) -> tuple[str | None, Path]:
    """`cnnlab report DIR`: with keys, compare the class again and describe its questions; then the report.

    Returns the copy check's line (None without keys) and the report's path. Names come from the roster, else from
    the gradebook the last `cnnlab grade` wrote with its roster.
    """
    store = Store(root)
    records = store.records()
    line = None
    if keys is not None:
        line = check_class(store, records, keys)
        write_question_info(root / "report", question_info(keys, question_ids(records)))
    names = dict(roster.names) if roster is not None else read_names(root / "gradebook.sqlite")
    return line, write_report(records, folder, read_findings(root / "report"), read_question_info(root / "report"),
                              names)
