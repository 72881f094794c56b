"""Notebooks as plain nbformat-v4 dicts, built by a list of small steps declared in order (STUDENT_STEPS,
INSTRUCTOR_STEPS). Answer cells are found by `metadata.cnnlab`, never by position (docs/CONTRACT.md)."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from types import ModuleType
from typing import Any

from generator.answer_form import Form, answer_form
from generator.model import SETUP_SOURCE
from generator.model import Variant
from generator.render import number

Cell = dict[str, Any]
NOTEBOOK_FORMAT = 1
KERNELSPEC = {"display_name": "Python 3", "language": "python", "name": "python3"}


@dataclass(frozen=True)
class Question:
    """A question as placed in one student's notebook."""

    number: int
    variant: Variant
    kind: ModuleType

    @property
    def is_code(self) -> bool:
        """Coding exercises have a code cell and checks instead of an answer cell."""
        return self.variant.entry_point is not None

    # Both notebooks show these: each is made once per question, and the cells are the same dicts in both (so
    # dumps with a memo encodes them once).
    @cached_property
    def stub(self) -> str:
        """The student's answer (or code) cell: the kind's stub."""
        return self.kind.answer_stub(self.variant)

    @cached_property
    def form(self) -> Form:
        """The answer's form, for `cnnlab check`: no more than the stub shows."""
        return answer_form(self.variant, self.stub)

    @cached_property
    def prompt_cell(self) -> Cell:
        """'## Question 3: Title (4 points)', the prompt and what to do, as a Markdown cell."""
        v = self.variant
        declared = getattr(self.kind, "entry_points", None)  # a cell that defines several functions names them all
        names = " and ".join(f"`{name}`" for name in (declared(v) if declared else (v.entry_point,)))
        how = (f"Complete {names} in the code cell below; the cell after it runs a few visible sanity "
               "checks." if self.is_code else f"Assign your answer to `{v.variable}` in the cell below.")
        heading = (f"## Question {self.number}: {v.title} ({number(v.points)} point{'s' if v.points != 1 else ''})"
                   f"\n\n{self.kind.render(v)}\n\n*{how}*")
        return markdown(f"q{self.number:02d}-prompt", heading, {"qid": v.qid, "role": "prompt"})

    @cached_property
    def check_cell(self) -> Cell:
        """A coding exercise's visible sanity checks, as a code cell."""
        v = self.variant
        return code(f"q{self.number:02d}-check", self.kind.checks_source(v), {"qid": v.qid, "role": "check"})


@dataclass(frozen=True)
class Sheet:
    """Everything one student's notebooks are made from."""

    assignment: str
    title: str
    instructions: str
    due: str
    student_id: str
    student_name: str
    questions: tuple[Question, ...]

    @property
    def total_points(self) -> float:
        """Points of the whole assignment."""
        return sum(q.variant.points for q in self.questions)


def markdown(cell_id: str, source: str, meta: dict[str, Any] | None = None) -> Cell:
    """A Markdown cell with a fixed id."""
    return {"cell_type": "markdown", "id": cell_id, "metadata": {"cnnlab": meta} if meta else {}, "source": source}


def code(cell_id: str, source: str, meta: dict[str, Any] | None = None) -> Cell:
    """An unexecuted code cell with a fixed id."""
    return {"cell_type": "code", "execution_count": None, "id": cell_id,
            "metadata": {"cnnlab": meta} if meta else {}, "outputs": [], "source": source}


def header_lines(sheet: Sheet, due_label: str = "Due") -> list[str]:
    """Title, student, due date, points and instructions, as Markdown lines."""
    who = f"{sheet.student_name} ({sheet.student_id})" if sheet.student_name else sheet.student_id
    lines = [f"# {sheet.title}", "", f"**Student:** {who}  "]
    if sheet.due:
        lines.append(f"**{due_label}:** {sheet.due}  ")
    lines.append(f"**Points:** {number(sheet.total_points)} in {len(sheet.questions)} questions")
    return lines + (["", sheet.instructions] if sheet.instructions else [])


def title_cell(sheet: Sheet) -> list[Cell]:
    """The header as the first cell."""
    return [markdown("title", "\n".join(header_lines(sheet)), {"role": "title"})]


