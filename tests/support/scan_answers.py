"""Known answers for simulated scans: what a student writes in each box of their paper, right or a plausible
mistake, and the marks sheet the same answers give when a TA types them by hand (what `cnnlab scan` should produce).

Answers are texts as written, by marks-sheet column: '25600', '-0.25', 'B', '' for an empty box; a code area's column
holds the points its marker awards (typed, never read). Right answers are the key's values as the question rounds
them (generator/rounding.py); wrong ones are the slips students make (off by one, a digit wrong, two digits
swapped, a sign lost, the last decimal off, another letter), always fitting the printed comb, so each student's
grade differs and every reading can be checked.
"""

from __future__ import annotations

import csv
import json
import random
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from generator.fields import Box, boxes
from generator.kinds import answer_fields
from generator.model import Variant
from generator.paper.marks_sheet import FIXED, printed_columns
from generator.rounding import asked_places, rounded_text
from tests.support.scans import comb_cells

Answers = dict[str, str]  # marks-sheet column -> text as written ('' when left empty)


def key_variants(key_path: Path) -> list[Variant]:
    """A student's questions in printed order, as their key holds them."""
    return [Variant.from_key(q) for q in json.loads(key_path.read_text("utf-8"))["questions"]]


def right_answers(variants: Sequence[Variant]) -> dict[str, tuple[Box, str]]:
    """Each box of a paper by printed column: the box and its right text (a code area's: its full points)."""
    right: dict[str, tuple[Box, str]] = {}
    for number, variant in enumerate(variants, start=1):
        columns = printed_columns(number, variant)
        for box in boxes(answer_fields(variant)):
            value = box.expected
            text = value if isinstance(value, str) else rounded_text(value, asked_places(variant))
            right[columns[box.column]] = (box, text)
    return right


def layout_boxes(layout: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Every box of a layout JSON by marks-sheet column."""
    return {box["column"]: box for page in layout["pages"] for box in page["boxes"]}


def fits(text: str, box: Mapping[str, Any]) -> bool:
    """Whether a written number fits its box: a plain box takes anything; a comb its sign, digits and decimals."""
    if not box.get("chars") or not text:
        return True
    try:
        comb_cells(text, box["chars"], left_aligned=False)
    except ValueError:
        return False
    return True


def _slips(text: str, rng: random.Random) -> list[str]:
    """The plausible wrong versions of a right number, in a random order."""
    value = Decimal(text)
    places = max(0, -value.as_tuple().exponent)  # type: ignore[operator]
    step = Decimal(1).scaleb(-places)
    digits = [i for i, char in enumerate(text) if char.isdigit()]
    wrong = [value + 1, value - 1, value + step, value - step, -value]
    for index in rng.sample(digits, min(2, len(digits))):
        replaced = text[:index] + str((int(text[index]) + rng.randint(1, 9)) % 10) + text[index + 1:]
        wrong.append(Decimal(replaced))
    if len(digits) >= 2:
        first = rng.randrange(len(digits) - 1)
        a, b = digits[first], digits[first + 1]
        if b == a + 1 and text[a] != text[b]:
            wrong.append(Decimal(text[:a] + text[b] + text[a] + text[b + 1:]))
    texts = [_plain(number) for number in wrong]
    rng.shuffle(texts)
    return [candidate for candidate in dict.fromkeys(texts) if candidate != text]


def _plain(number: Decimal) -> str:
    """A number written as rounded_text writes it: no exponent, no trailing zeros, no '-0'."""
    text = format(number.normalize(), "f")
    return "0" if text == "-0" else text


def mistaken(text: str, box: Box, printed: Mapping[str, Any], rng: random.Random) -> str:
    """A student's wrong answer in one box, fitting the box; the right text when no slip fits."""
    if box.options or printed.get("holds") == "letter":
        options = [option for option in printed.get("options", ()) if option != text]
        return rng.choice(options) if options else text
    if box.by_hand or not text:
        return text
    return next((slip for slip in _slips(text, rng) if fits(slip, printed)), text)


def written_answers(variants: Sequence[Variant], layout: Mapping[str, Any], seed: int, right_share: float
                    ) -> Answers:
    """What one student writes on their paper: each question right with probability right_share, else one to three
    of its boxes slipped; now and then a question left blank; code marked a share of its points."""
    rng = random.Random(seed)
    printed = layout_boxes(layout)
    right = right_answers(variants)
    answers: Answers = {}
    for number, variant in enumerate(variants, start=1):
        columns = [column for column in printed_columns(number, variant).values() if column in printed]
        outcome = rng.random()
        if outcome < 0.03:
            answers.update({column: "" for column in columns})
            continue
        texts = {column: right[column][1] for column in columns}
        if outcome > right_share:
            filled = [column for column in columns if texts[column]]
            for column in rng.sample(filled, min(len(filled), rng.randint(1, 3))):
                texts[column] = mistaken(texts[column], right[column][0], printed[column], rng)
        for column in columns:
            if right[column][0].by_hand:
                texts[column] = _plain(Decimal(rng.randint(0, int(float(right[column][1])))))
        answers.update(texts)
    return answers


def same_reading(read: str, known: str) -> bool:
    """Whether a reading and a known answer are the same value: numbers compare as numbers (7, 7.0, 7.00), else as
    text."""
    read, known = read.strip(), known.strip()
    try:
        return Decimal(read) == Decimal(known)
    except InvalidOperation:
        return read == known


def write_typed_sheet(path: Path, rows: Iterable[tuple[str, str, str, Sequence[str], Mapping[str, str]]]) -> Path:
    """The marks sheet a TA would type from these papers (the format of generator/paper/marks_sheet.py): for each
    (student id, name, form, their printed columns, their answers), a header line where the columns change, then
    their row."""
    path.parent.mkdir(parents=True, exist_ok=True)
    header: list[str] | None = None
    with path.open("w", encoding="utf-8-sig", newline="") as file:
        writer = csv.writer(file, lineterminator="\r\n")
        for student_id, name, form, columns, answers in rows:
            if header != list(columns):
                header = list(columns)
                writer.writerow([*FIXED, *header])
            writer.writerow([student_id, name, form, *(answers.get(column, "") for column in header)])
    return path
