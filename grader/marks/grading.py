"""Grading a paper exam from its marks sheets: each row's typed cells, filled into the answer's own structure and
scored by the same kinds' checkers as a notebook's values, stored as the same records as notebook grading.

A row is read by its student's own paper: the key holds the questions in printed order, so question N's boxes are
the columns `QN ...` (generator/paper/marks_sheet.py), whichever form or sheet the row is on. One record per student
and sheet (its digest names the sheet's file and the student, not the row's text), so a corrected row replaces its
earlier grading; a row whose grading is unchanged is reused, as a notebook is. A cell that cannot be read costs only
its question, "ungraded: <sheet> line 7 (<student>), column Q11: 'seven' is not a number", in the record's notes and
the question's feedback; the row's other answers are graded. A row that cannot be trusted as a whole (another
student's column typed into, a form that is not the student's, a second row of the student, a cell under no column)
becomes a rejected record whose notes name the row and column of every problem; the other rows are still graded.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from generator import kinds
from generator.fields import Box, boxes, fill, parse, shown
from generator.grading.read import is_blank, to_plain
from generator.model import Part, Returned, Score, Variant
from grader.reports.feedback import feedback_notebook
from grader.reports.results_json import results_json
from generator.paper.marks_sheet import FIXED, printed_columns
from grader.marks.sheet import MarksRow, MarksSheet
from grader.pipeline.batch import grader_error
from grader.pipeline.records import AnswerKey, GradedSubmission
from grader.pipeline.roster import Roster
from grader.pipeline.scoring import NOT_GRADED
from grader.pipeline.steps import Env
from grader.pipeline.store import Store, json_bytes
from grader.scan.crops import crop_file, crop_name

BY_HAND = "marked by hand against the rubric"
UNGRADED = "ungraded:"  # how the feedback of a question whose cells could not be read begins
OnProblem = Callable[[str], None]
Typed = tuple[MarksSheet, MarksRow]  # a row and the sheet it is on


@dataclass(frozen=True)
class Marked:
    """One question graded from its typed cells: the score, or each unreadable cell's (Box.column, reason)."""

    score: Score | None
    problems: tuple[tuple[str, str], ...] = ()
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
    """The typed cells of one question (by Box.column), filled into the answer and scored by its kind, as a
    notebook's value is."""
    group = kinds.answer_fields(variant)
    hand = [b for b in boxes(group) if b.by_hand]
    if hand:
        return hand_marked(variant, hand, typed)
    value, problems = fill(variant, group, typed)
    if problems:
        return Marked(None, tuple(problems.items()))
    # the value as the sandbox hands back an answer variable (a blank answer is None: "no answer")
    score = kinds.score(variant, Returned({variant.variable: value}, {}), env.context)
    return Marked(score, (), None if is_blank(value) else to_plain(value))

def key_form(env: Env, student: str) -> str:
    """The form ('A', 'B', ...) the student's key was drawn for; '' when the key names none (a notebook's key)."""
    data = json.loads(env.keys.paths[student].read_bytes().decode("utf-8"))
    return str(data.get("form") or "").strip()


@dataclass(frozen=True)
class Graded:
    """One student's grading from the sheet: scores, or the problems that kept the row from being graded."""

    scores: tuple[Score, ...]
    problems: tuple[str, ...]  # what keeps the whole row from being graded
    notes: tuple[str, ...]  # the questions left ungraded, the columns read as blank
    answers: dict[str, Any]  # qid -> the typed answer, instructor-only (grader/copying/detect.py)


def scanned_note(folder: Path | None, student: str, columns: Iterable[str]) -> str:
    """A line naming the crop of each of a question's boxes when `cnnlab scan` read the sheet from the papers
    (SCANDIR/crops/<student>/<column>.png beside it), so a student sees what was read; '' for a typed sheet."""
    if folder is None:
        return ""
    found = [crop_name(student, column) for column in columns if crop_file(folder, student, column).is_file()]
    where = found[0].rpartition("/")[0] if found else ""
    return f"\nyour boxes as scanned, in {where}/: {', '.join(f.rpartition('/')[2] for f in found)}" if found else ""


def grade_row(row: MarksRow, student: str, key: AnswerKey, env: Env, where: str,
              folder: Path | None = None) -> Graded:
    """Every question of the student's key from the row, by its printed number; an unreadable or out-of-range cell
    leaves its question ungraded, a cell of a question the student does not have is a problem of the row. A sheet
    read from scans (`folder` holds its crops) names each question's boxes as scanned in its feedback."""
    problems: list[str] = []
    form, typed_form = key_form(env, student), row.cells.get("form", "").strip()
    if form and typed_form and typed_form.upper() != form.upper():
        problems.append(f"{where}, column form: {typed_form!r}, but {student}'s paper was form {form}; "
                        "check which paper this row was typed from")
    own: list[str] = []
    notes: list[str] = []
    scores: list[Score] = []
    answers: dict[str, Any] = {}
    for number, variant in enumerate(key.questions, start=1):  # the key holds the questions in printed order
        names = printed_columns(number, variant)  # Box.column -> the column as printed
        own += names.values()
        marked = mark_question(variant, {column: row.cells.get(name, "") for column, name in names.items()}, env)
        scanned = scanned_note(folder, student, names.values())
        if marked.problems:
            lines = [f"{UNGRADED} {where}, column {names[column]}: {why}" for column, why in marked.problems]
            notes += lines
            scores.append(Score(variant.qid, 0.0, variant.points, "\n".join(lines) + scanned))
            continue
        if marked.value is not None:
            answers[variant.qid] = marked.value
        if marked.score is not None:
            scores.append(replace(marked.score, feedback=marked.score.feedback + scanned))
    unseen = [column for column in own if column not in row.header]
    mine = set(own)
    problems += [f"{where}, column {column}: {text.strip()!r} is in a column of a question {student} does not have "
                 "(typed into the wrong column or row?)"
                 for column, text in row.cells.items() if column not in FIXED and column not in mine and text.strip()]
    problems += [f"{where}, column {label}: {text.strip()!r} is under no column name" for label, text in row.stray]
    if unseen:
        notes.append(f"{where}: the sheet has no column {', '.join(unseen[:3])}{' ...' if len(unseen) > 3 else ''} "
                     f"for {student}'s questions; read as blank")
    return Graded(tuple(scores), tuple(problems), tuple(notes), answers)


