"""One exam or answer key as a Typst document, and the PDF Typst makes of it (offline, fonts built in, ~10 ms).

Every exam page carries what a scanned sheet needs: the student's name and id (or lines to write them on a
form), the form and page number, and a QR code of the page's signed token (generator/paper/token.py). An exam
opens with its cover (generator/paper/cover.py) and, when the spec asks, the formula sheet.

A question is one block a page never splits: its heading, its text and its answer boxes move to the next page
together. Only a question taller than a page breaks, between its parts (generator/paper/boxes.py), and the next
page's header says "Question N (continued)". Typst records where each question starts and ends and where its
boxes lie: `typst query` of `<cnnlab-probe>` with the input `probe` set lists them (tests/generator/paper/).
An exam's pages also carry registration marks, and its boxes record where they lie for a scanner to read them
(generator/paper/layout.py); with `exam: {scan: true}` its number boxes are combs (generator/paper/combs.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from generator.fields import Group
from generator.kinds import answer_fields
from generator.media import asked_on, explain_for, paper_prompt, rubric
from generator.model import Variant
from generator.notebook import Question, Sheet
from generator.paper.boxes import KeyNotes, answer_parts, preamble
from generator.paper.combs import Comb, IdComb
from generator.paper.cover import ExamFront, cover_page, formula_page
from generator.paper.layout import helpers
from generator.paper.markup import escape
from generator.paper.marks_sheet import printed_columns
from generator.render import number
from generator.common_mistakes import summary, wrong_answers
from generator.rounding import asked_places

BLUE, RED = 'rgb("#1a4fb5")', 'rgb("#b51a1a")'
PAGE_BODY = ("174mm", "242mm")  # A4 within the margins _page_setup sets: what one question may fill
PAGE_BODY_PT = 242 / 25.4 * 72  # its height in points, as Typst reports positions
TOP_MARGIN_CM = 2.6  # where a page's body starts (generator/paper/packing.py measures a page's use from it)
BODY_TOP_PT = TOP_MARGIN_CM / 2.54 * 72
LAYOUT = f"""#let body-width = {PAGE_BODY[0]}
#let body-height = {PAGE_BODY[1]}
#let probing = "probe" in sys.inputs
#let probe(kind, q, body) = if probing {{ context {{
  let at = here().position()
  let size = measure(body, width: body-width)
  [#metadata((kind: kind, q: q, page: at.page, x: at.x.pt(), y: at.y.pt(), w: size.width.pt(),
    h: size.height.pt())) <cnnlab-probe>]
  body
}} }} else {{ body }}
#show: doc => if probing {{ show math.equation.where(block: false): it => probe("math", none, it); doc }} else {{ doc }}
#let question(q, parts) = {{
  let whole = block(breakable: false, width: 100%, {{
    [#metadata(q) <q-start>]
    parts.join()
    probe("end", q, block(height: 0pt))
    [#metadata(q) <q-end>]
  }})
  if parts.len() == 1 {{ whole }} else {{ context {{
    if measure(whole, width: body-width).height <= body-height {{ whole }} else {{
      [#metadata(q) <q-start>]
      for part in parts {{ block(breakable: false, width: 100%, part) }}
      probe("end", q, block(height: 0pt))
      [#metadata(q) <q-end>]
    }}
  }} }}
}}
#let continued() = context {{
  let page = here().page()
  let open = query(<q-start>).filter(m => m.location().page() < page)
  if open.len() > 0 {{
    let ends = query(<q-end>).filter(m => m.value == open.last().value)
    if ends.len() > 0 and ends.first().location().page() >= page [*Question #open.last().value (continued)*]
  }}
}}
"""


@dataclass(frozen=True)
class PaperSheet:
    """One printed exam: a student's own, or a form shared by many; the questions as they are numbered on it."""

    sheet: Sheet
    seed: int
    form: str | None  # 'A', 'B', ... or None for a student's own exam
    left_out: tuple[str, ...]  # the spec's questions not asked on paper: 'title (why)'
    combs: Mapping[str, Comb] | None = None  # `exam: {scan: true}`: each number box's comb, by Box.column
    id_comb: IdComb | None = None  # `exam: {scan: true}` on a form: the student-id comb of its cover

    @property
    def who(self) -> str:
        """What the page tokens and file names name: the form or the student."""
        return f"form-{self.form}" if self.form else self.sheet.student_id


def _page_setup(paper: PaperSheet, key: bool) -> str:
    """Page size, header (who, which form, a question continued) and footer (page x of y, the exam's QR code);
    the exam's first page, its cover, has no header: it asks for the name itself. The footer sits higher than
    Typst's default, so the QR code keeps 9 mm from the paper's edge (a printer's margin), and every exam page has
    registration marks near its corners (generator/paper/layout.py)."""
    sheet = paper.sheet
    form = f"Form {paper.form}" if paper.form else ""
    if paper.form and not key:
        who = "Name #box(width: 6.5cm, line(length: 100%)) #h(1fr) Student ID #box(width: 3.5cm, line(length: 100%))"
    elif paper.form:
        who = ""
    else:
        name = f"Name: *{escape(sheet.student_name)}*" if sheet.student_name else ""
        who = f"{name} #h(1fr) Student ID: *{escape(sheet.student_id)}*"
    mark = f"#text(fill: {RED}, weight: \"bold\")[ANSWER KEY] #h(8pt)" if key else ""
    qr = "" if key else (', recorded-qr(1.6cm, image(bytes(sys.inputs.at("qr" + str(here().page()), '
                         'default: sys.inputs.qr1)), format: "svg", width: 1.6cm))')
    marks = "" if key else "background: registration-marks,\n  "
    where = " · ".join(part for part in (escape(sheet.assignment), form or escape(sheet.student_id)) if part)
    cover = "" if key else "if here().page() == 1 { return }\n  "
    return f"""#set page(paper: "a4", margin: (x: 1.8cm, top: {TOP_MARGIN_CM}cm, bottom: 2.9cm), footer-descent: 15%,
  {marks}header: context {{
  {cover}set text(9pt)
  [{mark}*{escape(sheet.title)}* #h(1fr) #continued() #h(1fr) {form} \\ #v(4pt) {who}]
  }},
  footer: context [#set text(9pt); #grid(columns: (1fr, auto), align: (left + horizon, right + horizon),
    [{where} · Page #counter(page).display() of #counter(page).final().first()]{qr})])
#set text(size: 10.5pt)
#set par(spacing: 0.9em)
#show raw.where(block: true): set text(size: 8pt)
#show heading.where(level: 2): it => block(above: 1.4em, below: 0.7em, it)
"""


def _key_title(paper: PaperSheet) -> str:
    """The key's first lines: the exam's title, its size, and how to read the boxes."""
    sheet = paper.sheet
    facts = [f"{len(sheet.questions)} questions", f"{number(sheet.total_points)} points"]
    form = f"Form {escape(paper.form)} · " if paper.form else ""
    return (f"#align(center, text(size: 15pt, weight: \"bold\")[{escape(sheet.title)}])\n\n"
            f"#align(center)[{form}{' · '.join(facts)}]\n\n"
            f"#text(size: 9pt)[Each box holds the answer in the rounding its question asks for; under it, in red, "
            f"the values that earn the marks (when more than one does) and its column on the marks sheet.]\n\n")


def question_texts(paper: PaperSheet, front: ExamFront) -> list[str]:
    """The Markdown this sheet prints, for one batch conversion with every other sheet's."""
    asked = asked_on(q.variant for q in paper.sheet.questions)
    return [text for q in paper.sheet.questions
            for text in (paper_prompt(q.variant, asked[q.variant.qid], front.hints), explain_for(q.variant, "paper"))]


def _question(q: Question, texts: Mapping[str, str], key: bool, prompt: str) -> str:
    """One question: heading, prompt and answer boxes in a block a page keeps whole; on the key, filled in, then
    the values its misconceptions give, its worked solution and, for code, the rubric and a model answer."""
    v = q.variant
    group = answer_fields(v)
    notes = KeyNotes(asked_places(v), v.tolerance, printed_columns(q.number, v)) if key else None
    heading = (f"== Question {q.number}: {escape(v.title)} #h(1fr) #text(weight: \"regular\", size: 10pt)"
               f"[({number(v.points)} points)]")
    answer = answer_parts(group, notes)
    first = f"#probe(\"head\", {q.number}, [{heading}])\n\n{texts[prompt]}\n\n{_field_probe(q.number, answer[0])}"
    parts = [first] + [_field_probe(q.number, part) for part in answer[1:]]
    mistakes = common_mistakes(v, group) if key else ""
    if mistakes:  # a part of its own, so a tall answer and its many mistakes may take two pages
        parts.append(f"#block(width: 100%, above: part-gap)[\n{mistakes}\n]")
    block = f"#question({q.number}, ({', '.join(f'[{part}]' for part in parts)},))"
    if not key:
        return block
    extras = [f"#block(sticky: true, text(fill: {BLUE}, weight: \"bold\")[Worked solution])",  # kept with it
              texts[explain_for(v, "paper")]]
    criteria = rubric(v)
    if criteria:
        share = number(round(v.points / len(criteria), 2))
        extras.append(f"*Rubric* ({share} points each):\n\n" + "\n".join(f"- {escape(c)}" for c in criteria))
        extras.append(f"*A model answer:*\n\n```python\n{q.kind.solution_source(v).rstrip()}\n```")
    return "\n\n".join([block, *extras])


def _field_probe(number_: int, part: str) -> str:
    """An answer part, recorded (when probing) with where it lies."""
    return f"#probe(\"field\", {number_}, block(width: 100%, above: part-gap)[\n{part}\n])"


def common_mistakes(variant: Variant, group: Group) -> str:
    """Under a key's answer, the values its misconceptions give for this sheet, so a marker recognises them:
    'Common mistakes: 12 (bias forgotten), 108 (stride ignored)', one line per mistake when they have several parts."""
    wrong = wrong_answers(variant, group)
    if not wrong:
        return ""
    title = f"#text(fill: {RED}, weight: \"bold\")[Common mistakes:]"
    if all(len(answer.parts) == 1 for answer in wrong):
        return f"{title} {', '.join(escape(summary(answer)) for answer in wrong)}"
    return title + "\n" + "\n".join(f"- {escape(summary(answer))}" for answer in wrong)


def source(paper: PaperSheet, texts: Mapping[str, str], front: ExamFront, key: bool) -> str:
    """The whole Typst document of an exam (cover, formula sheet, questions) or of its key."""
    sheet = paper.sheet
    asked = asked_on(q.variant for q in sheet.questions)
    body = "\n\n".join(_question(q, texts, key, paper_prompt(q.variant, asked[q.variant.qid], front.hints))
                       for q in sheet.questions)
    if key:
        opening = _key_title(paper)
    else:
        rows = [(q.number, q.variant.title, q.variant.points) for q in sheet.questions]
        who = None if paper.form else (sheet.student_name, sheet.student_id)
        opening = cover_page(front, texts, rows, paper.form, who, paper.combs is not None, paper.id_comb) + (
            formula_page(texts) if front.formula_sheet else "")
    combs = paper.combs if paper.combs is not None and not key else {}
    recorded = "" if key else "\n#layout-record"  # where its boxes lie, for reading the exam from its scans
    return helpers(combs) + preamble() + LAYOUT + _page_setup(paper, key) + opening + body + recorded + "\n"
