"""What the report says about each question beyond its scores: its kind, title and lecture topic, from the keys.

Records hold scores, not kinds, and `cnnlab report DIR` may run without the keys; so every `cnnlab grade` batch
(and `cnnlab report --key`) writes OUT/report/questions.json from the key folder, and the report reads it back.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path

from generator.files import PUBLIC, write_bytes_atomic
from generator.kinds import KINDS
from grader.pipeline.answer_key import KeyDir
from grader.pipeline.store import json_bytes

QUESTIONS_NAME = "questions.json"


@dataclass(frozen=True)
class QuestionInfo:
    """One question as its key describes it."""

    qid: str
    kind: str
    title: str
    topic: str  # the lecture section it teaches (the template's `topic:`); "" when the template names none


def question_info(keys: KeyDir, qids: Collection[str]) -> dict[str, QuestionInfo]:
    """Each of `qids` as the first key holding it describes it (keys already parsed this run are reused)."""
    found: dict[str, QuestionInfo] = {}
    for student in keys.paths:
        if all(qid in found for qid in qids):
            break
        try:
            key = keys.load(student)
        except ValueError:  # a corrupt key: grading named it already; another student's key describes the question
            continue
        for q in key.questions if key is not None else ():
            found.setdefault(q.qid, QuestionInfo(q.qid, q.kind, q.title, key.topics.get(q.qid, "")))
    return {qid: found[qid] for qid in qids if qid in found}


def write_question_info(folder: Path, info: Mapping[str, QuestionInfo]) -> None:
    """OUT/report/questions.json, sorted by question id (the same class gives the same bytes)."""
    write_bytes_atomic(folder / QUESTIONS_NAME, json_bytes({qid: asdict(info[qid]) for qid in sorted(info)}),
                       mode=PUBLIC)


def read_question_info(folder: Path) -> dict[str, QuestionInfo]:
    """What the last `cnnlab grade` wrote, or nothing when it wrote none (an older output folder)."""
    try:
        data = json.loads((folder / QUESTIONS_NAME).read_text("utf-8"))
        return {str(qid): QuestionInfo(**entry) for qid, entry in data.items()}
    except (OSError, ValueError, TypeError, AttributeError):
        return {}


def explanation(info: QuestionInfo | None, name: str) -> str:
    """The misconception's explanation as the question's kind declares it; "" when unknown (no key, renamed)."""
    kind = KINDS.get(info.kind) if info is not None else None
    for misconception in getattr(kind, "MISCONCEPTIONS", ()):
        if misconception.name == name:
            return str(misconception.explanation)
    return ""