def setup_cell(sheet: Sheet) -> list[Cell]:
    """The imports every answer may use."""
    return [code("setup", SETUP_SOURCE, {"role": "setup"})]


def _answer_cells(question: Question, source: str) -> list[Cell]:
    """The prompt, the answer (or code) cell carrying the contract metadata, and the checks for code."""
    v, n = question.variant, question.number
    cells = [question.prompt_cell]
    if question.is_code:
        cells.append(code(f"q{n:02d}-code", source, {"qid": v.qid, "role": "code", "entry_point": v.entry_point}))
        cells.append(question.check_cell)
    else:
        cells.append(code(f"q{n:02d}-answer", source, {"qid": v.qid, "role": "answer", "variable": v.variable,
                                                        "form": question.form}))
    return cells


def student_questions(sheet: Sheet) -> list[Cell]:
    """Every question with an empty answer cell or a stub."""
    return [cell for q in sheet.questions for cell in _answer_cells(q, q.stub)]


def instructor_questions(sheet: Sheet) -> list[Cell]:
    """Every question with the correct answer filled in, followed by its worked solution."""
    cells = []
    for q in sheet.questions:
        cells += _answer_cells(q, q.kind.solution_source(q.variant))
        cells.append(markdown(f"q{q.number:02d}-solution", "### Worked solution\n\n" + q.kind.explain(q.variant),
                              {"qid": q.variant.qid, "role": "solution"}))
    return cells


def closing_cell(sheet: Sheet) -> list[Cell]:
    """How to hand in."""
    return [markdown("end", "---\nSave this notebook and submit the `.ipynb` file as it is: keep every answer "
                            "variable's name and do not delete or reorder cells.", {"role": "end"})]


Step = Callable[[Sheet], list[Cell]]
STUDENT_STEPS: tuple[Step, ...] = (title_cell, setup_cell, student_questions, closing_cell)
INSTRUCTOR_STEPS: tuple[Step, ...] = (title_cell, setup_cell, instructor_questions)


def build_notebook(sheet: Sheet, steps: tuple[Step, ...], audience: str) -> dict[str, Any]:
    """Run the steps in order and wrap their cells in an nbformat 4.5 notebook."""
    meta: dict[str, Any] = {"format": NOTEBOOK_FORMAT, "assignment": sheet.assignment, "student_id": sheet.student_id}
    if audience != "student":
        meta["audience"] = audience
    cells = [cell for step in steps for cell in step(sheet)]
    return {"cells": cells, "metadata": {"cnnlab": meta, "kernelspec": KERNELSPEC,
                                         "language_info": {"name": "python"}}, "nbformat": 4, "nbformat_minor": 5}


_ENCODER = json.JSONEncoder(sort_keys=True, ensure_ascii=False)
_ASCII = json.JSONEncoder(sort_keys=True)  # a third faster; it differs from _ENCODER only where it writes \uXXXX


def _compact(value: Any) -> str:
    """_ENCODER's text: _ASCII's, unless that escaped a character (as \\uXXXX), which only _ENCODER keeps as is."""
    text = _ASCII.encode(value)
    return _ENCODER.encode(value) if "\\u" in text else text


def dumps(data: dict[str, Any], memo: dict[int, tuple[Any, str]] | None = None) -> str:
    """Deterministic JSON: sorted keys, each top-level key and each list item (cell, question) on its own line.

    Diffs stay per cell, and every item goes through json's C encoder (indent= would force the slow Python one).
    A memo shared by several calls encodes a list item they share (the same object) once; it holds the items, so
    their ids stay theirs while it lives.
    """
    def encoded(item: Any) -> str:
        """One list item's text, from the memo when another call already encoded this very object."""
        if memo is None:
            return _compact(item)
        if id(item) not in memo:
            memo[id(item)] = (item, _compact(item))
        return memo[id(item)][1]

    lines = []
    for key in sorted(data):
        value = data[key]
        if isinstance(value, list) and value:
            items = ",\n".join(f"  {encoded(item)}" for item in value)
            lines.append(f" {_compact(key)}: [\n{items}\n ]")
        else:
            lines.append(f" {_compact(key)}: {_compact(value)}")
    return "{\n" + ",\n".join(lines) + "\n}\n"
