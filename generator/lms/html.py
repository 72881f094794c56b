"""Question text as the LMS shows it: Markdown to HTML with LaTeX in MathJax's own \\( \\) and \\[ \\] delimiters.

LaTeX is set aside before markdown-it sees the text and put back after, so Markdown never mangles `\\\\` row breaks
or `_` subscripts; raw HTML in a prompt is escaped, never passed through.
"""

from __future__ import annotations

import html

from markdown_it import MarkdownIt

from generator.media import MATH, Formula, put_back_math, set_aside_math

MARKDOWN = MarkdownIt("commonmark", {"html": False}).enable("table")


def math_delimiters(text: str) -> str:
    """The text with $...$ as \\(...\\) and $$...$$ as \\[...\\] (no Markdown, no escaping)."""
    return MATH.sub(lambda m: rf"\[{m.group(1).strip()}\]" if m.group(1) is not None else rf"\({m.group(2)}\)",
                    text)


def markdown_to_html(text: str) -> str:
    """Markdown to HTML with every formula HTML-escaped inside MathJax delimiters."""
    formulas: list[Formula] = []
    rendered = MARKDOWN.render(set_aside_math(text, formulas))
    shown = [html.escape(rf"\[{body.strip()}\]" if display else rf"\({body}\)", quote=False)
             for body, display in formulas]
    return put_back_math(rendered, shown).strip()


def inline_html(text: str) -> str:
    """One line of Markdown (an option, a label) as inline HTML, without the paragraph around it."""
    rendered = markdown_to_html(text)
    if rendered.startswith("<p>") and rendered.endswith("</p>") and rendered.count("<p>") == 1:
        return rendered[3:-4]
    return rendered


def escape(text: str) -> str:
    """Plain text (a label, a layer's description) as HTML, with any $...$ in MathJax delimiters."""
    return html.escape(math_delimiters(text), quote=True)
