"""Scoring a comparison: points in proportion to the parts' credit, and feedback saying why.

The feedback's first line sums up (the notes, the parts wrong, the mistakes recognised); one line per wrong part
follows (generator/grading/wrong_parts.py). An untouched stub is "no answer"; an answer far longer than the key
scores 0 without a part-by-part record; a submission never makes grading raise (docs/GRADING.md, "Answer rules").
"""

from __future__ import annotations

from typing import Any

from generator.grading.compare import Comparison, compare
from generator.grading.misconceptions import recognise
from generator.grading.read import Rules, is_blank, leaves, read, rules_for, to_plain
from generator.grading.wrong_parts import Marking, told
from generator.model import Part, Score, Variant, shared_parts

NO_ANSWER = "no answer"  # the feedback of an untouched stub; the class report counts such answers as blank
TOO_LONG = 10  # an answer with more than this many times the key's parts scores 0 (and is not itemised)


def no_answer(variant: Variant, rules: Rules) -> Score:
    """An untouched stub (or nothing): 0 points, every part listed."""
    blank = shared_parts(variant, [(rules.label(p), 0.0) for p, _ in leaves(variant.answer)])
    return Score(variant.qid, 0.0, variant.points, NO_ANSWER, blank)


def score_comparison(variant: Variant, comparison: Comparison, marking: Marking) -> Score:
    """Points in proportion to the parts' credit; a summary line (the notes, the parts missed, the mistakes
    recognised), then one line per wrong part."""
    if len(comparison.parts) > TOO_LONG * len(leaves(variant.answer)):  # no part-by-part record of a flood of entries
        comparison = Comparison(tuple((label, 0.0) for label, _ in comparison.parts[:len(leaves(variant.answer))]),
                                (*comparison.notes[:1], f"more than {TOO_LONG} times the expected number of entries"))
    share = variant.points / max(1, len(comparison.parts))
    parts = tuple(Part(label, round(share * credit, 6), round(share, 6)) for label, credit in comparison.parts)
    if comparison.full:
        return Score(variant.qid, variant.points, variant.points, "correct", parts)
    notes = list(dict.fromkeys(comparison.notes))
    said = notes[:3] + ([f"and {len(notes) - 3} more notes"] if len(notes) > 3 else [])
    wrong = [label for label, credit in comparison.parts if credit == 0.0]
    halves = len(comparison.parts) - len(wrong) - sum(credit == 1.0 for _, credit in comparison.parts)
    if halves:
        said.append(f"{halves} of {len(parts)} parts at half credit")
    shown, lines = told(variant, comparison, marking)
    if wrong:
        listed = [f"({name})" if "," in name else name for name in shown[:6]]  # 'row 2, column 3' stays one name
        said.append(f"{len(wrong)} of {len(parts)} parts wrong: {', '.join(listed)}" +
                    (f" and {len(shown) - 6} more" if len(shown) > 6 else ""))
    recognised = tuple(dict.fromkeys(match.misconception.name for match in marking.matches))
    if recognised:
        said.append("looks like " + ", ".join(f'"{name}"' for name in recognised))
    summary = " ".join("; ".join(said).split())
    return Score(variant.qid, round(share * comparison.earned, 6), variant.points, "\n".join([summary, *lines]),
                 parts, recognised)


def grade_answer(variant: Variant, submitted: Any, rules: Rules) -> Score:
    """The whole rule set: untouched is no answer; read alternative formats; compare; recognise mistakes; score."""
    try:
        plain = to_plain(submitted)
        if is_blank(plain):
            return no_answer(variant, rules)
        given = read(variant.answer, plain, rules)
        comparison = compare(variant.answer, given, rules)
        matches = () if comparison.full else recognise(variant, given, rules)
        return score_comparison(variant, comparison, Marking(rules, given, matches))
    except RecursionError:  # lists nested thousands deep: never raise on a submission
        return Score(variant.qid, 0.0, variant.points, "the answer is nested too deeply to read",
                     no_answer(variant, rules).parts)


def grade_leaves(variant: Variant, submitted: Any) -> Score:
    """grade_answer with the rules the variant's answer format implies."""
    return grade_answer(variant, submitted, rules_for(variant))
