"""What both LMS exports share: N deterministic variants per question, how each answer is asked, stable ids.

A `pick k from [a, b, ...]` entry gives each template of its pool a category (bank) of its own, named by the
template's id: the LMS then never shows two variants of one template to a student, and the quiz author realises
the pick by drawing one question from each of k of the pool's categories (or from their parent with
subcategories, accepting repeats). Variants are drawn from question_seed(secret, spec id, "lms-variant-I",
template id), so the same spec, secret and N give the same variants, in the same order, and byte-identical files.
Identical variants (a template with few distinct draws) are kept once.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Literal

from generator.fields import Box, Group, boxes, shown
from generator.kinds import KINDS, answer_fields
from generator.kinds._common import options_markdown
from generator.media import in_lms, prompt_for
from generator.model import Variant
from generator.seeds import question_seed, read_secret
from generator.spec import Spec, load_spec
from generator.limits import MAX_LMS_VARIANTS

Shape = Literal["number", "choice", "parts"]


@dataclass(frozen=True)
class Bank:
    """One question's category (Moodle) or item bank (QTI): its template id, title, points and variants."""

    qid: str
    title: str
    points: float
    variants: tuple[Variant, ...]


@dataclass(frozen=True)
class Quiz:
    """A spec's banks, in spec order, and one line per question left out because an LMS cannot grade it."""

    spec: Spec
    banks: tuple[Bank, ...]
    left_out: tuple[str, ...]


def draw(spec: Spec, secret: bytes, count: int) -> Quiz:
    """Every template's variants (count draws, duplicates dropped), and the questions an LMS cannot grade."""
    banks: list[Bank] = []
    left_out: list[str] = []
    for entry in spec.entries:
        for qid in entry.pool:
            template = spec.templates[qid]
            if entry.points is not None:
                template = template.with_points(entry.points)
            kind = KINDS[template.kind]
            first = kind.generate(template, question_seed(secret, spec.id, "lms-variant-0", qid))
            why = why_not_gradable(first)
            if why:
                left_out.append(f"left out {qid} ({template.kind}): {why}")
                continue
            drawn = [first] + [kind.generate(template, question_seed(secret, spec.id, f"lms-variant-{i}", qid))
                               for i in range(1, count)]
            banks.append(Bank(qid, template.title, template.points, _distinct(drawn)))
    return Quiz(spec, tuple(banks), tuple(left_out))


def why_not_gradable(variant: Variant) -> str:
    """Why an LMS cannot grade the variant itself ('' when it can): code, or a part neither number nor letter."""
    if not in_lms(variant):
        return "an LMS cannot grade code; grade it from notebooks with `cnnlab grade`"
    for box in boxes(answer_fields(variant)):
        number = isinstance(box.expected, (int, float)) and not isinstance(box.expected, bool)
        if not number and not (box.options and isinstance(box.expected, str)):
            return f"its part {box.label!r} is neither a number nor a lettered choice, which an LMS could grade"
    return ""


def _distinct(variants: list[Variant]) -> tuple[Variant, ...]:
    """The variants with repeats (same text, same answer) dropped, in draw order."""
    seen: set[tuple[str, str]] = set()
    kept: list[Variant] = []
    for variant in variants:
        key = (prompt_for(variant, "lms"), repr(variant.answer))
        if key not in seen:
            seen.add(key)
            kept.append(variant)
    return tuple(kept)


def shape(variant: Variant) -> tuple[Shape, Group, tuple[Box, ...]]:
    """How the LMS asks it: one number, one letter among options, or several parts; with its boxes."""
    group = answer_fields(variant)
    found = tuple(boxes(group))
    if len(found) == 1 and found[0].options:
        return "choice", group, found
    if len(found) == 1 and isinstance(found[0].expected, (int, float)) and not isinstance(found[0].expected, bool):
        return "number", group, found
    return "parts", group, found


def stem(variant: Variant, kind: Shape) -> str:
    """The LMS prompt (Markdown); a single choice leaves its lettered options to the LMS's own choice list."""
    text = prompt_for(variant, "lms")
    if kind == "choice":
        listed = options_markdown(list(variant.params.get("options", ())))
        if listed and listed in text:
            text = text.replace(listed, "").rstrip()
    return text


def ident(*parts: object) -> str:
    """A fixed XML id from what it names (letters and digits, starting with a letter)."""
    return "i" + hashlib.sha256("\0".join(map(str, parts)).encode("utf-8")).hexdigest()[:20]


def number(value: float | Decimal) -> str:
    """A key's number as the LMS reads it: 140800, 4.875, -1."""
    return shown(value)


def load_quiz(spec: Path, variants: int, secret_file: Path | None) -> Quiz:
    """Checked inputs drawn into a quiz; bad input is a one-line ValueError naming the file or option."""
    if not 1 <= variants <= MAX_LMS_VARIANTS:
        raise ValueError(f"--variants must be a whole number from 1 to {MAX_LMS_VARIANTS}, got {variants}")
    secret = read_secret(secret_file)
    loaded = load_spec(spec)
    quiz = draw(loaded, secret, variants)
    if not quiz.banks:
        raise ValueError(f"{spec}: no question of this spec can be graded by an LMS (they are all code)")
    return quiz
