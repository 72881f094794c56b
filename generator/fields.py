"""The parts of an answer a person fills in by hand: one box per number or letter, laid out as the answer is.

One tree serves three media: the answer boxes of a paper exam, the columns of the marks sheet that TAs type,
and the blanks of an LMS quiz. `fill` turns typed text back into the answer's own structure, which the kind's
own checker then grades, so paper, LMS and notebook answers are judged by the same rules.
A kind may declare `fields(variant) -> Group` (the layer table does); `derive` covers every other answer.

Where the answer's shape is asked (a convolution's or pooling's output), a paper variant carries `answer_grid`
(generator/paper/grids.py): its row or grid then has as many boxes as the largest answer of the template needs,
those beyond this variant's answer `spare` (no expected value). `fill` reads what was written there as a person
wrote it: empty spare boxes are no entry, filled ones entries beyond the key's, which the answer rules count wrong.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from generator.model import Variant

Path = tuple[str | int, ...]
LETTERS = "ABCDEFGHIJ"
SHAPE_LABELS = ("H", "W", "C")  # generator.grading.read.SHAPE_ORDER: height, width, channels
THOUSANDS = re.compile(r"-?\d{1,3}(,\d{3})+")


@dataclass(frozen=True)
class Box:
    """One value a person writes: where it sits in the answer, its label on paper, its column, the key's value."""

    path: Path
    label: str
    column: str
    expected: Any
    options: tuple[str, ...] = ()  # the lettered options' texts when the value is a letter
    by_hand: bool = False  # code written on paper: the box holds the points a marker awards against the rubric
    spare: bool = False  # beyond this variant's answer, in a grid sized for the template's largest: to stay empty


@dataclass(frozen=True)
class Group:
    """Boxes laid out together: 'row' (a vector, a shape), 'grid' (a matrix), 'list' (labelled lines), 'table'."""

    label: str
    layout: str
    items: tuple[Box | Group, ...]
    note: str = ""  # text printed beside the label (a table row's description)
    header: tuple[str, ...] = ()  # a table's column titles


def boxes(field: Box | Group) -> Iterator[Box]:
    """Every box of a field, in reading order."""
    if isinstance(field, Box):
        yield field
        return
    for item in field.items:
        yield from boxes(item)


def part_names(field: Box | Group) -> dict[Path, str]:
    """Each box's full name as the student reads it, for feedback: 'weights', 'output H', 'row 2, column 3'.

    Built from the same labels the paper boxes carry, so feedback, paper and LMS name a part alike: the labels of
    the groups around a box, then its own ('1' is 'entry 1', a letter box is named without its '(letter)').
    """
    return dict(_names(field, ()))


def _names(field: Box | Group, outer: tuple[str, ...]) -> Iterator[tuple[Path, str]]:
    """(path, name) of every box under a field, given the labels of the groups around it."""
    if isinstance(field, Box):
        own = "answer" if field.label == "letter" else field.label.removesuffix(" (letter)")
        yield field.path, " ".join((*outer, f"entry {own}" if own.isdigit() else own)) if outer or own else "answer"
        return
    inner = (*outer, field.label) if field.label not in ("", "answer") else outer
    for item in field.items:
        if field.layout == "grid" and isinstance(item, Group):  # a matrix: 'row 2, column 3' from 'row 2' and '2,3'
            for box in boxes(item):
                yield box.path, " ".join((*inner, f"{item.label}, column {box.label.split(',')[-1]}"))
        else:
            yield from _names(item, inner)


def derive(variant: Variant) -> Group:
    """The answer's boxes, read off the answer's structure and format (and its grid on paper)."""
    qid, answer, grid = variant.qid, variant.answer, variant.answer_grid or {}
    if variant.entry_point is not None:
        return Group("", "list", (Box((), "points awarded", f"{qid}.points", variant.points, by_hand=True),))
    if variant.answer_format == "shape":
        return _row((), qid, answer, SHAPE_LABELS)
    if isinstance(answer, dict):
        return Group("", "list", tuple(_value((key,), f"{qid}.{key}", key.replace("_", " "), item, variant,
                                              grid.get(key)) for key, item in answer.items()))
    item = _value((), qid, "answer", answer, variant, grid.get(""))
    return item if isinstance(item, Group) else Group("", "list", (item,))


def is_matrix(value: Any) -> bool:
    """A non-empty list of lists: a grid of boxes."""
    return isinstance(value, list) and bool(value) and all(isinstance(row, list) for row in value)


def _value(path: Path, column: str, label: str, value: Any, variant: Variant,
           size: list[int] | None = None) -> Box | Group:
    """A number or letter is one box; a list of numbers a row; a list of lists a grid (`size` boxes, when larger)."""
    if is_matrix(value):
        rows = max(len(value), size[0] if size and len(size) == 2 else 0)
        columns = max(max(len(row) for row in value), size[1] if size and len(size) == 2 else 0)
        return Group(label, "grid", tuple(
            Group(f"row {i + 1}", "row", tuple(_cell((*path, i, j), f"{i + 1},{j + 1}", f"{column}.r{i + 1}c{j + 1}",
                                                     value[i] if i < len(value) else [], j) for j in range(columns)))
            for i in range(rows)))
    if isinstance(value, list):
        length = max(len(value), size[0] if size and len(size) == 1 else 0)
        return Group(label, "row", tuple(_cell((*path, i), str(i + 1), f"{column}.{i + 1}", value, i)
                                         for i in range(length)))
    if isinstance(value, str):
        return Box(path, f"{label} (letter)" if label != "answer" else "letter", column, value,
                   tuple(str(o) for o in variant.params.get("options", ())))
    return Box(path, label, column, value)