def _not_graded(key: AnswerKey | None, why: str) -> tuple[Score, ...]:
    """Every question of the key at 0 with the reason, as a rejected notebook's are."""
    return tuple(Score(q.qid, 0.0, q.points, f"{NOT_GRADED} {why}") for q in key.questions) if key else ()


def _digest(sheet: MarksSheet, student: str, row: MarksRow) -> str:
    """The record's identity: the sheet's file and the student (a row without an id: its line and its text)."""
    if student:
        ident = f"marks\0{sheet.name}\0{student}"
    else:
        ident = f"marks\0{sheet.name}\0line {row.line}\0{json.dumps(dict(row.cells), sort_keys=True)}"
    return hashlib.sha256(ident.encode("utf-8", "surrogatepass")).hexdigest()


def _outcome(student: str, rows: Sequence[Typed], key: AnswerKey | None, env: Env
             ) -> tuple[str, tuple[Score, ...], tuple[str, ...], dict[str, Any]]:
    """(status, scores, notes, answers) of one student's row(s): graded (some questions perhaps ungraded), or
    rejected with each problem in a line."""
    sheet, first = rows[0]
    where = f"{sheet.name} line {first.line}" + (f" ({student})" if student else "")
    problems = [f"{other.name} line {r.line} ({student}): {student} already has a row on "
                f"{'' if other is sheet else f'{sheet.name} '}line {first.line}; keep one of them"
                for other, r in rows[1:]]
    if not student:
        return "rejected", (), (f"{where}: no student_id",), {}
    if key is None:
        return "rejected", (), (f"{where}: no answer key for student {student!r}", *problems), {}
    graded = grade_row(first, student, key, env, where, sheet.folder)
    problems += graded.problems
    if problems:
        return "rejected", _not_graded(key, problems[0]), tuple(problems), {}
    return "graded", graded.scores, graded.notes, graded.answers


def grade_student(student: str, rows: Sequence[Typed], env: Env) -> GradedSubmission:
    """The record of one student's row(s); an exception is a grader-side error record, never the batch's."""
    key: AnswerKey | None = None
    try:
        key = env.keys.load(student) if student else None
        status, scores, notes, answers = _outcome(student, rows, key, env)
    except Exception as error:
        reason = grader_error(error, "marks")
        status, scores, notes, answers = "error", _not_graded(key, reason), (reason,), {}
    sheet, first = rows[0]
    return GradedSubmission(
        digest=_digest(sheet, student, first), label=f"{sheet.name} line {first.line}", filename=sheet.name,
        student_id=student or None, assignment=key.assignment if key else None,
        key_digest=key.digest if key else None, status=status, scores=scores, notes=notes, seconds=0.0,
        graded_at=datetime.now(timezone.utc).isoformat(timespec="seconds"), isolation="", answers=answers)


def _by_student(sheets: Sequence[MarksSheet], env: Env) -> list[tuple[str, list[Typed]]]:
    """Rows grouped by student (roster aliases resolved) over every sheet, in order; a row without an id stands
    alone."""
    groups: dict[str, list[Typed]] = {}
    order: list[tuple[str, list[Typed]]] = []
    for sheet in sheets:
        for row in sheet.rows:
            student = env.known.aliases.get(row.student_id, row.student_id)
            if not student:
                order.append(("", [(sheet, row)]))
            elif student not in groups:
                groups[student] = [(sheet, row)]
                order.append((student, groups[student]))
            else:
                groups[student].append((sheet, row))
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


def grade_marks(sheets: Sequence[MarksSheet], env: Env, store: Store, regrade: bool = False,
                on_problem: OnProblem = lambda line: None) -> tuple[list[GradedSubmission], int]:
    """Grade every row of every sheet, store each record atomically (files first, record last); returns the records
    and how many were reused unchanged from an earlier run. Each rejected row and ungraded question is a line."""
    records: list[GradedSubmission] = []
    reused = 0
    for student, rows in _by_student(sheets, env):
        record = grade_student(student, rows, env)
        for note in record.notes:
            if record.status == "rejected":
                on_problem(f"row not graded: {note}")
            elif note.startswith(UNGRADED):
                on_problem(note)
        stored = store.load(record.digest)
        if not regrade and stored is not None and _same(stored, record):
            records.append(stored)
            reused += 1
            continue
        store.save(record, _files(record, env))
        records.append(record)
    return records, reused


def marks_roster(env: Env, sheets: Sequence[MarksSheet]) -> Roster:
    """Who the gradebook lists: the roster, else every student with a key (named as the sheets name them), so a
    student without a row is 'missing', as in notebook grading."""
    if env.roster is not None:
        return env.roster
    typed = {env.known.aliases.get(r.student_id, r.student_id): r.cells.get("name", "").strip()
             for sheet in sheets for r in sheet.rows}
    return Roster({sid: typed.get(sid, "") for sid in env.keys.paths}, {sid: sid for sid in env.keys.paths})
