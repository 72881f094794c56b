"""Copy detection that per-student variants make possible: a wrong answer that is another student's right one.

Every student gets different numbers, so a wrong answer part that equals the key of another student's variant (or
that student's own rare wrong answer) is evidence that one saw the other's work. The class's key is indexed (part
-> value -> students), never scanned pairwise. Each match is weighed by how rare its value is among the class's
right answers and the wrong answers students actually gave: evidence = -ln P(value by chance). A pair is reported
only when the evidence of at least MIN_QUESTIONS questions sums to THRESHOLD. A wrong value that one of the
question's known misconceptions gives on the student's own variant is weak evidence (MISCONCEPTION_EVIDENCE): two
students making the same common mistake are not copying. A flag is evidence for a person to review, never a penalty:
nothing here changes a score or reaches a student.
"""

from __future__ import annotations

import gc
import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from generator.grading.compare import leaf_matches
from generator.grading.misconceptions import MISSING, value_at
from generator.grading.read import as_number, leaves, path_label, read, rules_for, to_plain
from generator.kinds import misconceptions
from generator.model import Variant

THRESHOLD = 9.0  # nats summed over questions; calibrated on simulated honest classes (benchmarks/copy_detection.py)
CALIBRATED = 300  # the class size THRESHOLD was chosen for
SMALLEST = 16  # classes smaller than this are weighed as this size: their rarities are too coarse to go lower
MIN_QUESTIONS = 2  # a pair needs matches in this many questions: one question alone is never enough
MIN_EVIDENCE = 3.0  # a match weaker than this (a value that 1 in 20 answers share) is not counted
PART_WEIGHT = 0.5  # a part of a multi-part answer, matched alone, counts half (its other parts did not match)
MAX_OWNERS = 50  # a value in more students' keys than this points at nobody in particular
MISCONCEPTION_EVIDENCE = math.log(5)  # a known mistake's value, weighed as common: as if 1 answer in 5 gave it
WHOLE = ("*",)  # the path of a whole multi-part answer, matched as one value
Part = tuple[str, tuple[Any, ...]]  # (question id, path inside the answer)


@dataclass(frozen=True)
class Submitted:
    """What one submission gave: the student and each answer question's submitted value (plain JSON)."""

    student_id: str
    values: Mapping[str, Any]


@dataclass(frozen=True)
class Match:
    """One wrong answer part of `student` that is `owner`'s right answer ('key') or `owner`'s wrong one ('wrong')."""

    student: str
    owner: str
    qid: str
    part: str
    value: str
    how: str  # "key": the right answer of owner's variant; "wrong": owner gave the same wrong answer
    evidence: float


@dataclass(frozen=True)
class Pair:
    """Two students whose answers match more than chance explains, with every match and the summed evidence."""

    first: str
    second: str
    strength: float
    questions: tuple[str, ...]
    matches: tuple[Match, ...]


def norm(value: Any, tolerance: float) -> Any:
    """A leaf as a hashable bucket: letters upper-cased, numbers on the question's tolerance grid; None if neither."""
    if type(value) is int and not tolerance:
        return value  # exact integers, the common case, as they are (5 and 5.0 are one dict key)
    if isinstance(value, str) and len(value.strip()) == 1 and value.strip().isalpha():
        return value.strip().upper()
    number = as_number(value)
    if number is None or not math.isfinite(number) or abs(number) > 1e15:
        return None
    return round(number / tolerance) if tolerance else round(number, 6)


def walk(value: Any, tolerance: float, path: tuple[Any, ...] = (), into: dict[tuple[Any, ...], Any] | None = None
         ) -> dict[tuple[Any, ...], Any]:
    """Every leaf's path (as generator.grading.read.leaves and the answer boxes name it) and bucket, in answer order."""
    found: dict[tuple[Any, ...], Any] = {} if into is None else into
    if type(value) is dict:
        for key, item in value.items():
            walk(item, tolerance, (*path, key), found)
    elif type(value) is list:
        for index, item in enumerate(value):
            walk(item, tolerance, (*path, index), found)
    else:
        found[path] = norm(value, tolerance)
    return found


def whole(parts: Mapping[tuple[Any, ...], Any]) -> tuple[Any, ...] | None:
    """A whole answer as one hashable value, whatever its dict order: its (path, bucket) pairs, sorted."""
    return None if None in parts.values() else tuple(sorted(parts.items()))  # a container's paths share a type


def key_parts(variant: Variant) -> dict[tuple[Any, ...], Any]:
    """The key's parts (the answer boxes' paths, generator/fields.py) and their buckets; the whole answer too."""
    found = walk(variant.answer, variant.tolerance)
    if len(found) > 1:
        found[WHOLE] = whole(found)
    return found