def _cell(path: Path, label: str, column: str, values: list[Any], index: int) -> Box:
    """One box of a row or grid: the answer's entry, or a spare box beyond the answer."""
    if index < len(values):
        return Box(path, label, column, values[index])
    return Box(path, label, column, None, spare=True)


def has_spares(field: Box | Group) -> bool:
    """Whether some boxes are beyond the answer (paper says: leave unused boxes empty)."""
    return any(box.spare for box in boxes(field))


def shape_row(variant: Variant, key: str) -> Group:
    """A dict answer's entry that is an output shape: boxes H, W and C, as a shape answer gets."""
    return _row((key,), f"{variant.qid}.{key}", variant.answer[key], SHAPE_LABELS, key.replace("_", " "))


def named_row(variant: Variant, key: str, labels: tuple[str, ...]) -> Group:
    """A dict answer's list entry as boxes side by side, each named by the kind (a class, a matrix's rows and
    columns) instead of numbered from 1: no spare boxes, since the prompt states how many there are."""
    return _row((key,), f"{variant.qid}.{key}", variant.answer[key], labels, key.replace("_", " "))


def _row(path: Path, column: str, values: list[Any], labels: tuple[str, ...], label: str = "") -> Group:
    """Boxes side by side, one per entry."""
    return Group(label, "row", tuple(Box((*path, i), name, f"{column}.{name}", value)
                                     for i, (name, value) in enumerate(zip(labels, values))))


def skeleton(answer: Any) -> Any:
    """The answer's structure with every leaf blank (None)."""
    if isinstance(answer, dict):
        return {key: skeleton(item) for key, item in answer.items()}
    if isinstance(answer, list):
        return [skeleton(item) for item in answer]
    return None


def parse(box: Box, text: str) -> Any:
    """What a person typed for one box: a number, or a letter among the options; '' is blank (None)."""
    text = text.strip().replace("\u2212", "-")
    if not text:
        return None
    if box.options:
        letter = text.strip("()").upper()
        if len(letter) != 1 or letter not in LETTERS[:len(box.options)]:
            raise ValueError(f"{text!r} is not one of the letters {', '.join(LETTERS[:len(box.options)])}")
        return letter
    plain = text.replace(",", "") if THOUSANDS.fullmatch(text) else text.replace(" ", "")
    try:
        return int(plain)
    except ValueError:
        pass
    try:
        number = float(plain)
    except ValueError:
        raise ValueError(f"{text!r} is not a number") from None
    if number != number or number in (float("inf"), float("-inf")):
        raise ValueError(f"{text!r} is not a finite number")
    return number


def fill(variant: Variant, group: Group, typed: Mapping[str, str]) -> tuple[Any, dict[str, str]]:
    """The answer rebuilt from typed text by column, and each unreadable column's one-line reason."""
    value: Any = skeleton(variant.answer) if variant.entry_point is None else None
    problems: dict[str, str] = {}
    gridded = [() if key == "" else (key,) for key in variant.answer_grid or {}]
    written: dict[Path, dict[Path, Any]] = {prefix: {} for prefix in gridded}  # a grid's cells by their index
    for box in boxes(group):
        try:
            parsed = parse(box, typed.get(box.column, ""))
        except ValueError as error:
            problems[box.column] = str(error)
            continue
        prefix = next((p for p in gridded if box.path[:len(p)] == p and len(box.path) > len(p)), None)
        if prefix is not None:
            written[prefix][box.path[len(prefix):]] = parsed
        elif not box.path:
            value = parsed
        else:
            _put(value, box.path, parsed)
    for prefix, cells in written.items():
        part = as_written(_at(variant.answer, prefix), cells)
        if prefix:
            _put(value, prefix, part)
        else:
            value = part
    return value, problems


def _at(value: Any, path: Path) -> Any:
    """The entry at a path inside nested lists and dicts."""
    for step in path:
        value = value[step]
    return value


def _put(value: Any, path: Path, entry: Any) -> None:
    """Set the entry at a (non-empty) path inside nested lists and dicts."""
    _at(value, path[:-1])[path[-1]] = entry


def as_written(expected: list[Any], cells: Mapping[Path, Any]) -> list[Any]:
    """A gridded answer as a person wrote it: the key's own positions (blank: None), then the values written in
    spare boxes (empty spare boxes are no entry); empty trailing entries, rows and columns are not part of it."""
    if not is_matrix(expected):
        entries = [cells.get((i,)) for i in range(len(expected))]
        entries += [entry for index, entry in sorted(cells.items()) if index[0] >= len(expected) and entry is not None]
        while entries and entries[-1] is None:
            entries.pop()
        return entries
    height, width = len(expected), max(len(row) for row in expected)
    grid = [[cells.get((i, j)) for j in range(width)] for i in range(height)]
    beyond: dict[int, list[Any]] = {}  # row -> what was written in its spare boxes, left to right
    for (i, j), entry in sorted(cells.items()):
        if entry is not None and (i >= height or j >= width):
            beyond.setdefault(i, []).append(entry)
    while width and not beyond and all(row[width - 1] is None for row in grid):
        width -= 1  # a column left out, with nothing written beyond it: the answer is narrower than the key's
        grid = [row[:width] for row in grid]
    matrix = [(grid[i] if i < height else []) + beyond.get(i, [])
              for i in range(max(height, max(beyond, default=-1) + 1)) if i < height or i in beyond]
    while matrix and all(entry is None for entry in matrix[-1]):
        matrix.pop()  # rows left out at the end: the answer is shorter than the key's
    return matrix


def shown(value: Any) -> str:
    """A key value as a person writes it: 140800, 4.875, B; a spare box's (None) is empty."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)

