"""Jinja2 for prompts (Markdown with LaTeX math) and the filters that print numbers, matrices and shapes."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import jinja2
from jinja2 import meta


def number(value: Any) -> str:
    """Integers with thousands separators (669,706); floats without trailing zeros."""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.0f}" if value.is_integer() else f"{value:.4g}"
    return str(value)


def latex_number(value: Any) -> str:
    """A number for inside $...$: integers with thin-space thousands, fractions to 4 significant digits."""
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else f"{value:.4g}"
    return str(value)


def matrix(rows: Any) -> str:
    """A vector or matrix as a LaTeX bmatrix (use inside $$ ... $$)."""
    data = rows if rows and isinstance(rows[0], list) else [rows]
    body = r" \\ ".join(" & ".join(latex_number(v) for v in row) for row in data)
    return r"\begin{bmatrix} " + body + r" \end{bmatrix}"


def shape(dims: Sequence[int], sep: str = r" \times ") -> str:
    """A shape as the lecture writes it: 32 × 32 × 3 (LaTeX)."""
    return sep.join(str(d) for d in dims)


def noun_for(count: Any, singular: str, many: str | None = None) -> str:
    """The noun agreeing with a count shown elsewhere (e.g. inside math): 'row' for 1, else 'rows' (or `many`)."""
    return singular if count == 1 else many or singular + "s"


def plural(count: Any, singular: str, many: str | None = None) -> str:
    """'1 input channel', '3 input channels': a count with its noun agreeing, so no '1 input channels'."""
    return f"{count} {noun_for(count, singular, many)}"


def letter(index: int) -> str:
    """Option letter for a zero-based index."""
    return "ABCDEFGHIJKLMNOPQRSTUVWXYZ"[index]


ENVIRONMENT = jinja2.Environment(
    undefined=jinja2.StrictUndefined, autoescape=False, keep_trailing_newline=False, trim_blocks=True,
    lstrip_blocks=True,
)
ENVIRONMENT.filters.update(number=number, matrix=matrix, shape=shape, letter=letter, plural=plural)


BLOCK_TAG = re.compile(r"\{%.*?%\}|\{#.*?#\}", re.DOTALL)  # a statement or a comment, maybe over several lines


def keep_line_ends(text: str) -> str:
    """The prompt with `+` added to each block tag that ends a line after text ("overlap.{% endif %}"), so that
    trim_blocks keeps that line's newline; a line of block tags alone still vanishes whole. Lines keep their
    numbers, so a syntax error still names its line."""
    parts: list[str] = []
    position, text_on_line = 0, False
    for tag in BLOCK_TAG.finditer(text):
        before = text[position:tag.start()]
        line = before.rpartition("\n")[2]
        text_on_line = bool(line.strip()) or (text_on_line and "\n" not in before)
        source = tag.group()
        if text_on_line and text.startswith("\n", tag.end()) and source[-3] not in "+-":
            source = f"{source[:-2]}+{source[-2:]}"
        parts += [before, source]
        position = tag.end()
    return "".join([*parts, text[position:]])


def compile_prompt(text: str) -> jinja2.Template:
    """A prompt template; raises jinja2.TemplateSyntaxError (with lineno) on bad syntax."""
    return ENVIRONMENT.from_string(keep_line_ends(text))


def undeclared(text: str) -> set[str]:
    """Variables a prompt reads, to check them against the parameters before any sampling."""
    return set(meta.find_undeclared_variables(ENVIRONMENT.parse(text)))
