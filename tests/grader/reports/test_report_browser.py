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

import pytest
from markdown_it import MarkdownIt

from grader.reports.feedback import feedback_notebook
from grader.pipeline.records import GradedSubmission, Score
from grader.reports.class_report import write_report

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


def class_records(students: int = 30, questions: int = 23) -> list[GradedSubmission]:
    """A class as big as the bundled problem set's: 30 students, 23 questions, abilities spread out."""
    rng = random.Random(0)
    records = []
    for s in range(students):
        ability = rng.random()
        scores = tuple(Score(f"q{q + 1:02d}-question", round(min(1.0, max(0.0, rng.gauss(ability, 0.3))) * 4, 2), 4.0,
                             "") for q in range(questions))
        records.append(GradedSubmission(f"{s:064d}", f"s{s:03d}.ipynb", f"s{s:03d}.ipynb", f"s2025{s:03d}", "cnn-ps1",
                                        "k", "graded", scores, (), 1.0))
    return records


def test_report_fits_1280_px_and_its_tables_scroll_in_their_boxes(tmp_path: Path) -> None:
    report = write_report(class_records(), tmp_path / "report")
    text = report.read_text()
    assert re.search(r"mean \d+\.\d%, median \d+\.\d% \(n = 30\)", text), "the count of the distribution"
    probe = report.with_name("probe.html")
    probe.write_text(text.replace("</body>", """<script>
window.addEventListener("load", () => {
  const boxes = [...document.querySelectorAll(".scroll")];
  document.title = JSON.stringify({
    page: document.documentElement.scrollWidth,
    images: [...document.images].map(i => Math.ceil(i.getBoundingClientRect().right)),
    loaded: [...document.images].every(i => i.complete && i.naturalWidth > 0),
    boxes: boxes.map(b => [Math.ceil(b.getBoundingClientRect().right), b.scrollWidth > b.clientWidth])});
});
</script></body>"""))
    title = re.search(r"<title>(.*?)</title>", chromium(probe, tmp_path / "profile", "--dump-dom"), re.S)
    assert title is not None
    layout = json.loads(html.unescape(title.group(1)))
    assert layout["page"] <= WIDTH, f"the page is {layout['page']} px wide"
    assert layout["loaded"] and all(right <= WIDTH for right in layout["images"]), layout
    assert all(right <= WIDTH for right, _ in layout["boxes"]), layout
    assert layout["boxes"][1][1], "the 23-question student table scrolls inside its box"
    shot = tmp_path / "report.png"
    chromium(report, tmp_path / "profile", f"--screenshot={shot}", height=2100)  # the whole report, for the docs
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
    record = class_records(1, 3)[0]
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
