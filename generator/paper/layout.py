"""Where an exam's answer boxes lie, as Typst laid them out: what a scanner needs to read the filled pages.

Every answer box of an exam carries a `<cnnlab-box>` metadata at its top-left corner (its kind, its Box.column,
its size), and so do the registration marks (a filled 5 mm square near each corner of every exam page, inside the
printable area, clear of the header and the QR code) and each page's QR code. One context at the document's end
(`layout-record`) gathers them with the page and position Typst gave each into one `<cnnlab-layout>` metadata
(a context per box instead made the exam's typesetting 40% slower). generator/paper/pdf.py asks Typst for it right
after typesetting the exam; `page_layout` turns it into EXAMDIR/layout/<form-or-student>.json, in PDF points with y
from the top of the page:

    {"format": 1, "spec": ..., "who": ..., "pages": [{"page": 1, "width": W, "height": H,
      "marks": [[x, y, size], ...] (centres, corners clockwise from the top left), "qr": [x, y, size] (top-left corner
      of the QR image, its quiet zone included), "boxes": [{"column": "Q5 weights", "x", "y", "w", "h",
      "holds": "number" | "letter" | "code" | "id", ...}]}]}

A letter box lists its "options" and the "circles" [[x, y, r], ...] (centres) a student fills. A comb (`exam: {scan:
true}`, generator/paper/combs.py; the student id on forms) lists its "cells" [[x, y, w, h], ...] and "chars" (what
each may hold: "sign", "digit", or "point": printed, never written); the id comb also its "prefix" (the letters
every roster id starts with, printed before the cells). A comb's cells are 5.5 x 7.5 mm, the point's 2.5 mm wide
with a printed dot, and the sign's cell stands 2 mm apart. Other number boxes (no scan; a grid's cells) record only
their rectangle. A code box is the ruled area; where a code question breaks across pages, its box is on the first
page and "more" lists the rest as [[page, x, y, w, h], ...].
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # types only: the kinds that combs.py samples load with the exam, not with this module
    from generator.paper.combs import Comb, IdComb

FORMAT = 1
MARK_SIZE_MM, MARK_INSET_MM = 5, 10  # registration marks: side, and their centres' distance from the page's edges
HELPERS = f"""#let mark-size = {MARK_SIZE_MM}mm
#let mark-inset = {MARK_INSET_MM}mm
#let comb-size = (cell: 5.5mm, height: 7.5mm, point: 2.5mm, gap: 2mm)
#let recorded(info) = [#metadata(info) <cnnlab-box>]
#let layout-record = context [#metadata((width: page.width.pt(), height: page.height.pt(),
  found: query(<cnnlab-box>).map(m => {{
    let at = m.location().position()
    (..m.value, page: at.page, x: at.x.pt(), y: at.y.pt())
  }}))) <cnnlab-layout>]
#let comb(column, chars, holds: "number", extra: (:)) = {{
  let widths = chars.map(c => if c == "point" {{ comb-size.point }} else {{ comb-size.cell }})
  let starts = ()
  let end = 0pt
  for (c, w) in chars.zip(widths) {{
    starts.push(end)
    end += w + (if c == "sign" {{ comb-size.gap }} else {{ 0pt }})
  }}
  let height = comb-size.height
  box(width: end, height: height, {{
    place(recorded((..extra, kind: "box", column: column, holds: holds, chars: chars, w: end.pt(), h: height.pt(),
      cells: starts.zip(widths).map(((dx, w)) => (dx.pt(), w.pt())))))
    for (c, dx, w) in chars.zip(starts, widths) {{
      place(dx: dx, if c == "point" {{
        place(dx: w / 2 - 0.5mm, dy: height - 2mm, circle(radius: 0.5mm, fill: black))
      }} else {{ rect(width: w, height: height, stroke: 0.6pt) }})
    }}
  }})
}}
#let registration-marks = for corner in (top + left, top + right, bottom + right, bottom + left) {{
  let away = mark-inset - mark-size / 2
  place(corner, dx: if corner.x == left {{ away }} else {{ -away }}, dy: if corner.y == top {{ away }} else {{ -away }},
    box({{ place(recorded((kind: "mark", size: mark-size.pt()))); square(size: mark-size, fill: black) }}))
}}
#let recorded-qr(size, code) = box({{ place(recorded((kind: "qr", size: size.pt()))); code }})
"""


def typst_string(text: str) -> str:
    """Text as a Typst string literal."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def helpers(combs: Mapping[str, Comb]) -> str:
    """The Typst helpers that draw and record boxes, and `scan-combs`: each number box's comb (Box.column -> the
    chars of its cells; empty without `exam: {scan: true}`, and on keys)."""
    entries = ", ".join(f"{typst_string(column)}: ({', '.join(map(typst_string, comb.chars()))},)"
                        for column, comb in combs.items())
    return HELPERS + f"#let scan-combs = ({entries or ':'})\n"


def id_comb_markup(comb: IdComb) -> str:
    """A form's student-id comb (code mode, no leading '#'): the roster ids' letters printed, then a digit cell each."""
    prefix = f"text(size: 13pt, {typst_string(comb.prefix)}) + h(3pt) + " if comb.prefix else ""
    chars = ", ".join(['"digit"'] * comb.digits)
    return (f"box({prefix}comb(\"student_id\", ({chars},), holds: \"id\", "
            f"extra: (prefix: {typst_string(comb.prefix)})))")


