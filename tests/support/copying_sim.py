"""Simulated classes for copy detection: the bundled spec's real variants, honest plausible mistakes, and copiers.

Honest students get each answer right with their own ability, else make one plausible mistake: off by one, a
transposed matrix, a forgotten bias, the padding left out, channels first, another option letter, the kind's own
near miss. A copier copies 3 to 8 of a source's answers as the source gave them (right or wrong).
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from generator.grading.read import leaves
from generator.kinds import KINDS
from generator.model import Variant
from grader.copying.detect import Submitted

SPEC = Path(__file__).resolve().parents[2] / "assignments" / "cnn-problem-set.yaml"
Mistake = Callable[[Variant, Any, np.random.Generator], Any]
LETTERS = "ABCDE"


@functools.lru_cache(maxsize=4)
def _spec(path: str) -> Any:
    """The spec, read once per process."""
    from generator.spec import load_spec

    return load_spec(path)


def _sheet(args: tuple[str, str, bytes]) -> tuple[Variant, ...]:
    """One student's variants, drawn by the generator (a process-pool task)."""
    from generator.build import sheet_for
    from generator.roster import Student

    spec_path, student, secret = args
    sheet, _ = sheet_for(_spec(spec_path), Student(student, ""), secret)
    return tuple(q.variant for q in sheet.questions)


def class_variants(students: Sequence[str], secret: bytes = b"copy-sim", spec: Path = SPEC,
                   workers: int = 1) -> dict[str, tuple[Variant, ...]]:
    """Every student's variants of the spec, as `cnnlab generate` would draw them."""
    tasks = [(str(spec), s, secret) for s in students]
    if workers <= 1:
        return {s: _sheet(t) for s, t in zip(students, tasks)}
    with ProcessPoolExecutor(workers) as pool:
        return dict(zip(students, pool.map(_sheet, tasks, chunksize=64)))


def off_by_one(variant: Variant, answer: Any, rng: np.random.Generator) -> Any:
    """One number one too many or too few."""
    numbers = [path for path, value in leaves(answer) if isinstance(value, (int, float))]
    if not numbers:
        return None
    path = numbers[rng.integers(len(numbers))]
    return _set(answer, path, lambda v: v + (1 if rng.random() < 0.5 else -1))


def transposed(variant: Variant, answer: Any, rng: np.random.Generator) -> Any:
    """A matrix (the answer or a dict entry) with rows and columns swapped."""
    if _is_matrix(answer):
        return [list(row) for row in zip(*answer)]
    if isinstance(answer, dict):
        names = [k for k, v in answer.items() if _is_matrix(v)]
        if names:
            return {**answer, names[0]: [list(row) for row in zip(*answer[names[0]])]}
    return None


def forgot_bias(variant: Variant, answer: Any, rng: np.random.Generator) -> Any:
    """Weights counted, biases not: the total is the weights alone."""
    if isinstance(answer, dict) and "total" in answer and "biases" in answer:
        biases = sum(v for _, v in leaves(answer["biases"]))
        return {**answer, "total": answer["total"] - biases}
    if isinstance(answer, dict) and "rows" in answer:  # a layer table: one row's parameters without its biases
        return off_by_one(variant, answer, rng)
    return None


def padding_left_out(variant: Variant, answer: Any, rng: np.random.Generator) -> Any:
    """The output size computed as if the padding were 0."""
    p = variant.params
    if not all(k in p for k in ("H", "K", "S", "P")) or not p["P"]:
        return None
    size = lambda n: (n - p["K"]) // p["S"] + 1  # noqa: E731
    fix = lambda shape: [size(p["H"]), size(p.get("W", p["H"])), *shape[2:]]  # noqa: E731
    if isinstance(answer, list) and len(answer) == 3 and all(isinstance(v, int) for v in answer):
        return fix(answer)
    if isinstance(answer, dict) and isinstance(answer.get("output"), list) and len(answer["output"]) == 3:
        return {**answer, "output": fix(answer["output"])}
    if _is_matrix(answer):  # a convolution by hand without its zero border: the inner part of the output
        return [row[p["P"]:len(row) - p["P"]] for row in answer[p["P"]:len(answer) - p["P"]]] or None
    return None


