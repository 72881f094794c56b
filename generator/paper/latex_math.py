"""LaTeX math, as question templates write it, to Typst math: fast, and exact for the commands it knows.

A class of 300 exams holds about 20,000 formulas whose numbers all differ; pandoc takes ~5 µs a byte (45 s for
such a class), this takes ~20 µs a formula. A formula with a command outside TABLE raises UnknownLatex, and the
caller sends it to pandoc's texmath instead (generator/paper/markup.py), so no formula is ever printed raw.
"""

from __future__ import annotations

import re

TOKEN = re.compile(r"\\[A-Za-z]+|\\.|[A-Za-z]|\d+(?:\.\d+)?|\s+|.", re.DOTALL)
TABLE = {  # LaTeX command -> Typst math
    "times": "times", "cdot": "dot", "div": "div", "pm": "plus.minus", "mp": "minus.plus", "ast": "*",
    "le": "<=", "leq": "<=", "ge": ">=", "geq": ">=", "ne": "!=", "neq": "!=", "approx": "approx", "equiv": "equiv",
    "lfloor": "floor.l", "rfloor": "floor.r", "lceil": "ceil.l", "rceil": "ceil.r", "mid": "|",
    "langle": "chevron.l", "rangle": "chevron.r", "lvert": "|", "rvert": "|",
    "sum": "sum", "prod": "product", "int": "integral", "max": "max", "min": "min", "log": "log", "exp": "exp",
    "ln": "ln", "arg": "arg", "sin": "sin", "cos": "cos", "tanh": "tanh", "argmax": "arg max", "argmin": "arg min",
    "ldots": "dots.h", "dots": "dots.h", "cdots": "dots.c", "vdots": "dots.v", "ddots": "dots.down",
    "quad": "quad", "qquad": "wide", ",": "thin", ";": "med", ":": "med", "!": "", " ": "space",
    "in": "in", "notin": "in.not", "subset": "subset", "cup": "union", "cap": "inter", "forall": "forall",
    "exists": "exists", "to": "->", "rightarrow": "->", "leftarrow": "<-", "Rightarrow": "=>", "mapsto": "|->",
    "infty": "infinity", "partial": "partial", "nabla": "nabla", "circ": "compose", "star": "star", "odot": "dot.o",
    "otimes": "times.o", "oplus": "plus.o", "prime": "prime", "{": "{", "}": "}", "%": "%", "_": "\\_",
    "#": "\\#", "$": "\\$", "&": "&", "|": "||", "\\": ";",
}
GREEK = ("alpha beta gamma delta epsilon varepsilon zeta eta theta vartheta iota kappa lambda mu nu xi pi rho sigma "
         "tau upsilon phi varphi chi psi omega Gamma Delta Theta Lambda Xi Pi Sigma Phi Psi Omega").split()
TABLE.update({name: name.replace("var", "") + (".alt" if name.startswith("var") else "") for name in GREEK})
ONE_ARGUMENT = {"sqrt": "sqrt", "mathbf": "bold", "boldsymbol": "bold", "mathit": "italic", "hat": "hat",
                "bar": "overline", "overline": "overline", "underline": "underline", "tilde": "tilde",
                "vec": "arrow", "dot": "dot"}
TEXT = {"text", "mathrm", "operatorname", "textrm", "textit", "mathsf", "texttt"}
MATRICES = {"bmatrix": '"["', "pmatrix": '"("', "vmatrix": '"|"', "Bmatrix": '"{"', "matrix": "#none"}
ESCAPED = set('/"#$@`~')  # a bare '/' would make a fraction in Typst; the rest are Typst syntax


class UnknownLatex(ValueError):
    """A formula uses LaTeX this converter does not know; pandoc converts it instead."""


class _Reader:
    """The tokens of one formula, read left to right."""

    def __init__(self, formula: str) -> None:
        self.tokens = TOKEN.findall(formula)
        self.at = 0

    def peek(self) -> str | None:
        """The next token, or None at the end."""
        return self.tokens[self.at] if self.at < len(self.tokens) else None

    def take(self) -> str:
        """The next token, consumed."""
        if self.at >= len(self.tokens):
            raise UnknownLatex("the formula ends too early")
        self.at += 1
        return self.tokens[self.at - 1]

    def skip_space(self) -> None:
        """Whitespace between a command and its argument means nothing in LaTeX."""
        while (token := self.peek()) is not None and token.isspace():
            self.at += 1


