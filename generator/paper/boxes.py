"""An answer's fields (generator/fields.py) as Typst answer boxes: sized to the answer, empty or filled in for the key.

A number gets a box with its label above it, a shape or vector a row of them, a matrix a grid, a letter a row of
circles, the layer table its table skeleton, and handwritten code ruled lines. Boxes side by side flow along the
line. The key fills the same boxes, each value in the rounding the question asks for, with the range of values
that earn the marks and the box's marks-sheet column (generator/paper/marks_sheet.py) printed under it.
The answer comes in parts a page never splits (a question longer than a page breaks only between them).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from generator.fields import Box, Group, boxes, has_spares, shown
from generator.paper.layout import typst_string
from generator.paper.markup import escape
from generator.rounding import accepted_range, rounded_text

CODE_LINES = 18  # ruled lines for handwritten code, 0.75 cm apart (college ruled)
LINES_PER_PART = 6  # ruled lines a page keeps together
INLINE = ("row",)  # group layouts that flow along a line with single boxes
LINE_BREAK = " \\ "  # a line break inside Typst content


@dataclass(frozen=True)
class KeyNotes:
    """What the key prints with each box: its value in the question's rounding, what is accepted, its column."""

    places: int | None  # the decimals the question asks for (generator/rounding.py)
    tolerance: float
    columns: Mapping[str, str]  # Box.column -> the marks sheet's printed column ('Q5 weights')

    def value(self, box: Box) -> str:
        """The key's value, as the question asks it written."""
        return shown(box.expected) if isinstance(box.expected, (str, int)) or box.expected is None else \
            rounded_text(box.expected, self.places)

    def accepted(self, box: Box) -> str:
        """'3.06 to 3.07' where the answer is a fraction that a range of written values earns the marks for; '' for a
        whole number (7 stands for itself, 6.99 to 7.01 would only clutter the key), a letter or a marker's points."""
        whole = isinstance(box.expected, int) or isinstance(box.expected, float) and box.expected.is_integer()
        if box.by_hand or whole:
            return ""
        found = accepted_range(box.expected, self.tolerance, self.places)
        return "" if found is None or found[0] == found[1] == self.value(box) else f"{found[0]} to {found[1]}"

    def column(self, box: Box) -> str:
        """The box's marks-sheet column."""
        return self.columns.get(box.column, box.column)


def preamble() -> str:
    """The Typst helpers every answer block uses."""
    return """#let answer-value(value) = text(fill: rgb("#1a4fb5"), weight: "bold", value)
#let answer-cell(value, width: 1.7cm) = box(width: width, height: 0.8cm, stroke: 0.6pt, inset: 2pt,
  align(center + horizon, answer-value(value)))
#let choice(letter, marked, column: none) = box(baseline: 20%, {
  if column != none { place(recorded((kind: "circle", column: column, option: letter, r: 5, w: 21))) }
  circle(radius: 5pt, stroke: 0.6pt, fill: if marked { rgb("#1a4fb5") } else { none })
}) + h(3pt) + box(width: 8pt, strong(letter)) + h(12pt)  // w: the circle, the gap and the letter's 8pt
#let empty-cell(width, column: none) = if column != none and column in scan-combs {
  comb(column, scan-combs.at(column))
} else { box(width: width, height: 0.8cm, stroke: 0.6pt, if column != none {
  place(recorded((kind: "box", column: column, holds: "number", w: width.pt(), h: 0.8cm.pt())))
}) }
#let empty-grid(columns, rows, names: ()) = if names.len() > 0 and names.all(n => n == "" or n in scan-combs) {
  grid(columns: columns, column-gutter: 6pt, row-gutter: 5pt,
    ..names.map(n => if n == "" { [] } else { comb(n, scan-combs.at(n)) }))
} else { box(width: columns * 1.5cm, height: rows * 0.8cm, stroke: 0.6pt, {
  for i in range(1, columns) { place(dx: i * 1.5cm, line(angle: 90deg, length: rows * 0.8cm, stroke: 0.6pt)) }
  for j in range(1, rows) { place(dy: j * 0.8cm, line(length: columns * 1.5cm, stroke: 0.6pt)) }
  for (k, n) in names.enumerate() { if n != "" {
    place(dx: calc.rem(k, columns) * 1.5cm, dy: calc.quo(k, columns) * 0.8cm,
      recorded((kind: "box", column: n, holds: "number", w: 1.5cm.pt(), h: 0.8cm.pt())))
  } }
}) }
#let part-gap = 0.9em
#let ruled(lines, joined: false, column: none) = {
  if joined { v(-part-gap) }  // the lines go on at the same pitch across the answer's parts
  block(width: 100%, height: lines * 0.75cm, {
    if column != none { place(layout(size => recorded((kind: "code", column: column, w: size.width.pt(),
      h: size.height.pt())))) }
    for line-number in range(1, lines + 1) {
      place(dy: line-number * 0.75cm, line(length: 100%, stroke: 0.3pt + luma(60%)))
    }
  })
}
#let field-label(value) = text(size: 8.5pt, fill: luma(35%), value)
#let key-note(value) = text(size: 6.5pt, fill: rgb("#b51a1a"), value)
#let unit(label, cell, note) = box(grid(columns: 1, row-gutter: 2pt, align: center, field-label(label), cell,
  ..if note != none { (note,) }))
"""


