"""A printable exam per student: Markdown, and HTML (math typeset by MathJax in the browser, then print).

The HTML goes through markdown-it (installed with rich); LaTeX is set aside before and put back after, so
Markdown never mangles `\\` row breaks or `_` subscripts.
"""

from __future__ import annotations

import html
import re

from markdown_it import MarkdownIt

from generator.notebook import Sheet, header_lines
from generator.render import number

MATH = re.compile(r"\$\$.+?\$\$|\$[^$\n]+?\$", re.DOTALL)
MARKDOWN = MarkdownIt("commonmark", {"html": True}).enable("table")
PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{title}</title>
<style>
body {{ font-family: Georgia, serif; max-width: 48em; margin: 2em auto; line-height: 1.45; }}
table {{ border-collapse: collapse; }} td, th {{ border: 1px solid #999; padding: 0.2em 0.6em; }}
pre {{ background: #f4f4f4; padding: 0.6em; white-space: pre-wrap; }}
h2 {{ break-after: avoid; }} hr {{ border: 0; border-top: 1px solid #ccc; }}
@media print {{ h2 {{ break-before: auto; }} pre {{ background: none; border: 1px solid #ccc; }} }}
</style>
<script>window.MathJax = {{ tex: {{ inlineMath: [["$", "$"]], displayMath: [["$$", "$$"]] }} }};</script>
<script async src="https://cdn.jsdelivr.net/npm/mathjax@3/es5/tex-chtml.js"></script>
</head>
<body>
{body}</body>
</html>
"""


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


def markdown_to_html(text: str) -> str:
    """Markdown to HTML with every $...$ and $$...$$ passed through untouched (HTML-escaped) for MathJax."""
    formulas: list[str] = []

    def set_aside(match: re.Match[str]) -> str:
        formulas.append(match.group(0))
        return f"MATHFORMULA{len(formulas) - 1}X"

    rendered = MARKDOWN.render(MATH.sub(set_aside, text))
    return re.sub(r"MATHFORMULA(\d+)X", lambda m: html.escape(formulas[int(m.group(1))], quote=False), rendered)


def exam_html(sheet: Sheet) -> str:
    """The exam as one printable HTML page."""
    return PAGE.format(title=html.escape(f"{sheet.title}: {sheet.student_id}"),
                       body=markdown_to_html(exam_markdown(sheet)))
