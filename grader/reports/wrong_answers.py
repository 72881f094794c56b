"""Common wrong answers, per question and class-wide: what to reteach, and OUT/report/misconceptions.csv.

A wrong answer the grader recognised as one of its kind's misconceptions (`Score.misconceptions`, names) is grouped
under that misconception, explained as the kind explains it, with the question's lecture topic. A wrong answer it did
not recognise is grouped by value when several students gave the same one. Every share is of the students who
answered the question (blank and crashed left out, as in the item analysis).
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from generator.files import PUBLIC, write_bytes_atomic
from grader.pipeline.records import GradedSubmission
from grader.reports.gradebook import counted
from grader.reports.item_analysis import Responses, responses
from grader.reports.questions import QuestionInfo, explanation

CSV_NAME = "misconceptions.csv"
CSV_HEADER = ("qid", "misconception", "students", "share")
MIN_SAME = 2  # an unrecognised wrong value is "common" when at least this many students gave it
SHOWN_CHARS = 80  # a wrong value longer than this is cut for the page (grouped by the whole value)


@dataclass(frozen=True)
class WrongAnswer:
    """A wrong answer several students share: a recognised misconception, or one value given as it is."""

    qid: str
    what: str  # the misconception's name, or the value as students wrote it
    students: int
    answered: int  # students who answered the question: the share's denominator
    recognised: bool  # True: a misconception of the question's kind
    explanation: str = ""  # the kind's explanation of the misconception ("" for a value or an unknown kind)
    topic: str = ""  # the question's lecture section ("" when the key names none)

    @property
    def share(self) -> float:
        """Of the students who answered the question, the share who gave this wrong answer."""
        return self.students / self.answered if self.answered else 0.0

    @property
    def shown(self) -> str:
        """What the page shows: the name, or the value cut to SHOWN_CHARS characters."""
        return self.what if len(self.what) <= SHOWN_CHARS else self.what[:SHOWN_CHARS - 3] + "..."


def canonical(value: Any) -> Any:
    """A submitted value in one spelling: 2.0 is 2, floats to 6 significant digits, dict keys sorted on dump."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value.strip() if isinstance(value, str) else value
    if isinstance(value, (int, float)):
        if not math.isfinite(value):
            return str(value)
        return int(value) if float(value).is_integer() and abs(value) < 1e15 else float(f"{value:.6g}")
    if isinstance(value, dict):
        return {str(k): canonical(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [canonical(v) for v in value]
    return str(value)


def value_text(value: Any) -> str:
    """The canonical value as one line of JSON-like text (the grouping key and, cut, what the page shows)."""
    return json.dumps(canonical(value), sort_keys=True, ensure_ascii=False)


def question_wrong_answers(qid: str, found: Responses, info: QuestionInfo | None) -> list[WrongAnswer]:
    """One question's misconceptions (each student once per name), then its common unrecognised values."""
    named: Counter[str] = Counter()
    values: Counter[str] = Counter()
    for record, score in found.answered:
        if score.misconceptions:
            named.update(set(score.misconceptions))
        elif score.points < score.max_points and qid in record.answers:
            values[value_text(record.answers[qid])] += 1
    topic = info.topic if info is not None else ""
    answered = len(found.answered)
    wrong = [WrongAnswer(qid, name, count, answered, True, explanation(info, name), topic)
             for name, count in named.items()]
    wrong += [WrongAnswer(qid, text, count, answered, False, topic=topic) for text, count in values.items()
              if count >= MIN_SAME]
    return sorted(wrong, key=lambda w: (not w.recognised, -w.students, w.what))


def wrong_answers(records: Sequence[GradedSubmission], info: Mapping[str, QuestionInfo]
                  ) -> dict[str, list[WrongAnswer]]:
    """Per question (first-seen order), its common wrong answers; questions without any are left out."""
    found = {qid: question_wrong_answers(qid, per_question, info.get(qid))
             for qid, per_question in responses(records).items()}
    return {qid: wrong for qid, wrong in found.items() if wrong}


def reteach(wrong: Mapping[str, Sequence[WrongAnswer]]) -> list[WrongAnswer]:
    """The misconceptions across the class, the most widespread first: share of those who answered, then count."""
    recognised = [w for per_question in wrong.values() for w in per_question if w.recognised]
    return sorted(recognised, key=lambda w: (-w.share, -w.students, w.qid, w.what))


def class_misconceptions(records: Sequence[GradedSubmission]) -> list[WrongAnswer]:
    """Over each student's counted submission, the misconceptions ranked as in "What to reteach" (unexplained)."""
    return reteach(wrong_answers(counted(records), {}))


def write_misconceptions_csv(folder: Path, ranked: Sequence[WrongAnswer]) -> Path:
    """OUT/report/misconceptions.csv: one row per (question, misconception) seen at least once, in `ranked`'s order
    (share of those who answered, 0 to 1, four decimals)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    for w in ranked:
        writer.writerow((w.qid, w.what, w.students, f"{w.share:.4f}"))
    path = folder / CSV_NAME
    write_bytes_atomic(path, buffer.getvalue().encode("utf-8"), mode=PUBLIC)
    return path