def to_typst_math(formula: str) -> str:
    """One formula's body (no $ signs) as Typst math; raises UnknownLatex on what it cannot convert exactly."""
    reader = _Reader(formula)
    out = _sequence(reader, stop=None)
    if reader.peek() is not None:
        raise UnknownLatex(f"unbalanced {reader.peek()!r}")
    return re.sub(r"\s+", " ", out).strip()


def _sequence(reader: _Reader, stop: str | None) -> str:
    """Tokens up to `stop` ('}' or an \\end), converted and joined."""
    parts: list[str] = []
    glue = False
    while (token := reader.peek()) is not None:
        if token == stop:
            return " ".join(parts)
        if token == "}":
            raise UnknownLatex("unbalanced '}'")
        if token == "\\end":
            if stop != "\\end":
                raise UnknownLatex("\\end without \\begin")
            return " ".join(parts)
        atom = _atom(reader)
        if (atom.startswith(("_", "^", "'")) or atom == '","' or glue) and parts and atom:
            parts[-1] += atom  # an attachment sticks to what it attaches to, 1{,}000 stays one number
        elif atom:
            parts.append(atom)
        glue = atom == '","' or (glue and not atom)
    if stop is not None:
        raise UnknownLatex(f"missing {stop!r}")
    return " ".join(parts)


def _argument(reader: _Reader) -> str:
    """A sub- or superscript, or a command's argument: one token or a {group}, as one Typst group."""
    reader.skip_space()
    if reader.peek() == "{":
        reader.take()
        inner = _sequence(reader, "}")
        reader.take()
        return f"({inner})"
    inner = _atom(reader)
    return inner if re.fullmatch(r"[A-Za-z0-9.]+", inner) else f"({inner})"


def _group(reader: _Reader) -> str:
    """A command's argument without the parentheses _argument puts around it (a fraction adds its own)."""
    inner = _argument(reader)
    return inner[1:-1] if inner.startswith("(") and inner.endswith(")") and _balanced(inner[1:-1]) else inner


def _balanced(text: str) -> bool:
    """Whether every parenthesis in a Typst math text closes, so that stripping an outer pair is safe."""
    depth = 0
    for char in text:
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth < 0:
            return False
    return depth == 0


def _text_argument(reader: _Reader) -> str:
    """\\text{...}: its raw characters, as a Typst string."""
    reader.skip_space()
    if reader.take() != "{":
        raise UnknownLatex("\\text needs {...}")
    depth, chars = 0, []
    while (token := reader.take()) != "}" or depth:
        depth += {"{": 1, "}": -1}.get(token, 0)
        chars.append(token)
    return '"' + "".join(chars).replace("\\", "").replace('"', '\\"') + '"'


def _atom(reader: _Reader) -> str:
    """One token, or a command with its arguments, converted."""
    token = reader.take()
    if token.isspace():
        return ""
    if token in "_^":
        return token + _argument(reader)
    if token == "{":
        inner = _sequence(reader, "}")
        reader.take()
        return '","' if inner == "," else inner  # 1{,}000: a comma that is not punctuation
    if token.isalpha() and len(token) == 1 or token[0].isdigit():
        return token
    if not token.startswith("\\"):
        return "\\" + token if token in ESCAPED else token
    name = token[1:]
    if name in ("left", "right", "big", "Big", "bigg", "Bigg", "displaystyle"):
        return ""
    if name in TABLE:
        return TABLE[name]
    if name == "frac":  # Typst's a/b drops one pair of parentheses around each side: (1)/(16) is 1 over 16
        return f"({_group(reader)})/({_group(reader)})"
    if name in ONE_ARGUMENT:
        return f"{ONE_ARGUMENT[name]}({_group(reader)})"  # \hat x is hat(x), never the name hatx
    if name in TEXT:
        return _text_argument(reader)
    if name == "begin":
        return _environment(reader)
    raise UnknownLatex(f"\\{name}")


def _environment(reader: _Reader) -> str:
    """\\begin{bmatrix} a & b \\\\ c & d \\end{bmatrix} -> mat(delim: "[", a, b; c, d)."""
    name = _text_argument(reader).strip('"')
    if name not in MATRICES:
        raise UnknownLatex(f"\\begin{{{name}}}")
    body = _sequence(reader, "\\end")
    reader.take()
    if _text_argument(reader).strip('"') != name:
        raise UnknownLatex(f"\\begin{{{name}}} closed by another \\end")
    rows = [row for row in re.split(r"\s*;\s*", body.strip()) if row.strip()]
    cells = ["; ".join(", ".join(cell.strip() or '""' for cell in row.split("&")) for row in rows)]
    return f"mat(delim: {MATRICES[name]}, {cells[0]})"
