"""Question text as the LMS shows it: Markdown to HTML with LaTeX in MathJax's own \\( \\) and \\[ \\] delimiters.

LaTeX is set aside before markdown-it sees the text and put back after, so Markdown never mangles `\\\\` row breaks
or `_` subscripts; raw HTML in a prompt is escaped, never passed through.
"""

from __future__ import annotations

import html
import re

from markdown_it import MarkdownIt

MATH = re.compile(r"\$\$(.+?)\$\$|\$([^$\n]+?)\$", re.DOTALL)
MARKDOWN = MarkdownIt("commonmark", {"html": False}).enable("table")
PLACEHOLDER = re.compile(r"MATHFORMULA(\d+)X")


def math_delimiters(text: str) -> str:
    """The text with $...$ as \\(...\\) and $$...$$ as \\[...\\] (no Markdown, no escaping)."""
    return MATH.sub(lambda m: rf"\[{m.group(1).strip()}\]" if m.group(1) is not None else rf"\({m.group(2)}\)",
                    text)


def markdown_to_html(text: str) -> str:
    """Markdown to HTML with every formula HTML-escaped inside MathJax delimiters."""
    formulas: list[str] = []

    def set_aside(match: re.Match[str]) -> str:
        formulas.append(math_delimiters(match.group(0)))
        return f"MATHFORMULA{len(formulas) - 1}X"

    rendered = MARKDOWN.render(MATH.sub(set_aside, text))
    return PLACEHOLDER.sub(lambda m: html.escape(formulas[int(m.group(1))], quote=False), rendered).strip()


def inline_html(text: str) -> str:
    """One line of Markdown (an option, a label) as inline HTML, without the paragraph around it."""
    rendered = markdown_to_html(text)
    if rendered.startswith("<p>") and rendered.endswith("</p>") and rendered.count("<p>") == 1:
        return rendered[3:-4]
    return rendered


def escape(text: str) -> str:
    """Plain text (a label, a layer's description) as HTML, with any $...$ in MathJax delimiters."""
    return html.escape(math_delimiters(text), quote=True)
