"""The class report and a feedback notebook as a browser draws them: headless Chromium at 1280 px.

Skipped where no Chromium is installed (`apt-get install chromium`). CNNLAB_UPDATE_DOCS=1 also saves the report's
screenshot as docs/report.png.
"""

from __future__ import annotations

import html
import json
import os
import random
import re
import shutil
import struct
import subprocess
from pathlib import Path
from typing import Any

import pytest
from markdown_it import MarkdownIt

from generator.grading.read import leaves, path_label
from generator.kinds import KINDS
from generator.model import Part, Variant
from generator.roster import read_students
from generator.build import sheet_for
from generator.spec import load_spec
from generator.templates import topic_of
from grader.reports.feedback import feedback_notebook
from grader.pipeline.records import GradedSubmission, Score
from grader.reports.class_report import write_report
from grader.reports.questions import QuestionInfo

CHROMIUM = next((p for p in ("/usr/bin/chromium", shutil.which("chromium") or "") if p and os.path.exists(p)), None)
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="no Chromium installed (apt-get install chromium)")
REPO = Path(__file__).resolve().parents[3]
WIDTH = 1280


def chromium(page: Path, profile: Path, *extra: str, height: int = 900) -> str:
    """Run headless Chromium on a local page, 1280 px wide; its stdout."""
    done = subprocess.run([str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                           "--no-first-run", "--disable-background-networking", "--disable-component-update",
                           "--disable-sync", f"--user-data-dir={profile}", f"--window-size={WIDTH},{height}",
                           "--hide-scrollbars", "--virtual-time-budget=5000", *extra, page.as_uri()],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def png_size(path: Path) -> tuple[int, int]:
    """Width and height from a PNG's IHDR chunk."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", path
    width, height = struct.unpack(">II", data[16:24])
    return width, height


BLANK, CRASHED = ("s2025007", "s2025019"), "s2025024"  # a student who handed in the stubs twice over, one crash


def class_questions() -> list[tuple[Variant, QuestionInfo]]:
    """One student's sheet of the bundled problem set, in notebook order, with each template's title and topic."""
    spec = load_spec(REPO / "assignments" / "cnn-problem-set.yaml")
    sheet, _ = sheet_for(spec, read_students(REPO / "assignments" / "roster.csv")[0], b"report-screenshot")
    return [(q.variant, QuestionInfo(q.variant.qid, q.variant.kind, q.variant.title,
                                     topic_of(spec.templates[q.variant.qid]) or "")) for q in sheet.questions]


def question_score(variant: Variant, share: float, rng: random.Random) -> tuple[Score, Any]:
    """A score earning about `share` of the points, part by part, with the misconception behind a wrong answer (as
    the recogniser names it) and the value given (a wrong letter for a concept question)."""
    labels = ([path_label(path) for path, _ in leaves(variant.answer)] if variant.entry_point is None
              else [f"case {i}" for i in range(5)])
    credit = [1.0 if rng.random() < share else 0.0 for _ in labels]
    each = variant.points / len(labels)
    parts = tuple(Part(label, each * c, each) for label, c in zip(labels, credit))
    points = round(sum(p.points for p in parts), 6)
    if points == variant.points or variant.entry_point is not None:
        return Score(variant.qid, points, variant.points, "correct" if points == variant.points else "", parts), None
    known = [m.name for m in getattr(KINDS[variant.kind], "MISCONCEPTIONS", ())]
    named = (rng.choices(known, weights=[1 / (i + 1) ** 1.5 for i in range(len(known))])[0],) if known else ()
    given = rng.choice([o for o in "ABCD" if o != variant.answer]) if variant.kind == "concept" else points
    return Score(variant.qid, points, variant.points, "1 or more parts wrong", parts, named), given


def class_records(students: int = 30) -> tuple[list[GradedSubmission], dict[str, QuestionInfo], dict[str, str]]:
    """A class as big as the bundled problem set's: 30 students of the roster, its questions, abilities spread out,
    two blank notebooks and one that crashed half way; with what the report knows of the questions and the names."""
    rng = random.Random(0)
    questions = class_questions()
    roster = {s.student_id: s.name for s in read_students(REPO / "assignments" / "roster.csv")}
    records = []
    for sid in sorted(roster)[:students]:
        ability = rng.random()
        scores, answers = [], {}
        for number, (variant, _) in enumerate(questions):
            if sid in BLANK:
                score = Score(variant.qid, 0.0, variant.points, "no answer", ())
            elif sid == CRASHED and number >= len(questions) // 2:
                score = Score(variant.qid, 0.0, variant.points, "not graded: the notebook crashed in cell 30")
            else:
                score, given = question_score(variant, min(1.0, max(0.0, rng.gauss(ability, 0.3))), rng)
                if given is not None:
                    answers[variant.qid] = given
            scores.append(score)
        records.append(GradedSubmission(sid.ljust(64, "0"), f"{sid}.ipynb", f"{sid}.ipynb", sid, "cnn-ps1", "k",
                                        "crashed" if sid == CRASHED else "graded", tuple(scores), (), 1.0,
                                        answers=answers))
    return records, {info.qid: info for _, info in questions}, roster


def test_report_fits_1280_px_wraps_its_student_table_and_says_what_to_reteach_first(tmp_path: Path) -> None:
    records, info, names = class_records()
    report = write_report(records, tmp_path / "report", None, info, names)
    text = report.read_text()
    assert re.search(r"mean \d+\.\d%, median \d+\.\d% \(n = 30\)", text), "the count of the distribution"
    assert "<th>answered</th><th>blank</th><th>crashed</th>" in text and names["s2025001"] in text
    probe = report.with_name("probe.html")
    probe.write_text(text.replace("</body>", """<script>
window.addEventListener("load", () => {
  const boxes = [...document.querySelectorAll(".scroll")];
  const top = (selector) => document.querySelector(selector).getBoundingClientRect().top;
  document.title = JSON.stringify({
    page: document.documentElement.scrollWidth,
    images: [...document.images].map(i => Math.ceil(i.getBoundingClientRect().right)),
    loaded: [...document.images].every(i => i.complete && i.naturalWidth > 0),
    boxes: boxes.map(b => [Math.ceil(b.getBoundingClientRect().right), b.scrollWidth > b.clientWidth]),
    reteach: [top("#reteach"), top("img"), document.querySelectorAll("#reteach + p + table tr").length]});
});
</script></body>"""))
    title = re.search(r"<title>(.*?)</title>", chromium(probe, tmp_path / "profile", "--dump-dom"), re.S)
    assert title is not None
    layout = json.loads(html.unescape(title.group(1)))
    assert layout["page"] <= WIDTH, f"the page is {layout['page']} px wide"
    assert layout["loaded"] and all(right <= WIDTH for right in layout["images"]), layout
    assert all(right <= WIDTH for right, _ in layout["boxes"]), layout
    assert not any(scrolls for _, scrolls in layout["boxes"]), "every table wraps: nothing hides past the right edge"
    heading, histogram, rows = layout["reteach"]
    assert heading < histogram and rows > 3, "the ranked misconceptions come before the score distribution"
    shot = tmp_path / "report.png"
    chromium(report, tmp_path / "profile", f"--screenshot={shot}", height=2100)  # the report's top, for the docs
    assert png_size(shot) == (WIDTH, 2100)
    if os.environ.get("CNNLAB_UPDATE_DOCS") == "1":
        shutil.copyfile(shot, REPO / "docs" / "report.png")


def notebook_html(notebook: dict[str, object]) -> str:
    """A plain rendering (nbconvert is not a dependency): Markdown cells through markdown-it, code cells as <pre>."""
    markdown = MarkdownIt("commonmark").enable("table")
    parts = []
    for cell in notebook["cells"]:  # type: ignore[attr-defined]
        source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        parts.append(markdown.render(source) if cell["cell_type"] == "markdown"
                     else f"<pre class='code'>{html.escape(source)}</pre>")
    return ("<!doctype html><meta charset='utf-8'><style>body{font-family:sans-serif;max-width:60em;margin:2em auto}"
            "pre.code{background:#f4f4f4;padding:.5em;overflow:auto}table{border-collapse:collapse}"
            "td,th{border:1px solid #ccc;padding:.2em .5em}</style>" + "\n".join(parts))


def test_feedback_notebook_renders(tmp_path: Path) -> None:
    record = GradedSubmission("0" * 64, "s.ipynb", "s.ipynb", "s2025001", "cnn-ps1", "k", "graded",
                              tuple(Score(f"q{q:02d}-question", 2.5, 4.0, "") for q in (1, 2, 3)), (), 1.0)
    source = {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [
        {"cell_type": "code", "id": f"c{i}", "metadata": {"cnnlab": {"qid": s.qid, "role": "answer"}},
         "source": f"answer_{i} = {i}", "outputs": [], "execution_count": None} for i, s in enumerate(record.scores)]}
    page = tmp_path / "feedback.html"
    page.write_text(notebook_html(feedback_notebook(source, record)), encoding="utf-8")
    dom = chromium(page, tmp_path / "profile", "--dump-dom")
    assert "Grading feedback" in dom and "<table>" in dom and dom.count("Feedback q0") == 3
    shot = tmp_path / "feedback.png"
    chromium(page, tmp_path / "profile", f"--screenshot={shot}")
    assert png_size(shot)[0] == WIDTH
