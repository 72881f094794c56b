"""The feedback notebook: the student's own notebook (outputs stripped) with a feedback cell under each answer."""

from __future__ import annotations

import html
from typing import Any

from grader.pipeline.records import GradedSubmission, Score, points_text


def _markdown(lines: list[str], role: str, qid: str | None = None) -> dict[str, Any]:
    """A markdown cell marked as cnnlab feedback, with student-derived text HTML-escaped."""
    meta: dict[str, Any] = {"role": role} if qid is None else {"role": role, "qid": qid}
    return {"cell_type": "markdown", "metadata": {"cnnlab": meta}, "source": "\n".join(lines)}


def feedback_markdown(feedback: str) -> list[str]:
    """A score's feedback as Markdown lines: its summary, then its '- ' lines as one list, any other line (a
    template's explanation) a paragraph of its own; every line HTML-escaped."""
    lines: list[str] = []
    for line in feedback.split("\n"):
        if lines and not (line.startswith("- ") and lines[-1].startswith("- ")):
            lines.append("")  # a blank line ends the paragraph or the list before it
        lines.append(html.escape(line, quote=False))  # quotes are text in Markdown, never an attribute
    return lines


def _question_cell(score: Score) -> dict[str, Any]:
    """'**Feedback q1: 1.5/2**' and the checker's message: its summary, then one list item per wrong part."""
    mark = "✅" if score.points >= score.max_points else ("🟡" if score.points > 0 else "❌")
    lines = [f"**Feedback {html.escape(score.qid)}: {points_text(score.points)}/{points_text(score.max_points)}** {mark}", "",
             *feedback_markdown(score.feedback)]
    return _markdown(lines, "feedback", score.qid)


def _summary_cell(record: GradedSubmission) -> dict[str, Any]:
    """The overview at the top: total, status, every question's score, then every submission-level note."""
    lines = [f"## Grading feedback: {points_text(record.points)}/{points_text(record.max_points)} ({record.percent:.0f}%)", "",
             f"Student `{html.escape(record.student_id or 'unknown')}`, status *{record.status}*.", "",
             "| question | score |", "|---|---:|",
             *(f"| {html.escape(s.qid)} | {points_text(s.points)}/{points_text(s.max_points)} |" for s in record.scores)]
    lines += ["", *(f"- {html.escape(note)}" for note in record.notes)] if record.notes else []
    return _markdown(lines, "feedback-summary")


def feedback_notebook(notebook: dict[str, Any] | None, record: GradedSubmission) -> dict[str, Any]:
    """Insert each question's feedback after its last answer cell; questions without a cell go at the end."""
    scores = {s.qid: s for s in record.scores}
    source_cells = list(notebook["cells"]) if notebook is not None else []
    last_cell = {}
    for index, cell in enumerate(source_cells):
        meta = cell.get("metadata", {}).get("cnnlab", {}) if isinstance(cell.get("metadata"), dict) else {}
        qid = meta.get("qid") if isinstance(meta, dict) else None  # anything JSON: a list qid must not raise
        if isinstance(qid, str) and qid in scores and meta.get("role") in ("answer", "code"):
            last_cell[qid] = index
    after: dict[int, list[str]] = {}
    for qid, index in last_cell.items():
        after.setdefault(index, []).append(qid)
    cells = [_summary_cell(record)]
    for index, cell in enumerate(source_cells):
        cells.append(cell)
        cells.extend(_question_cell(scores[qid]) for qid in after.get(index, []))
    cells.extend(_question_cell(s) for s in record.scores if s.qid not in last_cell)
    base = notebook or {"metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    minor = base.get("nbformat_minor", 5)
    if isinstance(minor, int) and minor >= 5:  # nbformat 4.5 needs a unique id on every cell
        cells = [c if "id" in c else {**c, "id": f"cnnlab-feedback-{n}"} for n, c in enumerate(cells)]
    return {"cells": cells, "metadata": base.get("metadata", {}), "nbformat": 4, "nbformat_minor": minor}
