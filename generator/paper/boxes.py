"""An answer's fields (generator/fields.py) as Typst answer boxes: sized to the answer, empty or filled in for the key.

A number gets a box, a shape three labelled boxes, a matrix a grid of its own size, a letter a row of circles,
the layer table its table skeleton, and handwritten code ruled lines. The key fills the same boxes with the answer.
"""

from __future__ import annotations

from generator.fields import Box, Group, shown
from generator.paper.markup import escape

CODE_LINES = 18  # ruled lines for handwritten code


def preamble() -> str:
    """The Typst helpers every answer block uses."""
    return """#let answer-value(value) = text(fill: rgb("#1a4fb5"), weight: "bold", value)
#let answer-cell(value, width: 1.7cm) = box(width: width, height: 0.8cm, stroke: 0.6pt, inset: 2pt,
  align(center + horizon, answer-value(value)))
#let choice(letter, marked) = box(baseline: 20%, circle(radius: 5pt, stroke: 0.6pt,
  fill: if marked { rgb("#1a4fb5") } else { none })) + h(3pt) + strong(letter) + h(12pt)
#let field-label(value) = text(size: 8.5pt, fill: luma(35%), value)
"""


def answer_block(group: Group, filled: bool) -> str:
    """The boxes of one question, kept on one page."""
    return f"#block(breakable: false, above: 0.9em)[\n{_field(group, filled)}\n]"


def _field(field: Box | Group, filled: bool) -> str:
    """One box or group as Typst code (in markup mode)."""
    if isinstance(field, Box):
        return _box(field, filled)
    if field.layout == "table":
        return _table(field, filled)
    if field.layout == "grid":
        return _grid(field, filled)
    if field.layout == "row":
        return _row(field, filled)
    lines = []
    for item in field.items:
        label = item.label if isinstance(item, Group) else ""
        if isinstance(item, Box) and (item.options or item.by_hand):
            lines.append(_box(item, filled))
        elif isinstance(item, Box):
            lines.append(f"#field-label[{escape(item.label)}] #h(4pt) {_cell(item, filled)}")
        else:
            lines.append(f"#field-label[{escape(label)}] #h(4pt) {_field(item, filled)}")
    return " \\\n#v(2pt)".join(lines) if len(lines) > 1 else (lines[0] if lines else "")


def _cell(box: Box, filled: bool, width: str = "1.7cm") -> str:
    """One empty box, or the key's value in it."""
    value = escape(shown(box.expected)) if filled else ""
    return f"#answer-cell([{value}], width: {width})"


def _box(box: Box, filled: bool) -> str:
    """A single value: a letter's circles, ruled lines for code, or a labelled box."""
    if box.options:
        circles = "".join(f"#choice([{letter}], {'true' if filled and letter == box.expected else 'false'})"
                          for letter in "ABCDEFGHIJ"[:len(box.options)])
        prefix = "" if box.label == "letter" else f"#field-label[{escape(box.label.removesuffix(' (letter)'))}] #h(6pt)"
        return f"{prefix}{circles}"
    if box.by_hand:
        rule = "#line(length: 100%, stroke: 0.3pt + luma(60%))\n#v(0.5cm)\n"
        lines = "" if filled else f"#block(breakable: true)[\n#v(0.4cm)\n{rule * CODE_LINES}]\n"
        award = escape(shown(box.expected)) if filled else ""
        return (f"{lines}#field-label[Points awarded by the marker:] #h(4pt) #answer-cell([{award}]) "
                f"#field-label[of {escape(shown(box.expected))}]")
    return f"#field-label[{escape(box.label)}] #h(4pt) {_cell(box, filled)}"


def _row(group: Group, filled: bool) -> str:
    """Boxes side by side, each with its label above it (H, W, C or 1, 2, 3, ...)."""
    boxes = [item for item in group.items if isinstance(item, Box)]
    labels = ", ".join(f"field-label[{escape(b.label)}]" for b in boxes)
    cells = ", ".join(_cell(b, filled).removeprefix("#") for b in boxes)
    return (f"#box(baseline: 60%, grid(columns: {len(boxes)}, column-gutter: 5pt, row-gutter: 2pt, align: center, "
            f"{labels}, {cells}))")


def _grid(group: Group, filled: bool) -> str:
    """A matrix answer: a grid of the matrix's own size."""
    rows = [row for row in group.items if isinstance(row, Group)]
    columns = max(len(row.items) for row in rows)
    cells = ", ".join(f"[#answer-value[{escape(shown(b.expected)) if filled else ''}]]" for row in rows
                      for b in row.items if isinstance(b, Box))
    return (f"#box(baseline: 50%, table(columns: (1.5cm,) * {columns}, rows: 0.8cm, align: center + horizon, "
            f"stroke: 0.6pt, {cells}))")


def _table(group: Group, filled: bool) -> str:
    """The layer table's skeleton: each layer's name and description, boxes for what is asked."""
    header = ", ".join(f"[*{escape(title)}*]" for title in group.header)
    rows = []
    for row in group.items:
        if not isinstance(row, Group):
            continue
        shape = next((item for item in row.items if isinstance(item, Group)), None)
        count = next(item for item in row.items if isinstance(item, Box))
        shape_cells = " × ".join(f"#field-label[{escape(b.label)}] {_cell(b, filled, '1.3cm')}"
                                 for b in (shape.items if shape else ()) if isinstance(b, Box))
        name = f"*{escape(row.label)}*" if row.label == "total" else escape(row.label)
        rows.append(f"[{name}], [{escape(row.note)}], [{shape_cells}], [{_cell(count, filled, '2.2cm')}]")
    return (f"#table(columns: (auto, auto, 1fr, auto), inset: 4pt, align: horizon, table.header({header}), "
            f"{', '.join(rows)})")