def page_layout(recorded: dict[str, Any], spec_id: str, who: str, columns: Mapping[str, str]) -> dict[str, Any]:
    """The layout JSON of one exam from what its document recorded (`<cnnlab-layout>`: the page size and every
    `<cnnlab-box>` with where Typst put it; `columns`: Box.column -> marks-sheet column)."""
    pages: dict[int, dict[str, Any]] = {}
    boxes: dict[str, dict[str, Any]] = {}  # marks-sheet column -> its box, for letters' circles and code's parts
    for item in recorded["found"]:
        page = pages.setdefault(item["page"], {"page": item["page"], "width": _pt(recorded["width"]),
                                               "height": _pt(recorded["height"]), "marks": [], "qr": None,
                                               "boxes": []})
        x, y = _pt(item["x"]), _pt(item["y"])
        if item["kind"] == "mark":
            half = item["size"] / 2
            page["marks"].append([_pt(item["x"] + half), _pt(item["y"] + half), _pt(item["size"])])
        elif item["kind"] == "qr":
            page["qr"] = [x, y, _pt(item["size"])]
        else:
            _add_box(page, boxes, item, _column(columns, item["column"]))
    for box in boxes.values():
        box.pop("page", None)  # a code box's first page, while its parts were joined
    return {"format": FORMAT, "spec": spec_id, "who": who, "pages": [pages[number] for number in sorted(pages)]}


def _column(columns: Mapping[str, str], column: str) -> str:
    """The marks-sheet column of a recorded box; a box the marks sheet lacks is a bug, said plainly."""
    if column not in columns:
        raise ValueError(f"the exam's layout has a box {column!r} that its marks sheet has no column for")
    return columns[column]


def _add_box(page: dict[str, Any], boxes: dict[str, dict[str, Any]], item: dict[str, Any], column: str) -> None:
    """One recorded box, a letter's circle (joined to its box) or a part of a code area (joined, or 'more')."""
    x, y = item["x"], item["y"]
    if item["kind"] == "circle":
        r = item["r"]
        box = boxes.get(column) or _new_box(page, boxes, column, "letter", (x, y, 2 * r, 2 * r))
        box.setdefault("options", []).append(item["option"])
        box.setdefault("circles", []).append([_pt(x + r), _pt(y + r), _pt(float(r))])
        _extend(box, (x, y, item["w"], 2 * r))
    elif item["kind"] == "code":
        area = (x, y, item["w"], item["h"])
        box = boxes.get(column)
        if box is None:
            box = _new_box(page, boxes, column, "code", area)
            box["page"] = page["page"]
        elif box["page"] == page["page"]:
            _extend(box, area)
        else:
            box.setdefault("more", []).append([page["page"], *map(_pt, area)])
    else:
        box = _new_box(page, boxes, column, item["holds"], (x, y, item["w"], item["h"]))
        for key in ("prefix", "chars"):
            if key in item:
                box[key] = item[key]
        if "cells" in item:  # each cell's offset from the comb's left edge, and its width
            box["cells"] = [[_pt(x + dx), _pt(y), _pt(w), _pt(item["h"])] for dx, w in item["cells"]]


def _new_box(page: dict[str, Any], boxes: dict[str, dict[str, Any]], column: str, holds: str,
             area: tuple[float, float, float, float]) -> dict[str, Any]:
    """A box on its page, at an area (x, y, w, h); each column has one."""
    if column in boxes:
        raise ValueError(f"the exam's layout has two boxes for the marks-sheet column {column!r}")
    x, y, w, h = map(_pt, area)
    box = boxes[column] = {"column": column, "x": x, "y": y, "w": w, "h": h, "holds": holds}
    page["boxes"].append(box)
    return box


def _extend(box: dict[str, Any], area: tuple[float, float, float, float]) -> None:
    """Grow a box to cover an area too."""
    x, y, w, h = area
    right, bottom = max(box["x"] + box["w"], x + w), max(box["y"] + box["h"], y + h)
    box["x"], box["y"] = _pt(min(box["x"], x)), _pt(min(box["y"], y))
    box["w"], box["h"] = _pt(right - box["x"]), _pt(bottom - box["y"])


def _pt(value: float) -> float:
    """A position in points, to a hundredth (a thirtieth of a pixel at 300 dpi): short and stable JSON."""
    return round(value, 2)


def dumps(layout: dict[str, Any]) -> str:
    """The layout file's text, a box a line so that a reader's eye or a diff finds one (the same exam gives the same
    bytes)."""
    pages = []
    for page in layout["pages"]:
        head = json.dumps({key: value for key, value in page.items() if key != "boxes"})
        boxes = ",\n".join(f"   {json.dumps(box)}" for box in page["boxes"])
        pages.append(f'  {head[:-1]}, "boxes": [' + (f"\n{boxes}\n  ]}}" if boxes else "]}"))
    top = json.dumps({key: value for key, value in layout.items() if key != "pages"})
    return f'{top[:-1]}, "pages": [\n' + ",\n".join(pages) + "\n]}\n"