def wrong_parts(variant: Variant, submitted: Any) -> dict[tuple[Any, ...], tuple[Any, str]]:
    """The submitted parts that are wrong for this variant: path -> (bucket, as written), the whole answer too."""
    if submitted == variant.answer:
        return {}  # right as the key has it: the common case, at no cost
    expected = leaves(variant.answer)
    try:
        given = read(variant.answer, to_plain(submitted), rules_for(variant))
    except Exception:  # noqa: BLE001 - a submission must never make detection raise
        return {}
    wrong: dict[tuple[Any, ...], tuple[Any, str]] = {}
    for path, value in expected:
        leaf = _at(given, path)
        bucket = norm(leaf, variant.tolerance)
        if bucket is not None and not leaf_matches(value, leaf, variant.tolerance):
            wrong[tuple(path)] = (bucket, str(leaf)[:40])
    given_parts = walk(given, variant.tolerance)
    if len(expected) > 1 and len(given_parts) > 1 and (wrong or len(given_parts) != len(expected)):
        bucket = whole(given_parts)
        if bucket is not None:
            wrong[WHOLE] = (bucket, str(given)[:120])
    return wrong


def _at(value: Any, path: Iterable[Any]) -> Any:
    """The leaf at a path of the key's structure inside a submission, or None where the submission differs."""
    found = value_at(value, tuple(path))
    return None if found is MISSING or isinstance(found, (list, dict)) else found


@dataclass(frozen=True)
class Index:
    """The class's key and wrong answers by part: value -> students, and how often each value occurs."""

    keys: Mapping[Part, Mapping[Any, list[str]]]
    wrongs: Mapping[Part, Mapping[Any, list[str]]]
    totals: Mapping[Part, int]  # students asked the question plus wrong answers given at the part
    min_evidence: float = MIN_EVIDENCE  # weaker matches are not counted (min_evidence_for the class size)

    def evidence(self, part: Part, bucket: Any) -> float:
        """-ln of the chance that one more answer at this part has this value (the student's own left out)."""
        seen = len(self.keys[part].get(bucket, ())) + len(self.wrongs[part].get(bucket, ())) - 1
        return -math.log((seen + 1) / max(self.totals[part] - 1, 1))


def build_index(keys: Mapping[str, Sequence[Variant]],
                wrong: Mapping[str, Mapping[Part, tuple[Any, str]]]) -> Index:
    """Index every student's key parts and every student's wrong parts (one vote per student and value)."""
    by_key: dict[Part, dict[Any, list[str]]] = defaultdict(lambda: defaultdict(list))
    by_wrong: dict[Part, dict[Any, list[str]]] = defaultdict(lambda: defaultdict(list))
    asked: Counter[str] = Counter()  # students whose key has the question: the key side of every part's total
    for student, variants in keys.items():
        for variant in variants:
            if variant.entry_point is None:
                asked[variant.qid] += 1
                for path, bucket in key_parts(variant).items():
                    by_key[(variant.qid, path)][bucket].append(student)
    for student, parts in wrong.items():
        for part, (bucket, _) in parts.items():
            by_wrong[part][bucket].append(student)
    totals = {part: asked[part[0]] + sum(map(len, by_wrong[part].values())) for part in by_wrong}
    return Index(by_key, by_wrong, totals, min_evidence_for(len(keys)))


def wrong_by_student(keys: Mapping[str, Sequence[Variant]], submitted: Sequence[Submitted]
                     ) -> dict[str, dict[Part, tuple[Any, str]]]:
    """Each student's wrong parts over all of their submissions (one student never pairs with themself)."""
    found: dict[str, dict[Part, tuple[Any, str]]] = defaultdict(dict)
    for submission in submitted:
        variants = {v.qid: v for v in keys.get(submission.student_id, ()) if v.entry_point is None}
        for qid, value in submission.values.items():
            if qid in variants and value is not None:
                for path, item in wrong_parts(variants[qid], value).items():
                    found[submission.student_id].setdefault((qid, path), item)
    return found


def _label(path: tuple[Any, ...]) -> str:
    """A part's name for people: 'weights', 'rows[0][1]', or 'whole answer'."""
    return "whole answer" if path == WHOLE else path_label(path)


def misconception_parts(variant: Variant) -> frozenset[tuple[tuple[Any, ...], Any]]:
    """(path, bucket) of every part that a known misconception of the question gives on this variant, whole too."""
    found: set[tuple[tuple[Any, ...], Any]] = set()
    for _, value in misconceptions(variant):
        parts = walk(value, variant.tolerance)
        found.update(parts.items())
        if len(parts) > 1 and whole(parts) is not None:
            found.add((WHOLE, whole(parts)))
    return frozenset(found)


