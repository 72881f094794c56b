"""A question's text for each medium it is answered in: a notebook, a paper exam, or an LMS quiz.

A notebook prompt talks to a notebook user ("Enter it as `"P"`", "the stub", "the check cell"). On paper and in an
LMS there are no variables, cells or uploads: a kind may say what it shows there with render_for(variant, medium);
otherwise its notebook text is used with every sentence about the notebook taken out, and the Python form a
sentence asks the answer in ("as a list of rows", "as a NumPy array") left out: boxes are the form there. On paper
a kind's HINT (a formula the notebook adds; hint(variant) where it varies) is printed only when the spec asks for
hints (its PAPER_NOTE instead), and a kind's FORMULAS for a quantity that another question of the same exam ASKS for
are left out.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from generator.kinds import KINDS
from generator.kinds._common import explain_answer
from generator.model import Variant

MEDIA = ("notebook", "paper", "lms")
NOTEBOOK_WORDING = re.compile(  # words of the notebook, and `"key"`: the name of an answer dict's entry
    r"\b(cells?|stubs?|notebooks?|upload\w*|assign\w*|variables?|hidden tests?|the grader\w*|"
    r"sanity[- ]checks?|run the|submit\w*|lenet5\.pt|enter (?:it|them|its|the)\b)\b|`\"\w+\"`", re.IGNORECASE)
_CONTAINER = (r"(?:(?:Python|NumPy|nested|plain)\s+)?(?:list of rows|list of lists|list|array|tuple)"
              r"(?:\s+of\s+(?:numbers|values|integers))?")
_FORM = (r"(?:\$[^$]*\$\s+|\d+\s*[x×]\s*\d+\s+)?"  # a size ($2 \times 2$, 3x3), the container, another one
         rf"{_CONTAINER}(?:\s+or\s+(?:as\s+)?an?\s+{_CONTAINER})?")
ANSWER_FORM = re.compile(  # "as a list of rows", ", as a $2 \times 2$ list of rows", "(a list or a NumPy array)"
    rf",?\s+as\s+an?\s+{_FORM}\b(?=(?P<more>\s+\w)?)|\s*\(\s*(?:as\s+)?an?\s+{_FORM}\s*\)", re.IGNORECASE)
ASKING = re.compile(r"\b(give|write|enter|report|return|answer|state|compute|what)\b|\?", re.IGNORECASE)
EMPTY_REQUEST = re.compile(r"(?:Give|Write|Enter|Report|Return) (?:it|them|the answer)\.", re.IGNORECASE)
LIST_ITEM = re.compile(r"\s*(\d+\.|[-*])\s+")
SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z*`(])")
MATH = re.compile(r"\$\$(.+?)\$\$|\$([^$\n]+?)\$", re.DOTALL)  # $$display$$ or $inline$ LaTeX
PLACEHOLDER = re.compile(r"MATHFORMULA(\d+)X")
Formula = tuple[str, bool]  # (LaTeX body, display?)


def set_aside_math(text: str, formulas: list[Formula]) -> str:
    """The text with each formula replaced by a placeholder (appended to `formulas`), so Markdown never sees it."""
    def keep(match: re.Match[str]) -> str:
        formulas.append((match.group(1) if match.group(1) is not None else match.group(2), match.group(1) is not None))
        return f"MATHFORMULA{len(formulas) - 1}X"

    return MATH.sub(keep, text)


def put_back_math(text: str, formulas: list[str]) -> str:
    """Each placeholder replaced by its formula, as the medium writes it."""
    return PLACEHOLDER.sub(lambda m: formulas[int(m.group(1))], text)


def without_notebook_wording(text: str) -> str:
    """The text with each sentence that speaks of cells, stubs, variables or uploads taken out (math kept whole)."""
    kept = []
    for line in _logical_lines(text):
        if line.startswith(("```", "$$", "|", "    ")) or not line.strip():
            kept.append(line)
            continue
        marker = LIST_ITEM.match(line)
        head = marker.group(0) if marker else ""
        sentences = [without_answer_form(s) for s in SENTENCE_END.split(line[len(head):])
                     if not NOTEBOOK_WORDING.search(_outside_math(s))]
        sentences = [s for s in sentences if not EMPTY_REQUEST.fullmatch(s)]
        if sentences:
            kept.append(head + " ".join(sentences))
    return re.sub(r"\n{3,}", "\n\n", "\n".join(kept)).strip()


def without_answer_form(sentence: str) -> str:
    """A sentence that asks for an answer, without the Python form it asks for ("Give the output as a list of
    rows." -> "Give the output."): on paper and in a quiz the boxes are the form."""
    if not ASKING.search(_outside_math(sentence)):
        return sentence
    return ANSWER_FORM.sub(lambda m: "," if m.group(0).startswith(",") and m.group("more") else "", sentence)


def _logical_lines(text: str) -> list[str]:
    """Markdown lines with each paragraph or list item joined into one line; code, tables and $$ kept as they are."""
    lines: list[str] = []
    verbatim = False
    for raw in text.split("\n"):
        fence = raw.lstrip().startswith("```")
        if verbatim or fence or raw.startswith(("|", "$$")) or not raw.strip():
            lines.append(raw)
            verbatim = verbatim != fence  # a fence opens or closes a code block
            continue
        continues = lines and lines[-1].strip() and not LIST_ITEM.match(raw) and \
            not lines[-1].startswith(("```", "|", "$$"))
        if continues:
            lines[-1] = f"{lines[-1]} {raw.strip()}"
        else:
            lines.append(raw)
    return lines


def _outside_math(text: str) -> str:
    """The text with $...$ formulas blanked, so a symbol in a formula never counts as wording."""
    return re.sub(r"\$[^$]*\$", " ", text)


def prompt_for(variant: Variant, medium: str) -> str:
    """The question's Markdown for a medium."""
    if medium not in MEDIA:
        raise ValueError(f"unknown medium {medium!r}: use one of {', '.join(MEDIA)}")
    module = KINDS[variant.kind]
    declared = getattr(module, "render_for", None)
    text = declared(variant, medium) if declared else module.render(variant)
    return text if medium == "notebook" else without_notebook_wording(text)


def asked_on(variants: Iterable[Variant]) -> dict[str, frozenset[str]]:
    """Each question's qid -> the quantities the other questions of the same exam ask for (their kinds' ASKS)."""
    asks = {v.qid: frozenset(_asks(v)) for v in variants}
    return {qid: frozenset().union(*(other for key, other in asks.items() if key != qid)) for qid in asks}


def _asks(variant: Variant) -> tuple[str, ...]:
    """The quantities a question asks for: its kind's asks(variant), or its ASKS, or none."""
    module = KINDS[variant.kind]
    declared = getattr(module, "asks", None)
    return tuple(declared(variant)) if declared else tuple(getattr(module, "ASKS", ()))


def paper_prompt(variant: Variant, asked: frozenset[str], hints: bool) -> str:
    """The question as printed: the kind's hint (a formula the notebook gives) only when the spec asks for hints,
    otherwise its formula-free note; and without any formula for a quantity another question of the exam asks."""
    module = KINDS[variant.kind]
    text = prompt_for(variant, "paper")
    for quantity, formula in getattr(module, "FORMULAS", {}).items():
        if quantity in asked:
            text = formula.sub("", text)
    declared_hint = getattr(module, "hint", None) if hints else None  # hint(variant) where it depends on the variant
    note = declared_hint(variant) if declared_hint else getattr(module, "HINT" if hints else "PAPER_NOTE", "")
    return f"{text}\n\n{note}" if note else text


def explain_for(variant: Variant, medium: str) -> str:
    """The worked solution for a medium (the kind's explain_for(variant, medium) where it declares one); off the
    notebook, without the line that shows the answer as Python."""
    declared = getattr(KINDS[variant.kind], "explain_for", None)
    text = declared(variant, medium) if declared else KINDS[variant.kind].explain(variant)
    if medium == "notebook":
        return text
    return without_notebook_wording(text.removesuffix(explain_answer(variant)).rstrip())


def on_paper(variant: Variant) -> bool:
    """Whether a paper exam can ask it: answer kinds always; code only with a rubric to mark handwriting by."""
    return variant.entry_point is None or bool(rubric(variant))


def in_lms(variant: Variant) -> bool:
    """Whether an LMS can grade it itself: every answer kind, no code."""
    return variant.entry_point is None


def rubric(variant: Variant) -> tuple[str, ...]:
    """The criteria a marker checks handwritten code against (empty: the kind cannot be marked on paper)."""
    declared = getattr(KINDS[variant.kind], "rubric", None)
    return tuple(declared(variant)) if declared else ()