def channels_first(variant: Variant, answer: Any, rng: np.random.Generator) -> Any:
    """An H×W×C shape written C×H×W."""
    if isinstance(answer, list) and len(answer) == 3 and all(isinstance(v, int) for v in answer):
        return [answer[2], answer[0], answer[1]]
    return None


def other_letter(variant: Variant, answer: Any, rng: np.random.Generator) -> Any:
    """Another option's letter."""
    if isinstance(answer, str) and len(answer) == 1:
        return str(rng.choice([c for c in LETTERS[:4] if c != answer]))
    if isinstance(answer, dict):
        letters = [k for k, v in answer.items() if isinstance(v, str) and len(v) == 1]
        if letters:
            return {**answer, letters[0]: str(rng.choice([c for c in LETTERS[:4] if c != answer[letters[0]]]))}
    return None


def near_miss(variant: Variant, answer: Any, rng: np.random.Generator) -> Any:
    """The kind's own near miss (generator/kinds)."""
    return KINDS[variant.kind].near_miss(variant)


MISTAKES: tuple[Mistake, ...] = (off_by_one, transposed, forgot_bias, padding_left_out, channels_first,
                                 other_letter, near_miss)


def honest(variants: Sequence[Variant], rng: np.random.Generator, ability: float) -> dict[str, Any]:
    """One honest student's answers: right with probability `ability`, else one plausible mistake."""
    answers: dict[str, Any] = {}
    for variant in variants:
        if variant.entry_point is not None:
            continue
        answer = copy.deepcopy(variant.answer)
        if rng.random() >= ability:
            for index in rng.permutation(len(MISTAKES)):
                wrong = MISTAKES[index](variant, answer, rng)
                if wrong is not None and wrong != answer:
                    answer = wrong
                    break
        answers[variant.qid] = answer
    return answers


@dataclass(frozen=True)
class SimulatedClass:
    """A simulated class: keys, every submission, and the copying pairs planted in it (copier, source)."""

    keys: Mapping[str, tuple[Variant, ...]]
    submitted: tuple[Submitted, ...]
    copied: tuple[tuple[str, str], ...]


def simulate_class(keys: Mapping[str, tuple[Variant, ...]], copiers: int, seed: int,
                   copies: tuple[int, int] = (3, 8)) -> SimulatedClass:
    """Honest answers for every student, then `copiers` disjoint pairs in which one copied 3 to 8 answers."""
    rng = np.random.default_rng(seed)
    students = sorted(keys)
    answers = {s: honest(keys[s], rng, float(rng.uniform(0.55, 0.95))) for s in students}
    chosen = rng.permutation(len(students))[:2 * copiers]
    pairs = []
    for copier, source in zip(chosen[0::2], chosen[1::2]):
        copier_id, source_id = students[copier], students[source]
        shared = sorted(set(answers[copier_id]) & set(answers[source_id]))
        count = min(len(shared), int(rng.integers(copies[0], copies[1] + 1)))
        for qid in rng.choice(shared, size=count, replace=False):
            answers[copier_id][str(qid)] = copy.deepcopy(answers[source_id][str(qid)])
        pairs.append((copier_id, source_id))
    submitted = tuple(Submitted(s, answers[s]) for s in students)
    return SimulatedClass(keys, submitted, tuple(pairs))


def _is_matrix(value: Any) -> bool:
    """A list of equal-length lists of numbers, not symmetric-square-trivially of one row."""
    return (isinstance(value, list) and len(value) > 1 and all(isinstance(r, list) for r in value)
            and len({len(r) for r in value}) == 1)


def _set(answer: Any, path: tuple[Any, ...], change: Callable[[Any], Any]) -> Any:
    """A copy of the answer with the leaf at the path changed."""
    if not path:
        return change(answer)
    result = copy.deepcopy(answer)
    target = result
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = change(target[path[-1]])
    return result