@dataclass
class Mistakes:
    """Which wrong parts a known misconception explains on the student's own variant, worked out on first ask."""

    keys: Mapping[str, Sequence[Variant]]
    known: dict[tuple[str, str], frozenset[tuple[tuple[Any, ...], Any]]] = field(default_factory=dict)

    def explain(self, student: str, part: Part, bucket: Any) -> bool:
        """Whether one of the question's misconceptions gives this value at this part of the student's variant."""
        if (student, part[0]) not in self.known:
            variant = next((v for v in self.keys.get(student, ()) if v.qid == part[0]), None)
            self.known[(student, part[0])] = misconception_parts(variant) if variant is not None else frozenset()
        return (part[1], bucket) in self.known[(student, part[0])]


def matches(index: Index, wrong: Mapping[str, Mapping[Part, tuple[Any, str]]], mistakes: Mistakes) -> Iterable[Match]:
    """Every match worth counting: a student's wrong part that is another's right or (rare) wrong value.

    A value a known misconception explains counts as MISCONCEPTION_EVIDENCE at most: a wrong value that is another's
    right one, when it is the student's own mistake; a shared wrong value, when it is both's.
    """
    for student, parts in wrong.items():
        for part, (bucket, shown) in parts.items():
            evidence = index.evidence(part, bucket) * (1.0 if part[1] == WHOLE or part[1] == () else PART_WEIGHT)
            if evidence < index.min_evidence:
                continue
            mine = mistakes.explain(student, part, bucket)
            for how, table in (("key", index.keys), ("wrong", index.wrongs)):
                owners = table[part].get(bucket, ()) if part in table else ()
                if len(owners) > MAX_OWNERS:
                    continue
                for owner in owners:
                    if owner != student and (how == "key" or student < owner):  # a shared wrong answer once
                        weak = mine and (how == "key" or mistakes.explain(owner, part, bucket))
                        weight = min(evidence, MISCONCEPTION_EVIDENCE) if weak else evidence
                        if weight >= index.min_evidence:
                            yield Match(student, owner, part[0], _label(part[1]), shown, how, weight)


def pairs(found: Iterable[Match], threshold: float = THRESHOLD, min_questions: int = MIN_QUESTIONS) -> list[Pair]:
    """Pairs whose per-question evidence (distinct values summed, capped) sums to the threshold, strongest first."""
    grouped: dict[tuple[str, str], list[Match]] = defaultdict(list)
    for match in found:
        a, b = match.student, match.owner
        grouped[(a, b) if a < b else (b, a)].append(match)
    flagged = []
    for (first, second), items in grouped.items():
        if len(items) < min_questions:
            continue  # most chance pairs share one value: no need to weigh them
        strength, questions = weigh_matches(items)
        if len(questions) >= min_questions and strength >= threshold:
            flagged.append(Pair(first, second, round(strength, 2), questions,
                                tuple(sorted(items, key=lambda m: (m.qid, -m.evidence)))))
    return sorted(flagged, key=lambda p: (-p.strength, p.first, p.second))


def weigh_matches(items: Sequence[Match]) -> tuple[float, tuple[str, ...]]:
    """The pair's evidence: per question its strongest match (parts of one answer are not independent), summed."""
    per_question: dict[str, float] = {}
    for m in items:
        per_question[m.qid] = max(per_question.get(m.qid, 0.0), m.evidence)
    return sum(per_question.values()), tuple(sorted(per_question))


def threshold_for(students: int) -> float:
    """THRESHOLD for a class of 300; n students make n²/2 pairs, so a class of n asks 2 ln(n/300) more (or less)."""
    return THRESHOLD + 2 * math.log(max(students, SMALLEST) / CALIBRATED)


def min_evidence_for(students: int) -> float:
    """MIN_EVIDENCE, or in a small class ln(n/4): there a value only one other student has is 1 in n/2, not rare
    enough for 3 nats, yet still worth counting toward the lower threshold."""
    return min(MIN_EVIDENCE, math.log(max(students, SMALLEST) / 4))


def detect(keys: Mapping[str, Sequence[Variant]], submitted: Sequence[Submitted],
           threshold: float | None = None) -> list[Pair]:
    """The flagged pairs of a class: keys by student, and every submission's submitted answer values."""
    enabled = gc.isenabled()
    gc.disable()  # millions of small containers, none cyclic: collecting while they are built costs a third
    try:
        wrong = wrong_by_student(keys, submitted)
        return pairs(matches(build_index(keys, wrong), wrong, Mistakes(keys)),
                     threshold_for(len(keys)) if threshold is None else threshold)
    finally:
        if enabled:
            gc.enable()
