"""The review page in headless Chromium: a TA types a value (which ticks its row) and ticks another row to confirm its
reading; the page's own save function then gives the CSV that `cnnlab scan --corrections` reads back, quoting and
all. Skipped where no Chromium is installed (`apt-get install chromium`)."""

from __future__ import annotations

import csv
import html
import io
import re
from pathlib import Path

from grader.scan.marks import read_corrections
from grader.scan.review import ReviewRow, review_html
from tests.grader.reports.test_report_browser import CHROMIUM, chromium, pytestmark  # noqa: F401 (skip marker)

ROWS = [
    ReviewRow("s2025001", "Q1 weights", "crops/s2025001/Q1 weights.png", "864", "not sure (confidence 0.71)"),
    ReviewRow("form-A-scans-p7", "student_id", "crops/form-A-scans-p7/student_id.png", "s2025019",
              's2025019 is not on the roster; within one digit: s2025018, "s2025010"'),
    ReviewRow("s2025003", "Q4 points", "", "", "handwritten code: mark it", code=True),
    ReviewRow("s2025003", "Q2", "crops/s2025003/Q2.png", "", "two answers: A and C"),
]
# what the TA does: types into the first row and the third (a value with a comma and a quote), ticks the second
TA = """<script>
const rows = document.querySelectorAll('tr[data-who]');
function type(row, text) {
  const field = row.querySelector('input[type=text]');
  field.value = text;
  field.dispatchEvent(new Event('input'));
}
type(rows[0], '867');
rows[1].querySelector('input[type=checkbox]').checked = true;
type(rows[2], ' 5, "half" ');
const out = document.createElement('pre');
out.id = 'saved';
out.textContent = correctionsCsv();
document.body.appendChild(out);
</script>"""


def test_the_page_saves_what_the_ta_typed_and_ticked(tmp_path: Path) -> None:
    page = review_html("Midterm", ROWS, ["scan.pdf page 4: no readable QR code"], ["s2025004"])
    assert "src=\"crops/s2025001/Q1%20weights.png\"" in page and "http" not in page  # nothing fetched from afar
    probe = tmp_path / "review.html"
    probe.write_text(page.replace("</body>", TA + "</body>"), encoding="utf-8")
    dom = chromium(probe, tmp_path / "profile", "--dump-dom")
    saved = html.unescape(re.search(r'<pre id="saved">(.*?)</pre>', dom, re.S).group(1))
    assert list(csv.reader(io.StringIO(saved))) == [
        ["who", "column", "value"], ["s2025001", "Q1 weights", "867"], ["form-A-scans-p7", "student_id", "s2025019"],
        ["s2025003", "Q4 points", '5, "half"']]
    (tmp_path / "review.csv").write_text(saved, encoding="utf-8")
    read_back = read_corrections(tmp_path / "review.csv")
    assert [(c.line, c.who, c.column, c.value) for c in read_back] == [
        (2, "s2025001", "Q1 weights", "867"), (3, "form-A-scans-p7", "student_id", "s2025019"),
        (4, "s2025003", "Q4 points", '5, "half"')]
