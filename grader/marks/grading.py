"""Grading a paper exam from its marks sheet: each row's typed cells, filled into the answer's own structure and
scored by the same kinds' checkers as a notebook's values, stored as the same records as notebook grading.

One record per student and sheet (its digest names the sheet's file and the student, not the row's text), so a
corrected row replaces its earlier grading; a row whose grading is unchanged is reused, as a notebook is. A bad row
becomes a rejected record whose notes name the row and column of every problem; the other rows are still graded.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from typing import Any

from generator import kinds
from generator.fields import Box, boxes, fill, parse, shown
from generator.grading.read import is_blank, to_plain
from generator.model import Part, Returned, Score, Variant
from grader.reports.feedback import feedback_notebook
from grader.reports.results_json import results_json
from generator.paper.marks_sheet import FIXED
from grader.marks.sheet import MarksRow, MarksSheet
from grader.pipeline.batch import grader_error
from grader.pipeline.records import AnswerKey, GradedSubmission
from grader.pipeline.roster import Roster
from grader.pipeline.scoring import NOT_GRADED
from grader.pipeline.steps import Env
from grader.pipeline.store import Store, json_bytes

BY_HAND = "marked by hand against the rubric"
OnProblem = Callable[[str], None]


@dataclass(frozen=True)
class Marked:
    """One question graded from its typed cells: the score, or each unreadable cell's (column, reason)."""

    score: Score | None
    problems: tuple[tuple[str, str], ...] = ()
    columns: tuple[str, ...] = ()  # the question's own columns
    value: Any = None  # the answer the cells filled in, as plain JSON (for copy detection); None when blank


def hand_marked(variant: Variant, hand: Sequence[Box], typed: Mapping[str, str]) -> Marked:
    """Handwritten code: each box holds the points a marker awarded (0 to the box's maximum; blank is 0)."""
    earned: list[Part] = []
    problems: list[tuple[str, str]] = []
    for box in hand:
        text = typed.get(box.column, "").strip()
        try:
            points = float(parse(box, text) or 0)
        except ValueError as error:
            problems.append((box.column, str(error)))
            continue
        if not 0 <= points <= float(box.expected):
            problems.append((box.column, f"{text!r} is not between 0 and {shown(float(box.expected))}, the "
                                         "question's points"))
            continue
        earned.append(Part(BY_HAND, points, float(box.expected)))
    if problems:
        return Marked(None, tuple(problems))
    total = round(sum(p.points for p in earned), 6)
    blank = not any(typed.get(box.column, "").strip() for box in hand)
    feedback = "no answer (no points marked)" if blank else f"{BY_HAND}: {shown(total)}/{shown(variant.points)} points"
    return Marked(Score(variant.qid, total, variant.points, feedback, tuple(earned)))


def mark_question(variant: Variant, typed: Mapping[str, str], env: Env) -> Marked:
    """The typed cells of one question, filled into the answer and scored by its kind, as a notebook's value is."""
    group = kinds.answer_fields(variant)
    own = list(boxes(group))
    columns = tuple(b.column for b in own)
    hand = [b for b in own if b.by_hand]
    if hand:
        return replace(hand_marked(variant, hand, typed), columns=columns)
    value, problems = fill(variant, group, typed)
    if problems:
        return Marked(None, tuple(problems.items()), columns)
    # the value as the sandbox hands back an answer variable (a blank answer is None: "no answer")
    score = kinds.score(variant, Returned({variant.variable: value}, {}), env.context)
    return Marked(score, (), columns, None if is_blank(value) else to_plain(value))



def key_form(env: Env, student: str) -> str:
    """The form ('A', 'B', ...) the student's key was drawn for; '' when the key names none (a notebook's key)."""
    data = json.loads(env.keys.paths[student].read_bytes().decode("utf-8"))
    return str(data.get("form") or "").strip()


@dataclass(frozen=True)
class Graded:
    """One student's grading from the sheet: scores, or the problems that kept the row from being graded."""

    scores: tuple[Score, ...]
    problems: tuple[str, ...]
    notes: tuple[str, ...]
    answers: dict[str, Any]  # qid -> the typed answer, instructor-only (grader/copying/detect.py)


def grade_row(row: MarksRow, student: str, key: AnswerKey, env: Env, header: frozenset[str], where: str) -> Graded:
    """Every question of the student's key from the row; a foreign, unreadable or out-of-range cell is a problem."""
    problems: list[str] = []
    form, typed_form = key_form(env, student), row.cells.get("form", "").strip()
    if form and typed_form and typed_form.upper() != form.upper():
        problems.append(f"{where}, column form: {typed_form!r}, but {student}'s paper was form {form}; "
                        "check which paper this row was typed from")
    own: list[str] = []
    scores: list[Score] = []
    answers: dict[str, Any] = {}
    for variant in key.questions:
        marked = mark_question(variant, row.cells, env)
        own += marked.columns
        if marked.value is not None:
            answers[variant.qid] = marked.value
        problems += [f"{where}, column {column}: {why}" for column, why in marked.problems]
        if marked.score is not None:
            scores.append(marked.score)
    unseen = [column for column in own if column not in header]
    problems += [f"{where}, column {column}: {text.strip()!r} is in a column of a question {student} does not have "
                 "(typed into the wrong column or row?)"
                 for column, text in row.cells.items() if column not in FIXED and column not in own and text.strip()]
    problems += [f"{where}, column {label}: {text.strip()!r} is under no column name" for label, text in row.stray]
    notes = (f"{where}: the sheet has no column {', '.join(unseen[:3])}{' ...' if len(unseen) > 3 else ''} for "
             f"{student}'s questions; read as blank",) if unseen else ()
    return Graded(tuple(scores), tuple(problems), notes, answers)


