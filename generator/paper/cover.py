"""An exam's front matter: the cover page (course, title, date and time allowed, who sits it and which form, the
instructions once, the total, the honour statement with a signature line, and a table of the questions with their
points and an empty column for the markers' scores), and what the spec says about hints and the formula sheet.

The spec's `exam:` settings (generator/spec.py, docs/TEMPLATES.md) fill it; the page tokens' QR code is in the
footer of every page, the cover's included.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from generator.media import without_notebook_wording
from generator.paper.combs import IdComb
from generator.paper.formulas import FORMULAS
from generator.paper.layout import id_comb_markup
from generator.paper.markup import escape
from generator.render import number
from generator.spec import Spec

BOX_RULES = "Write each answer in its box, one value per box; only the boxes are marked."
SCAN_RULES = ("This exam is read by a scanner: write one digit per box, in black or blue pen, and leave the boxes "
              "you do not need empty; a minus sign goes in the box set apart before the digits, the decimal point is "
              "printed. Fill the circle of your answer; to change it, cross out the wrong circle fully.")
HONOUR = ("I will neither give nor receive help during this exam, and I will not discuss its questions with anyone "
          "who has not yet sat it.")


@dataclass(frozen=True)
class ExamFront:
    """What the spec says about an exam as a whole: the cover's facts, its instructions, hints and formula sheet."""

    course: str
    title: str
    date: str
    time_allowed: str
    instructions: str  # Markdown; BOX_RULES when the spec gives none
    formula_sheet: bool
    hints: bool

    def markdown(self) -> list[str]:
        """The Markdown it prints, for the batch conversion with the questions' (generator/paper/markup.py)."""
        return [self.instructions, *([FORMULAS] if self.formula_sheet else [])]


def exam_front(spec: Spec) -> ExamFront:
    """The front matter of a spec's exam: its `exam:` settings, the exam date falling back to the spec's due date."""
    paper = spec.exam_paper
    instructions = without_notebook_wording(spec.instructions) or BOX_RULES
    return ExamFront(paper.course, spec.title, paper.date or spec.due, paper.time_allowed, instructions,
                     paper.formula_sheet, paper.hints)


def cover_page(front: ExamFront, texts: Mapping[str, str], rows: list[tuple[int, str, float]], form: str | None,
               who: tuple[str, str] | None, scan: bool = False, id_comb: IdComb | None = None) -> str:
    """The cover as Typst: `rows` are (number, title, points) in printed order; `who` a student's (name, id), or
    None for a form, which gets lines to write them on (a comb for the id, `id_comb`, when it is read by a scanner);
    `scan`: the boxes are read by a scanner, so the instructions say how to write in them."""
    facts = " · ".join(escape(fact) for fact in (front.date, front.time_allowed and
                                                 f"Time allowed: {front.time_allowed}") if fact)
    course = f"#text(size: 11pt)[{escape(front.course)}] \\\n" if front.course else ""
    form_line = f"#text(size: 13pt, weight: \"bold\")[Form {escape(form)}]" if form else ""
    total = sum(points for _, _, points in rows)
    scan_rules = f"\n{escape(SCAN_RULES)}\n" if scan else ""
    table_rows = "".join(f"[{n}], [{escape(title)}], [{number(points)}], [], " for n, title, points in rows)
    return f"""#align(center)[{course}#text(size: 17pt, weight: "bold")[{escape(front.title)}] \\
{facts}]
#v(0.6cm)
{_identity(who, id_comb)} #h(1fr) {form_line}
#v(0.5cm)
*Instructions.* {texts[front.instructions]}
{scan_rules}
This exam has {len(rows)} questions worth *{number(total)} points* in total.
#v(0.3cm)
#block(stroke: 0.6pt, inset: 8pt, width: 100%)[*Honour statement.* {escape(HONOUR)}
#v(0.7cm)
Signature #box(width: 7cm, line(length: 100%)) #h(1fr) Date #box(width: 3.5cm, line(length: 100%))]
#v(0.4cm)
#table(columns: (auto, 1fr, auto, 2.2cm), inset: 5pt, align: (center, left, center, center),
  table.header([*Question*], [*Topic*], [*Points*], [*Score*]),
  {table_rows}table.cell(colspan: 2, align: right)[*Total*], [*{number(total)}*], [])
#align(right, text(size: 8pt, fill: luma(35%))[The Score column is for the markers.])
#pagebreak(weak: true)
"""


def _identity(who: tuple[str, str] | None, id_comb: IdComb | None = None) -> str:
    """A form's lines for name and student ID (a comb of digit cells for a scanner), or a student's own, printed."""
    if who is None and id_comb is not None:
        return (f"Name #box(width: 6.5cm, line(length: 100%)) #h(1em) "
                f"Student ID #h(3pt) #{id_comb_markup(id_comb)}")
    if who is None:
        return ("Name #box(width: 6.5cm, line(length: 100%)) #h(1em) "
                "Student ID #box(width: 3.5cm, line(length: 100%))")
    name, student_id = who
    return f"Name: *{escape(name)}* #h(1em) Student ID: *{escape(student_id)}*"


def formula_page(texts: Mapping[str, str]) -> str:
    """The formula sheet, one page, the same on every form."""
    return f"== Formulas\n\n{texts[FORMULAS]}\n\n#pagebreak(weak: true)\n"
