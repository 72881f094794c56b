"""Possible copying in a grading output folder: gathered from the records, the key and the stored notebooks.

For the instructor's class report (`cnnlab report DIR --key KEYDIR`) and its CSV, OUT/report/possible-copying.csv.
Nothing here reaches results.json, feedback notebooks or student copies, and no score changes: a flag is evidence
for a person to review.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from generator.kinds import KINDS
from generator.model import Variant
from grader.pipeline.answer_key import KeyDir
from grader.copying.detect import MIN_QUESTIONS, THRESHOLD, Match, Pair, Submitted, detect, threshold_for
from grader.copying.code import SIMILARITY, CodePair, similar_code
from grader.copying.values import answers_from_notebook, code_sources, read_notebook
from grader.pipeline.records import GradedSubmission
from generator.files import PUBLIC, write_bytes_atomic
from grader.pipeline.store import Store, json_bytes

CSV_NAME = "possible-copying.csv"
JSON_NAME = "possible-copying.json"  # what `cnnlab grade` found, for `cnnlab report DIR` without --key
CSV_HEADER = ("type", "student", "other_student", "strength", "questions", "qid", "part", "student_value",
              "other_student_value", "belongs_to", "evidence")


@dataclass(frozen=True)
class Findings:
    """What the report shows: flagged answer pairs, similar code, and what the rule was."""

    pairs: tuple[Pair, ...]
    code: tuple[CodePair, ...]
    submissions: int  # submissions compared
    threshold: float = THRESHOLD
    min_questions: int = MIN_QUESTIONS
    similarity: float = SIMILARITY


def class_keys(keys: KeyDir) -> dict[str, tuple[Variant, ...]]:
    """Every student's variants in KEYDIR (students who did not submit too: their answers can be copied), from the
    keys this run's KeyDir already parsed for grading (each file is read and parsed once per run)."""
    found = {}
    for student in keys.paths:
        key = keys.load(student)
        if key is not None:
            found[student] = key.questions
    return found


def gather(store: Store, records: Sequence[GradedSubmission], keys: KeyDir) -> Findings:
    """Every identified submission's answers (record, else its stored notebook) and code, compared class-wide.

    The stored feedback notebook is read (once) only where the record lacks what is needed: code sources, which
    records do not keep, or answers, for a record written without them.
    """
    variants = class_keys(keys)
    submitted: list[Submitted] = []
    sources: dict[str, dict[str, str]] = {}
    for record in records:
        sid = record.student_id
        if sid is None or sid not in variants:
            continue
        code_qids = {q.qid for q in variants[sid] if q.entry_point is not None}
        needed = code_qids or not record.answers  # code is kept in the stored notebook alone, answers in the record
        notebook = read_notebook(store.folder(record.digest) / "feedback.ipynb") if needed else {}
        answers = record.answers or answers_from_notebook(notebook)
        submitted.append(Submitted(sid, answers))
        for qid, source in code_sources(notebook).items():
            if qid in code_qids:
                sources.setdefault(qid, {})[sid] = longest(sources.get(qid, {}).get(sid, ""), source)
    return Findings(tuple(detect(variants, submitted)), tuple(similar_code(sources, starters(variants))),
                    len(submitted), threshold_for(len(variants)))


def longest(first: str, second: str) -> str:
    """Of a student's several submissions, the fuller code (their own earlier code never pairs with itself)."""
    return second if len(second) > len(first) else first


def starters(variants: Mapping[str, Sequence[Variant]]) -> dict[str, str]:
    """Each code question's starter code as handed out (its kind's answer stub), to leave out of comparisons."""
    found: dict[str, str] = {}
    for questions in variants.values():
        for q in questions:
            if q.entry_point is not None and q.qid not in found:
                stub = getattr(KINDS.get(q.kind), "answer_stub", None)
                found[q.qid] = stub(q) if stub else ""
    return found


def rows(findings: Findings) -> list[tuple[Any, ...]]:
    """The CSV's rows: one per matched answer part of a flagged pair, then one per shared line of similar code."""
    out: list[tuple[Any, ...]] = []
    for pair in findings.pairs:
        for m in pair.matches:
            out.append(("answers", m.student, m.owner, pair.strength, " ".join(pair.questions), m.qid, m.part,
                        m.value, m.value, belongs_to(m), round(m.evidence, 2)))
    for code in findings.code:
        for mine, theirs in code.shared or (("", ""),):
            out.append(("code", code.first, code.second, code.similarity, code.qid, code.qid, "shared line", mine,
                        theirs, "", ""))
    return out


def belongs_to(match: Match) -> str:
    """Whose the matched value is, in words."""
    if match.how == "key":
        return f"the right answer of {match.owner}'s variant"
    return f"{match.owner}'s own wrong answer"


def to_json(findings: Findings) -> dict[str, Any]:
    """Plain data for OUT/report/possible-copying.json."""
    return asdict(findings)


def from_json(data: Mapping[str, Any]) -> Findings:
    """Inverse of to_json."""
    pairs = tuple(Pair(**{**p, "questions": tuple(p["questions"]), "matches": tuple(Match(**m) for m in p["matches"])})
                  for p in data["pairs"])
    code = tuple(CodePair(**{**c, "shared": tuple(tuple(line) for line in c["shared"])}) for c in data["code"])
    return replace(Findings(pairs, code, data["submissions"]), threshold=data["threshold"],
                   min_questions=data["min_questions"], similarity=data["similarity"])


def write_findings(folder: Path, findings: Findings) -> Path:
    """The CSV for the instructor and the JSON the report reads back; returns the CSV's path."""
    write_bytes_atomic(folder / JSON_NAME, json_bytes(to_json(findings)), mode=PUBLIC)
    return write_csv(folder / CSV_NAME, findings)


def read_findings(folder: Path) -> Findings | None:
    """What the last `cnnlab grade` found, or None when it found nothing to read (an older output folder)."""
    try:
        return from_json(json.loads((folder / JSON_NAME).read_text("utf-8")))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def check_class(store: Store, records: Sequence[GradedSubmission], keys: KeyDir) -> str:
    """Every batch's last step: compare the whole output folder's submissions, write OUT/report's files, one line."""
    findings = gather(store, records, keys)
    path = write_findings(store.root / "report", findings)
    return (f"possible copying: {len(findings.pairs)} answer pair(s), {len(findings.code)} code pair(s) to review "
            f"(evidence for a person, never a penalty): {path}")


def write_csv(path: Path, findings: Findings) -> Path:
    """OUT/report/possible-copying.csv, header only when nothing was flagged."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    writer.writerows(rows(findings))
    write_bytes_atomic(path, buffer.getvalue().encode("utf-8"), mode=PUBLIC)
    return path
