"""An answer's boxes laid out in HTML around the LMS's blanks: labelled lines, a row, a grid or a table.

Both multi-part formats use it: Moodle's cloze puts `{1:NUMERICAL:=v:tol}` where a box is, Canvas's multiple
blanks put `[blank_id]`; every label is HTML-escaped here, and the blank's own markup is the caller's.
"""

from __future__ import annotations

from collections.abc import Callable

from generator.fields import Box, Group
from generator.lms.html import escape

Blank = Callable[[Box], str]


def answer_html(group: Group, blank: Blank) -> str:
    """The whole answer: a table or grid as a table, anything else as one labelled line per item."""
    if group.layout in ("table", "grid"):
        return _table(group, blank)
    if group.layout == "row":
        return f"<p>{_inline(group, blank)}</p>"
    lines = []
    for item in group.items:
        label = f"<strong>{escape(item.label)}</strong>: " if item.label else ""
        if isinstance(item, Group) and item.layout == "grid":
            lines.append(f"<p>{label.removesuffix(': ')}</p>\n{_table(item, blank)}")
        elif isinstance(item, Group):
            lines.append(f"<p>{label}{_inline(item, blank)}</p>")
        else:
            lines.append(f"<p>{label}{blank(item)}</p>")
    return "\n".join(lines)


def _inline(group: Group, blank: Blank) -> str:
    """Boxes side by side, each after its label ('H [ ] W [ ] C [ ]'); a vector's numbered boxes bare."""
    parts = []
    for item in group.items:
        inner = blank(item) if isinstance(item, Box) else _inline(item, blank)
        parts.append(inner if item.label.isdigit() or not item.label else f"{escape(item.label)} {inner}")
    return " &nbsp; ".join(parts)


def _table(group: Group, blank: Blank) -> str:
    """A grid (rows of boxes) or a table (rows with a label, a note and cells), as an HTML table."""
    rows = []
    if group.header:
        rows.append("<tr>" + "".join(f"<th>{escape(title)}</th>" for title in group.header) + "</tr>")
    for row in group.items:
        if isinstance(row, Box):
            rows.append(f"<tr><td>{escape(row.label)}</td><td>{blank(row)}</td></tr>")
            continue
        cells = [_cell(item, blank) for item in row.items]
        if group.layout == "table":
            width = max(len(group.header) - 2, len(cells))
            cells = [escape(row.label), escape(row.note)] + [""] * (width - len(cells)) + cells
        rows.append("<tr>" + "".join(f"<td>{cell}</td>" for cell in cells) + "</tr>")
    return '<table border="1" cellpadding="4">\n' + "\n".join(rows) + "\n</table>"


def _cell(item: Box | Group, blank: Blank) -> str:
    """One table cell: a box, or boxes side by side with their labels."""
    return blank(item) if isinstance(item, Box) else _inline(item, blank)