def answer_parts(group: Group, notes: KeyNotes | None) -> list[str]:
    """The boxes of one question as parts a page keeps whole: a part per line of a list, ruled lines in sixes."""
    items = list(group.items) if group.layout == "list" else [group]
    parts: list[str] = []
    flowing: list[str] = []  # boxes and rows that share a line until the next field of its own
    for item in items:
        if isinstance(item, Box) and not item.options and not item.by_hand or \
                isinstance(item, Group) and item.layout in INLINE:
            field = _field(item, notes)  # an exam's row wraps at the line's end (a row of combs is wide)
            flowing.append(field if notes is None and isinstance(item, Group) else f"#box[{field}]")
            continue
        if flowing:
            parts.append(" #h(1.2em) ".join(flowing))
            flowing = []
        parts += _code_parts(item, notes) if isinstance(item, Box) and item.by_hand else [_labelled(item, notes)]
    if flowing:
        parts.append(" #h(1.2em) ".join(flowing))
    if has_spares(group):
        parts[-1] += "\n\n#field-label[Leave unused boxes empty.]"
    if notes is not None and notes.tolerance > 0 and any(notes.accepted(box) for box in boxes(group)):
        parts[-1] += f"\n\n#key-note[Accept within ±{escape(shown(notes.tolerance))}: the range under each value.]"
    return parts


def _labelled(field: Box | Group, notes: KeyNotes | None) -> str:
    """A field on a line of its own, its group's label before it."""
    label = field.label if isinstance(field, Group) and field.label not in ("", "answer") else ""
    body = _field(field, notes)
    return f"#field-label[{escape(label)}] #h(4pt) {body}" if label else body


def _field(field: Box | Group, notes: KeyNotes | None) -> str:
    """One box or group as Typst code (in markup mode)."""
    if isinstance(field, Box):
        return _box(field, notes)
    if field.layout == "table":
        return _table(field, notes)
    if field.layout == "grid":
        return _grid(field, notes)
    if field.layout == "row":
        return _row(field, notes)
    return " \\\n#v(2pt)".join(_labelled(item, notes) for item in field.items)


def _value(box: Box, notes: KeyNotes | None) -> str:
    """What goes in a box: nothing on the exam, the key's value on the key."""
    return escape(notes.value(box)) if notes is not None else ""


def _note(box: Box, notes: KeyNotes | None) -> str:
    """Under a key's box: the range accepted and its marks-sheet column ('none' on the exam)."""
    if notes is None:
        return "none"
    lines = [escape(text) for text in (notes.accepted(box), notes.column(box)) if text]
    return f"key-note[{LINE_BREAK.join(lines)}]"


def _cell(box: Box, notes: KeyNotes | None, width: str = "1.7cm") -> str:
    """One box, empty or with the key's value (code mode, no leading '#')."""
    if notes is not None:
        return f"answer-cell([{_value(box, notes)}], width: {width})"
    return f"empty-cell({width}, column: {typst_string(box.column)})"


def _box(box: Box, notes: KeyNotes | None) -> str:
    """A single value: a letter's circles, or a labelled box."""
    if box.options:
        marked = notes.value(box) if notes is not None else ""
        recorded = "" if notes is not None else f", column: {typst_string(box.column)}"  # the exam's, for scans
        circles = "".join(f"#choice(\"{letter}\", {'true' if letter == marked else 'false'}{recorded})"
                          for letter in "ABCDEFGHIJ"[:len(box.options)])
        own = "" if box.label == "letter" else box.label.removesuffix(" (letter)")
        prefix = f"#field-label[{escape(own)}] #h(6pt)" if own else ""
        column = f" #h(4pt) #key-note[{escape(notes.column(box))}]" if notes is not None else ""
        return f"{prefix}{circles}{column}"
    return f"#unit([{escape(box.label)}], {_cell(box, notes)}, {_note(box, notes)})"


