"""Question Markdown (CommonMark, tables, $...$ and $$...$$ LaTeX) to Typst markup, for many texts at once.

Structure comes from markdown-it's tokens, never from regexes over Markdown. Formulas are set aside before
parsing (so Markdown never touches `\\\\` or `_`), converted by generator/paper/latex_math.py, and the few it does
not know are sent to pandoc's texmath in one batch for the whole call.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from markdown_it import MarkdownIt
from markdown_it.token import Token

from generator.media import Formula, put_back_math, set_aside_math
from generator.paper.latex_math import UnknownLatex, to_typst_math

MARKDOWN = MarkdownIt("commonmark", {"html": False}).enable("table")
MARKUP_SPECIAL = re.compile(r"([\\#$*_`<>@\[\]~/=+\-\"'])")
SPLIT = "CNNLABSPLIT"


def escape(text: str) -> str:
    """Plain text safe in Typst markup: every character with a meaning there is escaped."""
    return MARKUP_SPECIAL.sub(r"\\\1", text)


def to_typst(texts: Sequence[str]) -> list[str]:
    """Each Markdown text as Typst markup, in order; the same text is converted once."""
    unique = list(dict.fromkeys(texts))
    formulas: list[Formula] = []
    bodies = [_blocks(MARKDOWN.parse(set_aside_math(text, formulas))) for text in unique]
    converted = _formulas(formulas)
    done = {text: put_back_math(body, converted) for text, body in zip(unique, bodies)}
    return [done[text] for text in texts]


def _formulas(formulas: list[Formula]) -> list[str]:
    """Every formula as Typst math ($x$ inline, $ x $ display); unknown LaTeX goes to pandoc in one batch."""
    out: list[str | None] = []
    unknown: list[int] = []
    for index, (body, _) in enumerate(formulas):
        try:
            out.append(to_typst_math(body))
        except UnknownLatex:
            out.append(None)
            unknown.append(index)
    for index, typst in zip(unknown, _pandoc([formulas[i][0] for i in unknown])):
        out[index] = typst
    return [f"$ {math} $" if display else f"${math}$" for math, (_, display) in zip(out, formulas)]


def _pandoc(bodies: list[str]) -> list[str]:
    """Formulas converted by pandoc's texmath, all in one run (imported only when a formula needs it)."""
    if not bodies:
        return []
    import pypandoc

    document = "\n\n".join(f"${body}$\n\n{SPLIT}" for body in bodies)
    typst = pypandoc.convert_text(document, "typst", format="markdown", extra_args=["--wrap=none"])
    pieces = [piece.strip() for piece in typst.split(SPLIT)][:len(bodies)]
    return [piece[1:-1].strip() if piece.startswith("$") and piece.endswith("$") else piece for piece in pieces]


def _blocks(tokens: list[Token]) -> str:
    """Block tokens to Typst markup: paragraphs, headings, lists, code, tables."""
    out: list[str] = []
    lists: list[int | None] = []  # per open list: the next number, or None for bullets
    cells: list[str] | None = None
    rows: list[list[str]] = []
    at = 0
    while at < len(tokens):
        token = tokens[at]
        kind = token.type
        if kind == "inline":
            text = _inline(token.children or [])
            if cells is not None:
                cells.append(text)
            else:
                out.append(text)
        elif kind == "heading_open":
            out.append("\n" + "=" * min(int(token.tag[1]) + 1, 6) + " ")
        elif kind in ("paragraph_close", "heading_close"):
            out.append("\n\n" if not lists else "\n")
        elif kind == "bullet_list_open":
            lists.append(None)
        elif kind == "ordered_list_open":
            lists.append(int(token.attrGet("start") or 1))
        elif kind in ("bullet_list_close", "ordered_list_close"):
            lists.pop()
            out.append("\n" if lists else "\n\n")
        elif kind == "list_item_open":
            number = lists[-1]
            out.append("  " * (len(lists) - 1) + ("- " if number is None else f"{number}. "))
            if number is not None:
                lists[-1] = number + 1
        elif kind in ("fence", "code_block"):
            out.append(f"```{token.info.strip()}\n{token.content.rstrip()}\n```\n\n")
        elif kind == "tr_open":
            cells = []
        elif kind == "tr_close":
            rows.append(cells or [])
            cells = None
        elif kind == "table_close":
            out.append(_table(rows))
            rows = []
        elif kind == "hr":
            out.append("#line(length: 100%)\n\n")
        at += 1
    return "".join(out).strip()


def _table(rows: list[list[str]]) -> str:
    """A Markdown table as a Typst table whose first row is the header."""
    if not rows:
        return ""
    columns = max(len(row) for row in rows)
    header = ", ".join(f"[*{cell}*]" if cell else "[]" for cell in rows[0])
    body = ", ".join(f"[{cell}]" for row in rows[1:] for cell in row + [""] * (columns - len(row)))
    return f"#table(columns: {columns}, inset: 4pt, table.header({header}), {body})\n\n"


def _inline(children: list[Token]) -> str:
    """Inline tokens to Typst markup: text, code, strong, emphasis, breaks."""
    parts: list[str] = []
    for child in children:
        kind = child.type
        if kind == "text":
            parts.append(escape(child.content))
        elif kind == "code_inline":
            parts.append(_raw(child.content))
        elif kind in ("strong_open", "strong_close"):
            parts.append("*")
        elif kind in ("em_open", "em_close"):
            parts.append("_")
        elif kind == "softbreak":
            parts.append(" ")
        elif kind == "hardbreak":
            parts.append(" \\\n")
    return "".join(parts)


def _raw(code: str) -> str:
    """Inline code as Typst raw text (a backtick inside needs the function form)."""
    return f"`{code}`" if "`" not in code else f'#raw("{code.replace(chr(92), chr(92) * 2).replace(chr(34), chr(92) + chr(34))}")'
