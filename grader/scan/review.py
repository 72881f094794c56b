"""SCANDIR/review.html: every box a person must check, with its crop, the reading and why, and a field for the value.

A plain page that works from the disk (no server, no script from elsewhere): the TA types or confirms each value
(typing ticks the row's box; ticking alone confirms the reading as it stands) and "Save corrections" downloads
review.csv (`who,column,value`, the ticked rows) for `cnnlab scan ... --corrections review.csv`. Problems of whole
pages (no code, a page twice, a page missing) are listed above the boxes. The crops are linked from crops/ beside it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape
from urllib.parse import quote

from grader.scan.crops import crop_name
from grader.scan.papers import ID_COLUMN, Paper

SCRIPT = """
function csvCell(text) {
  return /[",\\r\\n]|^\\s|\\s$/.test(text) ? '"' + text.replace(/"/g, '""') + '"' : text;
}
function correctionsCsv() {
  const lines = ['who,column,value'];
  for (const row of document.querySelectorAll('tr[data-who]')) {
    if (!row.querySelector('input[type=checkbox]').checked) continue;
    const value = row.querySelector('input[type=text]').value.trim();
    lines.push([row.dataset.who, row.dataset.column, value].map(csvCell).join(','));
  }
  return lines.join('\\n') + '\\n';
}
function saveCorrections() {
  const link = document.createElement('a');
  link.href = URL.createObjectURL(new Blob([correctionsCsv()], {type: 'text/csv'}));
  link.download = 'review.csv';
  document.body.appendChild(link);
  link.click();
  link.remove();
}
for (const field of document.querySelectorAll('tr[data-who] input[type=text]')) {
  field.addEventListener('input', () => { field.closest('tr').querySelector('input[type=checkbox]').checked = true; });
}
document.getElementById('save').addEventListener('click', saveCorrections);
"""

STYLE = """
body { font-family: sans-serif; margin: 1.5em; }
table { border-collapse: collapse; }
td, th { border: 1px solid #bbb; padding: 4px 8px; vertical-align: middle; text-align: left; }
td img { max-width: 480px; max-height: 240px; }
tr.code img { max-height: 420px; }
.why { color: #8a3b00; }
button { font-size: 1.1em; margin: 1em 0; }
"""


@dataclass(frozen=True)
class ReviewRow:
    """One box to check: the paper (student or key), column, crop (relative path, '' when none), reading and why."""

    who: str
    column: str
    crop: str
    reading: str
    why: str
    code: bool = False


def review_rows(papers: Sequence[Paper], threshold: float) -> list[ReviewRow]:
    """Every box a person must check, paper by paper: its id first when it is not sure."""
    rows = []
    for paper in papers:
        for box in paper.boxes:
            id_doubt = paper.id_doubt if box.column == ID_COLUMN else ""
            if not box.needs_review(threshold) and not id_doubt:
                continue
            why = box.doubt or id_doubt or f"not sure of the reading (confidence {box.confidence:.2f})"
            crop = crop_name(paper.name, box.column) if box.crop else ""
            rows.append(ReviewRow(paper.name, box.column, crop, box.value, why, box.holds == "code"))
    return rows


def _row(row: ReviewRow) -> str:
    """A table row of the page."""
    image = f'<img src="{escape(quote(row.crop))}" alt="{escape(row.column)}">' if row.crop else "(not scanned)"
    return (f'<tr data-who="{escape(row.who)}" data-column="{escape(row.column)}"'
            f'{" class=code" if row.code else ""}><td>{escape(row.who)}</td><td>{escape(row.column)}</td>'
            f'<td>{image}</td><td><code>{escape(row.reading)}</code></td><td class="why">{escape(row.why)}</td>'
            f'<td><input type="text" value="{escape(row.reading)}" aria-label="value of {escape(row.column)}"></td>'
            f'<td><input type="checkbox" aria-label="checked"></td></tr>')


def review_html(title: str, rows: Sequence[ReviewRow], problems: Sequence[str], not_scanned: Sequence[str]) -> str:
    """The review page's text."""
    problem_list = "".join(f"<li>{escape(problem)}</li>" for problem in problems) or "<li>none</li>"
    absent = escape(", ".join(not_scanned)) if not_scanned else "none"
    table = "\n".join(_row(row) for row in rows)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Scan review: {escape(title)}</title>
<style>{STYLE}</style></head>
<body>
<h1>Scan review: {escape(title)}</h1>
<p>{len(rows)} box{'es' if len(rows) != 1 else ''} to check. Type the value as it should read (leave it empty for
no answer; a code area: the points it earns) or tick a row to confirm its reading, then save the corrections and run
<code>cnnlab scan --exam EXAMDIR --out SCANDIR --corrections review.csv</code> (without the scans: it rereads
scan.json, keeping earlier corrections; with the scans, give every review.csv saved so far): marks.csv is written
again with them, and this page lists what is left.</p>
<h2>Pages to see to</h2>
<ul>{problem_list}</ul>
<p>Students with no paper found (not in the scans, or their paper's id still to check): {absent}</p>
<h2>Boxes to check</h2>
<button id="save" type="button">Save corrections (review.csv)</button>
<table>
<thead><tr><th>paper</th><th>column</th><th>scan</th><th>read</th><th>why</th><th>value</th><th>checked</th>
</tr></thead>
<tbody>
{table}
</tbody></table>
<script>{SCRIPT}</script>
</body></html>
"""
