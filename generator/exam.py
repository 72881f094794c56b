"""A printable exam: one Markdown file per student with every prompt and room to answer (no code to run)."""

from __future__ import annotations

from generator.notebook import Sheet, header_lines
from generator.render import number


def exam_markdown(sheet: Sheet) -> str:
    """The student's questions, in their order, with answer space; code questions show their stub."""
    parts = header_lines(sheet, due_label="Date")
    for q in sheet.questions:
        v = q.variant
        parts += ["", "---", "", f"## Question {q.number}: {v.title} ({number(v.points)} points)", "",
                  q.kind.render(v), ""]
        if q.is_code:
            parts += ["Complete the code:", "", "```python", q.kind.answer_stub(v).rstrip(), "```", ""]
        parts += ["**Answer:**", "", "&nbsp;", "", "&nbsp;", ""]
    return "\n".join(parts).rstrip() + "\n"
