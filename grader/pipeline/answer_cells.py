"""Which cells hold a question's answer, as students' editors leave them: copies, stubs, stripped metadata, Colab.

Shared by the grader (grader/pipeline/steps.py) and `cnnlab check` (grader/pipeline/form_check.py), so both pick
the same cell and say the same thing. Everything here reads source text only: nothing of the student's runs.
"""

from __future__ import annotations

import ast
import re
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from grader.pipeline.notebook import Cell

ANSWER_ROLES = ("answer", "code")
COLAB_IMPORT = re.compile(r"^[ \t]*(?:from[ \t]+google\.colab\b|import[ \t]+google\.colab\b)", re.MULTILINE)
STRIPPED = "no cell carries its cnnlab metadata (stripped, e.g. by `nbstripout --extra-keys` or an editor's cleanup)"


def empty_value(value: Any) -> bool:
    """The untouched stub's value: every leaf None, Ellipsis or blank text."""
    if isinstance(value, dict):
        return all(empty_value(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return all(empty_value(v) for v in value)
    return value is None or value is Ellipsis or (isinstance(value, str) and not value.strip())


def _literal_empty(node: ast.expr | None) -> bool:
    """An assigned value that is a literal with nothing filled in (`None`, `(None, None)`, `{'total': None}`)."""
    try:
        return node is not None and empty_value(ast.literal_eval(node))
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return False


def _not_implemented(node: ast.Raise) -> bool:
    """`raise NotImplementedError(...)`: the body the code stubs ship."""
    target = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
    return isinstance(target, ast.Name) and target.id == "NotImplementedError"


def _stub_statement(node: ast.stmt) -> bool:
    """A statement the handed-out stubs consist of: imports, docstrings, `...`, `pass`, empty assignments."""
    if isinstance(node, (ast.Import, ast.ImportFrom, ast.Pass)):
        return True
    if isinstance(node, ast.Expr):
        return isinstance(node.value, ast.Constant)
    if isinstance(node, ast.Raise):
        return _not_implemented(node)
    if isinstance(node, (ast.Assign, ast.AnnAssign)):
        return _literal_empty(node.value)
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return all(_stub_statement(inner) for inner in node.body)
    return False


def untouched(source: str) -> bool:
    """Whether a cell holds no answer yet: empty, or the stub as handed out (values None, bodies unwritten)."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return False  # magics or a half-written line: the student typed something
    return all(_stub_statement(node) for node in tree.body)


def answer_cells(found: Iterable[Cell]) -> dict[str, list[Cell]]:
    """Every answer or code cell by its question id, in notebook order."""
    by_qid: dict[str, list[Cell]] = defaultdict(list)
    for cell in found:
        if cell.cell_type == "code" and cell.cnnlab.get("role") in ANSWER_ROLES:
            by_qid[str(cell.cnnlab.get("qid"))].append(cell)
    return by_qid


def _numbers(cells: list[Cell]) -> str:
    """'cell 8', 'cells 8 and 9' or 'cells 4, 8 and 9': as the student counts them in Jupyter."""
    numbers = [str(c.number) for c in cells]
    if len(numbers) == 1:
        return f"cell {numbers[0]}"
    return f"cells {', '.join(numbers[:-1])} and {numbers[-1]}"


def drop_untouched_copies(found: tuple[Cell, ...]) -> tuple[tuple[Cell, ...], tuple[str, ...]]:
    """Where a question has several answer cells, the untouched stubs among them are left out; one note each.

    A student who copies an answer cell, answers one copy and leaves the stub below would otherwise have the stub
    run last and erase the answer. Where several copies hold answers, all run in order and the last one counts.
    """
    dropped: set[int] = set()
    notes = []
    for qid, copies in answer_cells(found).items():
        if len(copies) < 2:
            continue
        stubs = [c for c in copies if untouched(c.source)]
        answered = [c for c in copies if c not in stubs]
        if answered and stubs:
            dropped.update(c.index for c in stubs)
            notes.append(f"question {qid}: {len(copies)} answer cells ({_numbers(copies)}); {_numbers(stubs)} "
                         f"{'holds' if len(stubs) == 1 else 'hold'} the untouched stub, so the answer in "
                         f"{_numbers(answered)} counts")
        else:
            notes.append(f"question {qid}: {len(copies)} answer cells ({_numbers(copies)}); all ran in order, "
                         "the last one's value counts")
    return tuple(c for c in found if c.index not in dropped), tuple(notes)


def colab_notes(found: Iterable[Cell]) -> tuple[str, ...]:
    """One note for the cells that import google.colab, which exists only on Colab."""
    importing = [c for c in found if c.cell_type == "code" and COLAB_IMPORT.search(c.source)]
    if not importing:
        return ()
    note = (f"{_numbers(importing)} import{'s' if len(importing) == 1 else ''} google.colab, which exists only on "
            "Colab: here it is a stand-in whose functions (drive.mount, files.upload, ...) do nothing, and the rest "
            "of the cell still runs; answers must not depend on files from Drive or uploads")
    return (note,)
