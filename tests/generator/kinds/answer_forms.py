"""Rewrites of a variant's answer for the self-tests: wrong structures that must never score full, the untouched
stub, and the accepted alternative formats that must score full (docs/GRADING.md, "Answer rules")."""

from __future__ import annotations

import copy
from types import ModuleType
from typing import Any

import numpy as np

from generator.grading.read import Path
from generator.model import Variant

LETTERS = "ABCDEFGHIJ"


def list_paths(value: Any, path: Path = ()) -> list[Path]:
    """The path of every list inside the answer, outermost first."""
    if isinstance(value, dict):
        return [p for key in value for p in list_paths(value[key], (*path, key))]
    if isinstance(value, list):
        return [path] + [p for index, item in enumerate(value) for p in list_paths(item, (*path, index))]
    return []


def _with(value: Any, path: Path, change: Any) -> Any:
    """A deep copy of the answer with change(node) applied at path."""
    result = copy.deepcopy(value)
    if not path:
        return change(result)
    node = result
    for step in path[:-1]:
        node = node[step]
    node[path[-1]] = change(node[path[-1]])
    return result


def _other(value: Any) -> Any:
    """A different single value: the next number, or another letter."""
    return ("A" if value != "A" else "B") if isinstance(value, str) else value + 1


def over_long(answer: Any) -> list[Any]:
    """One extra entry: at the end of every list (a copy of its last entry), a matrix's extra row and column, a
    dict as a tuple with one value too many, a single value as a pair of different values."""
    forms = [_with(answer, path, lambda node: [*node, copy.deepcopy(node[-1])]) for path in list_paths(answer)]
    if isinstance(answer, list) and answer and all(isinstance(row, list) and row for row in answer):
        wider = [[*row, row[-1]] for row in answer]
        forms.append([*wider, list(wider[-1])])
    if isinstance(answer, dict):
        values = list(answer.values())
        forms.append([*values, copy.deepcopy(values[-1])])
    if not isinstance(answer, (list, dict)):
        forms.append([answer, _other(answer)])
    return forms


def under_long(answer: Any) -> list[Any]:
    """One entry missing: the last of every list of two or more, a dict's last key, a dict as too short a tuple."""
    forms = [_with(answer, path, lambda node: node[:-1]) for path in list_paths(answer)]
    forms = [form for form, path in zip(forms, list_paths(answer)) if len(_at(answer, path)) > 1]
    if isinstance(answer, dict):
        forms += [dict(list(answer.items())[:-1]), list(answer.values())[:-1]]
    return forms


def _at(value: Any, path: Path) -> Any:
    """The node at a path."""
    for step in path:
        value = value[step]
    return value


def transposed(variant: Variant) -> Any | None:
    """The answer in the other axis order (H×W×C shapes as C×H×W and back, a matrix transposed); None when that is
    the same answer (a symmetric matrix, a cube) or the answer has no axis order."""
    answer = variant.answer
    if variant.answer_format == "shape":
        flipped = [answer[2], answer[0], answer[1]]  # H×W×C asked, C×H×W given
    elif variant.answer_format == "matrix":
        flipped = [list(column) for column in zip(*answer)]
    elif variant.kind == "layer_table":
        rows = [[[s[1], s[2], s[0]] if len(s) == 3 else s, n] for s, n in answer["rows"]]  # C×H×W asked
        flipped = {"rows": rows, "total": answer["total"]}
    else:
        return None
    return None if flipped == answer else flipped


def untouched(kind: ModuleType, variant: Variant) -> Any:
    """The value the student's answer cell holds before anyone edits it."""
    namespace: dict[str, Any] = {}
    exec("import numpy as np\n" + kind.answer_stub(variant), namespace)  # noqa: S102 - our own generated source
    return namespace[variant.variable]


def accepted(variant: Variant) -> list[Any]:
    """Every alternative format the rules accept for this answer (all must score full)."""
    answer, forms = variant.answer, []
    if isinstance(answer, list):
        forms += [tuple(answer), np.array(answer)]
    if variant.answer_format == "shape":
        forms += ["x".join(map(str, answer)), " × ".join(map(str, answer)), f"({', '.join(map(str, answer))})"]
    if variant.answer_format == "vector":
        forms += [[[v] for v in answer], np.array(answer)[:, None], [answer]]
    if variant.answer_format == "choice":
        text = variant.params["options"][LETTERS.index(answer)]
        forms += [f"({answer})", f"Option {answer}", f"{answer.lower()})", f"{answer}. {text}", text, text.upper(),
                  [answer]]
    if variant.answer_format in ("number", "numbers") or variant.kind == "mlp_params":
        forms += [[answer]] if not isinstance(answer, dict) else [list(answer.values())]
    if variant.kind == "receptive_field" and not isinstance(answer, list):
        forms.append((answer, answer))
    if variant.kind == "mlp_params" and isinstance(answer, dict):
        forms.append((list(zip(answer["weights"], answer["biases"])), answer["total"]))
    if variant.kind == "layer_table":
        text = [["x".join(map(str, s)) if len(s) > 1 else s[0], n] for s, n in answer["rows"]]
        forms += [(answer["rows"], answer["total"]), {"rows": text, "total": answer["total"]}]
    return forms
