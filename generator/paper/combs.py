"""Combs for exams read from their scans (`exam: {scan: true}`): each number box printed as a row of cells, one
character per cell, so a reader classifies each cell on its own.

A comb is sized for the template's largest answer, never this sheet's, so it gives nothing away: a cell for the sign
where some variant of the template has a negative value there, as many digit cells before the point as the longest
integer part needs and, where some value has decimals, a printed decimal point (the student never writes it)
followed by the decimals the question asks for (its tolerance's, generator/rounding.py), or the most any variant
needs when it grades exactly. Each part of an answer is sized on its own, list positions aside: a grid's cells all
alike, a layer table's shapes apart from its parameter counts; over GRID_SAMPLES variants (generator/paper/grids.py)
and the exam's own. On forms the cover carries a student-id comb: the roster ids' common letters printed before it,
a digit cell for each digit of the longest id (or `exam: {id_digits: N}`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from generator.errors import TemplateError
from generator.fields import Box, boxes
from generator.kinds import CODE_KINDS, answer_fields
from generator.model import Template, Variant
from generator.paper.grids import by_question, samples
from generator.rounding import asked_places, rounded_text

Part = tuple[str, ...]  # a box's path with list positions as '*': ('weights',), ('*', '*'), ('rows', '*', '*', '*')
ID_PATTERN = re.compile(r"(\D*)(\d+)")  # a roster id the comb can hold: letters printed, then the digits written


@dataclass(frozen=True)
class Comb:
    """The cells of one number box: an optional sign cell, digits, and decimals after a printed point."""

    sign: bool
    digits: int
    decimals: int

    def chars(self) -> tuple[str, ...]:
        """What each cell may hold, left to right: 'sign', 'digit', 'point' (printed, never written)."""
        point = ("point", *("digit",) * self.decimals) if self.decimals else ()
        return ("sign",) * self.sign + ("digit",) * self.digits + point


@dataclass(frozen=True)
class IdComb:
    """The student-id comb of a form's cover: the letters every roster id starts with, then digit cells."""

    prefix: str
    digits: int


def part_of(box: Box) -> Part:
    """Which part of its answer a box belongs to: its path with list positions blanked."""
    return tuple("*" if isinstance(step, int) else str(step) for step in box.path)


def _written(value: object, places: int | None) -> str | None:
    """A number as the key writes it in the question's rounding; None for anything that is not a number."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return rounded_text(value, places)


def template_combs(template: Template, drawn: Iterable[Variant] = ()) -> dict[Part, Comb]:
    """The comb of each numeric part of a template's answer, over its sampled variants and the exam's own ({} when
    the exam's own have no number box: letters, code)."""
    drawn = tuple(drawn)
    if template.kind in CODE_KINDS or drawn and not _numbers(drawn):
        return {}
    return {part: _comb_for(texts, places) for part, (texts, places) in _numbers((*samples(template), *drawn)).items()}


def _numbers(variants: Iterable[Variant]) -> dict[Part, tuple[list[str], int]]:
    """Each numeric part's values as written, and the most decimals any of these variants asks for."""
    written: dict[Part, list[str]] = {}
    asked: dict[Part, int] = {}
    for variant in variants:
        places = asked_places(variant)
        for box in boxes(answer_fields(variant)):
            text = None if box.options or box.by_hand else _written(box.expected, places)
            if text is not None:
                part = part_of(box)
                written.setdefault(part, []).append(text)
                asked[part] = max(asked.get(part, 0), places or 0)
    return {part: (texts, asked[part]) for part, texts in written.items()}


def _comb_for(texts: Sequence[str], places: int) -> Comb:
    """The smallest comb every written value fits, with the decimals asked for when some value has decimals."""
    wholes = [text.lstrip("-").partition(".")[0] for text in texts]
    decimals = max(len(text.partition(".")[2]) for text in texts)
    return Comb(any(text.startswith("-") for text in texts), max(map(len, wholes)),
                max(decimals, places) if decimals else 0)


def exam_combs(templates: Mapping[str, Template], variants: Sequence[Variant]) -> dict[str, dict[Part, Comb]]:
    """Each question id's combs over its template and every variant the exam prints of it."""
    return {qid: template_combs(templates[qid], drawn) for qid, drawn in by_question(variants).items()
            if qid in templates}


def box_combs(variants: Iterable[Variant], combs: Mapping[str, Mapping[Part, Comb]]) -> dict[str, Comb]:
    """Each number box of a sheet's questions (by Box.column) -> its comb."""
    return {box.column: combs[variant.qid][part_of(box)] for variant in variants
            for box in boxes(answer_fields(variant)) if variant.qid in combs and part_of(box) in combs[variant.qid]}


def id_comb(student_ids: Sequence[str], digits: int | None, where: str) -> IdComb:
    """The student-id comb for a roster: its ids' common letters and the digits of the longest id (or `digits`)."""
    parts = []
    for student_id in student_ids:
        match = ID_PATTERN.fullmatch(student_id)
        if match is None:
            raise TemplateError(where, f"exam: scan: true with --forms reads the student id from digit cells, but "
                                       f"the roster's id {student_id!r} is not letters followed by digits")
        parts.append(match.groups())
    prefixes = {prefix for prefix, _ in parts}
    if len(prefixes) > 1:
        shown = ", ".join(repr(p) for p in sorted(prefixes))
        raise TemplateError(where, f"exam: scan: true with --forms prints the letters of the student ids before "
                                   f"their digit cells, but the roster's ids start with different letters ({shown})")
    longest = max((len(number) for _, number in parts), default=0)
    if digits is not None and digits < longest:
        raise TemplateError(where, f"exam: id_digits is {digits}, but the roster has an id of {longest} digits")
    return IdComb(prefixes.pop() if prefixes else "", digits or max(longest, 1))