def _not_graded(key: AnswerKey | None, why: str) -> tuple[Score, ...]:
    """Every question of the key at 0 with the reason, as a rejected notebook's are."""
    return tuple(Score(q.qid, 0.0, q.points, f"{NOT_GRADED} {why}") for q in key.questions) if key else ()


def _digest(sheet: MarksSheet, student: str, rows: Sequence[MarksRow]) -> str:
    """The record's identity: the sheet's file and the student (a row without an id: its line and its text)."""
    if student:
        ident = f"marks\0{sheet.name}\0{student}"
    else:
        ident = f"marks\0{sheet.name}\0line {rows[0].line}\0{json.dumps(dict(rows[0].cells), sort_keys=True)}"
    return hashlib.sha256(ident.encode("utf-8", "surrogatepass")).hexdigest()


def _outcome(sheet: MarksSheet, student: str, rows: Sequence[MarksRow], key: AnswerKey | None, env: Env
             ) -> tuple[str, tuple[Score, ...], tuple[str, ...], dict[str, Any]]:
    """(status, scores, notes, answers) of one student's row(s): graded, or rejected with each problem in a line."""
    first = rows[0]
    where = f"{sheet.name} line {first.line}" + (f" ({student})" if student else "")
    problems = [f"{sheet.name} line {r.line} ({student}): {student} already has a row on line {first.line}; "
                "keep one of them" for r in rows[1:]]
    if not student:
        return "rejected", (), (f"{where}: no student_id",), {}
    if key is None:
        return "rejected", (), (f"{where}: no answer key for student {student!r}", *problems), {}
    graded = grade_row(first, student, key, env, frozenset(sheet.header), where)
    problems += graded.problems
    if problems:
        return "rejected", _not_graded(key, problems[0]), tuple(problems), {}
    return "graded", graded.scores, graded.notes, graded.answers


def grade_student(sheet: MarksSheet, student: str, rows: Sequence[MarksRow], env: Env) -> GradedSubmission:
    """The record of one student's row(s); an exception is a grader-side error record, never the batch's."""
    key: AnswerKey | None = None
    try:
        key = env.keys.load(student) if student else None
        status, scores, notes, answers = _outcome(sheet, student, rows, key, env)
    except Exception as error:
        reason = grader_error(error, "marks")
        status, scores, notes, answers = "error", _not_graded(key, reason), (reason,), {}
    return GradedSubmission(
        digest=_digest(sheet, student, rows), label=f"{sheet.name} line {rows[0].line}", filename=sheet.name,
        student_id=student or None, assignment=key.assignment if key else None,
        key_digest=key.digest if key else None, status=status, scores=scores, notes=notes, seconds=0.0,
        graded_at=datetime.now(timezone.utc).isoformat(timespec="seconds"), isolation="", answers=answers)


def _by_student(sheet: MarksSheet, env: Env) -> list[tuple[str, list[MarksRow]]]:
    """Rows grouped by student (roster aliases resolved), in the sheet's order; a row without an id stands alone."""
    groups: dict[str, list[MarksRow]] = {}
    order: list[tuple[str, list[MarksRow]]] = []
    for row in sheet.rows:
        student = env.known.aliases.get(row.student_id, row.student_id)
        if not student:
            order.append(("", [row]))
        elif student not in groups:
            groups[student] = [row]
            order.append((student, groups[student]))
        else:
            groups[student].append(row)
    return order


def _files(record: GradedSubmission, env: Env) -> dict[str, bytes]:
    """results.json and the feedback notebook (the summary and a cell per question), as a notebook's grading has."""
    key = env.keys.load(record.student_id) if record.student_id and record.status != "error" else None
    titles = {q.qid: q.title for q in key.questions} if key else {}
    notebook = json.dumps(feedback_notebook(None, record), indent=1, ensure_ascii=False) + "\n"
    return {"results.json": json_bytes(results_json(record, titles)), "feedback.ipynb": notebook.encode("utf-8")}


def _same(stored: GradedSubmission, record: GradedSubmission) -> bool:
    """Whether the stored record says exactly what grading says now (its time aside): then it is reused."""
    return stored.status != "error" and replace(stored, graded_at="") == replace(record, graded_at="")


def grade_marks(sheet: MarksSheet, env: Env, store: Store, regrade: bool = False,
                on_problem: OnProblem = lambda line: None) -> tuple[list[GradedSubmission], int]:
    """Grade every row, store each record atomically (files first, record last); returns the records and how many
    were reused unchanged from an earlier run."""
    records: list[GradedSubmission] = []
    reused = 0
    for student, rows in _by_student(sheet, env):
        record = grade_student(sheet, student, rows, env)
        for note in record.notes if record.status == "rejected" else ():  # each a problem of the row
            on_problem(note)
        stored = store.load(record.digest)
        if not regrade and stored is not None and _same(stored, record):
            records.append(stored)
            reused += 1
            continue
        store.save(record, _files(record, env))
        records.append(record)
    return records, reused


def marks_roster(env: Env, sheet: MarksSheet) -> Roster:
    """Who the gradebook lists: the roster, else every student with a key (named as the sheet names them), so a
    student without a row is 'missing', as in notebook grading."""
    if env.roster is not None:
        return env.roster
    typed = {env.known.aliases.get(r.student_id, r.student_id): r.cells.get("name", "").strip() for r in sheet.rows}
    return Roster({sid: typed.get(sid, "") for sid in env.keys.paths}, {sid: sid for sid in env.keys.paths})
