"""One exam or answer key as a Typst document, and the PDF Typst makes of it (offline, fonts built in, ~10 ms).

Every exam page carries what a scanned sheet needs: the student's name and id (or lines to write them on a
form), the form and page number, and a QR code of the page's signed token (generator/paper/token.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from generator.fields import Group
from generator.kinds import answer_fields
from generator.media import explain_for, prompt_for, rubric
from generator.model import Variant
from generator.notebook import Question, Sheet
from generator.paper.boxes import answer_block, preamble
from generator.paper.markup import escape
from generator.render import number
from generator.common_mistakes import summary, wrong_answers

BLUE, RED = 'rgb("#1a4fb5")', 'rgb("#b51a1a")'


@dataclass(frozen=True)
class PaperSheet:
    """One printed exam: a student's own, or a form shared by many; the questions as they are numbered on it."""

    sheet: Sheet
    seed: int
    form: str | None  # 'A', 'B', ... or None for a student's own exam
    left_out: tuple[str, ...]  # the spec's questions not asked on paper: 'title (why)'

    @property
    def who(self) -> str:
        """What the page tokens and file names name: the form or the student."""
        return f"form-{self.form}" if self.form else self.sheet.student_id


def _page_setup(paper: PaperSheet, key: bool) -> str:
    """Page size, header (who and which form) and footer (page x of y, and the QR code on exam pages)."""
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
    qr = "" if key else (', image(bytes(sys.inputs.at("qr" + str(here().page()), default: sys.inputs.qr1)), '
                         'format: "svg", width: 1.6cm)')
    where = " · ".join(part for part in (escape(sheet.assignment), form or escape(sheet.student_id)) if part)
    return f"""#set page(paper: "a4", margin: (x: 1.8cm, top: 2.6cm, bottom: 2.9cm),
  header: [#set text(9pt); {mark}*{escape(sheet.title)}* #h(1fr) {form} \\ #v(4pt) {who}],
  footer: context [#set text(9pt); #grid(columns: (1fr, auto), align: (left + horizon, right + horizon),
    [{where} · Page #counter(page).display() of #counter(page).final().first()]{qr})])
#set text(size: 10.5pt)
#set par(spacing: 0.9em)
#show raw.where(block: true): set text(size: 8pt)
#show heading.where(level: 2): it => block(above: 1.4em, below: 0.7em, it)
"""


def _title(paper: PaperSheet, instructions: str, key: bool) -> str:
    """The first page's title block."""
    sheet = paper.sheet
    questions = len(sheet.questions)
    lines = [f"#align(center, text(size: 15pt, weight: \"bold\")[{escape(sheet.title)}])"]
    facts = [f"{questions} questions", f"{number(sheet.total_points)} points"]
    if sheet.due:
        facts.insert(0, escape(str(sheet.due)))
    lines.append(f"#align(center)[{' · '.join(facts)}]")
    if instructions and not key:
        lines.append(instructions)
    if not key:
        lines.append("Write each answer in its box, clearly, one value per box. Working may go in the margins; "
                     "only the boxes are marked.")
    return "\n\n".join(lines) + "\n\n"


def question_texts(paper: PaperSheet) -> list[str]:
    """The Markdown this sheet prints, for one batch conversion with every other sheet's."""
    return [text for q in paper.sheet.questions
            for text in (prompt_for(q.variant, "paper"), explain_for(q.variant, "paper"))]


def _question(q: Question, texts: Mapping[str, str], key: bool) -> str:
    """One question: heading, prompt, answer boxes (filled for the key), and the key's worked solution."""
    v = q.variant
    group = answer_fields(v)
    parts = [f"== Question {q.number}: {escape(v.title)} #h(1fr) #text(weight: \"regular\", size: 10pt)"
             f"[({number(v.points)} points)]", texts[prompt_for(v, "paper")], answer_block(group, filled=key)]
    if key:
        parts.append(common_mistakes(v, group))
        parts.append(f"#text(fill: {BLUE}, weight: \"bold\")[Worked solution]")
        parts.append(texts[explain_for(v, "paper")])
        criteria = rubric(v)
        if criteria:
            share = number(round(v.points / len(criteria), 2))
            parts.append(f"*Rubric* ({share} points each):\n\n" + "\n".join(f"- {escape(c)}" for c in criteria))
            parts.append(f"*A model answer:*\n\n```python\n{q.kind.solution_source(v).rstrip()}\n```")
    return "\n\n".join(part for part in parts if part)


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


def source(paper: PaperSheet, texts: Mapping[str, str], instructions: str, key: bool) -> str:
    """The whole Typst document of an exam or its key."""
    body = "\n\n".join(_question(q, texts, key) for q in paper.sheet.questions)
    return preamble() + _page_setup(paper, key) + _title(paper, instructions, key) + body + "\n"