def _code_parts(box: Box, notes: KeyNotes | None) -> list[str]:
    """Ruled lines for handwritten code, in parts of LINES_PER_PART, then the marker's points box."""
    award = escape(shown(box.expected)) if notes is not None else ""
    column = f" #key-note[{escape(notes.column(box))}]" if notes is not None else ""
    points = (f"#field-label[Points awarded by the marker:] #h(4pt) #answer-cell([{award}]) "
              f"#field-label[of {escape(shown(box.expected))}]{column}")
    if notes is not None:
        return [points]
    chunks = [LINES_PER_PART] * (CODE_LINES // LINES_PER_PART) + [CODE_LINES % LINES_PER_PART] * bool(
        CODE_LINES % LINES_PER_PART)
    parts = [f"#ruled({count}, joined: {'true' if index else 'false'}, column: {typst_string(box.column)})"
             for index, count in enumerate(chunks)]
    parts[-1] += f"\n\n{points}"
    return parts


def _row(group: Group, notes: KeyNotes | None) -> str:
    """Boxes side by side, each with its label above it (H, W, C or 1, 2, 3, ...), the group's label before them."""
    items = [item for item in group.items if isinstance(item, Box)]
    label = group.label if group.label not in ("", "answer") else ""
    if notes is None:  # the exam's: each box a unit of its own, so that the row wraps where the line ends
        units = [f"#unit([{escape(b.label)}], {_cell(b, notes)}, none)" for b in items]
        if label:
            units[0] = f"#box[#unit(hide[1], box(height: 0.8cm, align(horizon, field-label[{escape(label)}])), none) " \
                       f"#h(5pt) {units[0]}]"
        return " #h(5pt) ".join(units)
    lead = (["[]", f"field-label[{escape(label)}]"] + ["[]"] * (notes is not None)) if label else []
    rows = [[f"field-label[{escape(b.label)}]" for b in items], [_cell(b, notes) for b in items]]
    if notes is not None:
        rows.append([_note(b, notes) for b in items])
    cells = ", ".join(cell for index, row in enumerate(rows) for cell in (lead[index:index + 1] + row))
    return (f"#box(grid(columns: {len(items) + bool(label)}, column-gutter: 5pt, row-gutter: 2pt, "
            f"align: center + horizon, {cells}))")


def _grid(group: Group, notes: KeyNotes | None) -> str:
    """A matrix answer: a grid of boxes; on the key each cell's range, and the columns it is typed in."""
    rows = [row for row in group.items if isinstance(row, Group)]
    columns = max(len(row.items) for row in rows)
    if notes is None:  # lines drawn once: a table of empty cells costs Typst far more
        names = [typst_string(b.column) if j < len(row.items) and isinstance(b := row.items[j], Box) else '""'
                 for row in rows for j in range(columns)]
        return f"#box(baseline: 50%, empty-grid({columns}, {len(rows)}, names: ({', '.join(names)},)))"
    cells = []
    for row in rows:
        for box in (b for b in row.items if isinstance(b, Box)):
            accepted = notes.accepted(box) if notes is not None else ""
            extra = f" \\ #key-note[{escape(accepted)}]" if accepted else ""
            cells.append(f"[#answer-value[{_value(box, notes)}]{extra}]")
    table = (f"#box(baseline: 50%, table(columns: (1.5cm,) * {columns}, rows: 0.8cm, align: center + horizon, "
             f"stroke: 0.6pt, {', '.join(cells)}))")
    return table + _columns_note(group, notes)


def _columns_note(group: Group, notes: KeyNotes | None) -> str:
    """On the key, under a grid or table: the marks-sheet columns its boxes are typed in, first to last."""
    found = list(boxes(group))
    if notes is None or not found:
        return ""
    first, last = notes.column(found[0]), notes.column(found[-1])
    return f" \\\n#key-note[Marks-sheet columns {escape(first)} … {escape(last)}, row by row as printed.]"


def _table(group: Group, notes: KeyNotes | None) -> str:
    """The layer table's skeleton: each layer's name and description, boxes for what is asked; a long description
    wraps, so each row's boxes stay on one line (a tall table would run off its page)."""
    header = ", ".join(f"[*{escape(title)}*]" for title in group.header)
    rows = []
    for row in group.items:
        if not isinstance(row, Group):
            continue
        shape = next((item for item in row.items if isinstance(item, Group)), None)
        count = next(item for item in row.items if isinstance(item, Box))
        shape_cells = " × ".join(f"#field-label[{escape(b.label)}] #{_cell(b, notes, '1.3cm')}"
                                 for b in (shape.items if shape else ()) if isinstance(b, Box))
        name = f"*{escape(row.label)}*" if row.label == "total" else escape(row.label)
        rows.append(f"[{name}], [{escape(row.note)}], [{shape_cells}], [#{_cell(count, notes, '2.2cm')}]")
    return (f"#table(columns: (auto, 1fr, auto, auto), inset: 4pt, align: horizon, table.header({header}), "
            f"{', '.join(rows)})" + _columns_note(group, notes))
