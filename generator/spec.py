"""Assignment and exam specs: which questions (by id, or `pick k from a pool`), points, order, title, due date."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from generator.errors import TemplateError, suggest
from generator.model import Template
from generator.templates import ID_PATTERN, load_templates, template_files
from generator.yamlio import Located, LocatedList, check_keys, load_yaml

REQUIRED = ("id", "title", "questions")
OPTIONAL = ("instructions", "due", "shuffle", "templates", "gradescope", "exam", "feedback")
ANSWERS = ("show", "hide")  # `feedback: {answers: ...}`: whether the grader's feedback shows the expected values
EXAM_CODE = ("handwritten", "omit")  # code questions on paper: ruled lines marked by a rubric, or left out
EXAM_COVER = ("course", "date", "time_allowed")  # `exam:` text for the paper's cover (generator/paper/cover.py)
# `exam:` switches: a page of the lecture's formulas; the notebook's hints; numbers (and a form's student id) printed
# as combs of cells, with every box's position in EXAMDIR/layout/, for an exam read from its scans
EXAM_FLAGS = ("formula_sheet", "hints", "scan")
MAX_ID_DIGITS = 20  # `exam: {id_digits: N}`: the student-id comb's digit cells on forms
ENTRY_KEYS = ("id", "pick", "from", "points", "visibility")
VISIBILITIES = ("visible", "after_due_date", "after_published", "hidden")  # Gradescope's, per test
PICK_PER = ("exam", "form")  # `pick: {count: k, per: ...}`: one draw for every form of an exam, or one per form


@dataclass(frozen=True)
class Entry:
    """One line of `questions:`: a fixed question (pool of one, pick 1) or `pick k from` a pool."""

    pool: tuple[str, ...]
    pick: int
    points: float | None  # None keeps each template's own points
    where: str
    visibility: str | None = None  # Gradescope test visibility; None: the spec's default
    per: str = "exam"  # with `cnnlab exam --forms`: the same draw on every form ('exam') or a draw per form ('form')


@dataclass(frozen=True)
class ExamPaper:
    """The spec's `exam:` settings for the printed exam's cover, formula sheet and hints (docs/TEMPLATES.md)."""

    course: str = ""
    date: str = ""  # empty: the spec's due date
    time_allowed: str = ""  # '75 minutes'
    formula_sheet: bool = False
    hints: bool = False  # print the hints (formulas) a notebook adds to a question
    scan: bool = False  # read from scans: combs for numbers (generator/paper/combs.py), a layout (layout.py)
    id_digits: int | None = None  # the student-id comb's digit cells on forms; None: the roster's longest id


@dataclass(frozen=True)
class Spec:
    """A checked assignment or exam spec with the templates it draws from."""

    id: str
    title: str
    instructions: str
    due: str
    shuffle: bool
    entries: tuple[Entry, ...]
    templates: Mapping[str, Template]
    where: str
    visibility: str = "visible"  # `gradescope: {visibility: ...}`: the default for every question
    exam_code: str = "handwritten"  # `exam: {code: ...}`: what `cnnlab exam` does with code questions
    show_answers: bool = True  # `feedback: {answers: hide}`: feedback names mistakes but never the expected value
    exam_paper: ExamPaper = ExamPaper()  # `exam: {course: ..., time_allowed: ..., formula_sheet: ...}`

    def visibility_of(self) -> dict[str, str]:
        """Each question id (every pool member) -> its Gradescope visibility, for the autograder's results.json."""
        return {qid: entry.visibility or self.visibility for entry in self.entries for qid in entry.pool}

    def questions_for(self, rng: np.random.Generator, exam: np.random.Generator | None = None) -> list[Template]:
        """One student's questions: picks from each pool, points applied, order shuffled if the spec says so.

        `exam` (forms of one exam, each given a generator of the same exam-wide seed) draws every pick that is not
        `per: form`, so that each form has the same questions at each entry; without it everything is the student's.
        """
        chosen: list[Template] = []
        for entry in self.entries:
            draw = exam if exam is not None and entry.per == "exam" else rng
            picked = sorted(draw.choice(len(entry.pool), entry.pick, replace=False)) if entry.pick < len(entry.pool) \
                else range(len(entry.pool))
            for index in picked:
                template = self.templates[entry.pool[index]]
                chosen.append(template if entry.points is None else template.with_points(entry.points))
        if self.shuffle:
            chosen = [chosen[i] for i in rng.permutation(len(chosen))]
        return chosen


def _template_paths(data: Located, base: Path) -> list[Path]:
    """Template files named by `templates:` (folders or files, relative to the spec), default ./templates/."""
    raw = data.get("templates", "templates")
    items = raw if isinstance(raw, list) else [raw]
    paths: list[Path] = []
    for item in items:
        if not isinstance(item, str):
            raise data.error("templates", "templates must be a folder or file path, or a list of them")
        path = base / item
        if path.is_dir():
            paths += template_files(path)
        elif path.is_file():
            paths.append(path)
        else:
            raise data.error("templates", f"no such template folder or file: {item!r} (relative to {base})")
    return paths


def _visibility(data: Located, key: str) -> str | None:
    """An optional Gradescope visibility, one of VISIBILITIES."""
    value = data.get(key)
    if value is not None and value not in VISIBILITIES:
        raise data.error(key, f"visibility must be one of {', '.join(VISIBILITIES)}, got {value!r}")
    return value


def _pick(item: Located, size: int) -> tuple[int, str]:
    """`pick: k` or `pick: {count: k, per: exam|form}` (count 1, per exam by default), k from 1 to the pool's size."""
    raw, per, where, key = item.get("pick", 1), "exam", item, "pick"
    if isinstance(raw, Located):
        check_keys(raw, (), ("count", "per"), "a pick")
        per = raw.get("per", "exam")
        if per not in PICK_PER:
            raise raw.error("per", f"per must be one of {', '.join(PICK_PER)}, got {per!r}")
        raw, where, key = raw.get("count", 1), raw, "count"
    if type(raw) is not int or not 1 <= raw <= size:
        raise where.error(key, f"{key} must be a whole number from 1 to {size} (the pool size), got {raw!r}")
    return raw, per


def _entry(item: Any, where: str, templates: Mapping[str, Template]) -> Entry:
    """Read one `questions:` entry: 'id', {id, points} or {pick, from, points}."""
    visibility, per = None, "exam"
    if isinstance(item, str):
        pool, pick, points = (item,), 1, None
    elif isinstance(item, Located):
        check_keys(item, (), ENTRY_KEYS, "a question entry")
        if ("id" in item) == ("from" in item):
            raise item.error(None, "a question entry needs either 'id' or 'pick' with 'from'")
        points = item.get("points")
        if points is not None and (isinstance(points, bool) or not isinstance(points, (int, float)) or points <= 0):
            raise item.error("points", f"points must be a positive number, got {points!r}")
        if "id" in item:
            pool, pick, where = (item["id"],), 1, item.where("id")
        else:
            pool_raw = item["from"]
            if not isinstance(pool_raw, list) or not pool_raw or not all(isinstance(q, str) for q in pool_raw):
                raise item.error("from", "from must be a non-empty list of question ids")
            if len(set(pool_raw)) != len(pool_raw):
                raise item.error("from", "the pool lists a question id twice")
            pick, per = _pick(item, len(pool_raw))
            pool, where = tuple(pool_raw), item.where("from")
        points = None if points is None else float(points)
        visibility = _visibility(item, "visibility")
    else:
        raise TemplateError(where, "each question is an id, {id: ..., points: ...} or {pick: k, from: [...]}")
    for qid in pool:
        if qid not in templates:
            raise TemplateError(where, f"unknown question id {qid!r}{suggest(qid, templates)}")
    worth = ", ".join(f"{qid}: {templates[qid].points:g}" for qid in pool)
    if points is None and pick < len(pool) and len({templates[qid].points for qid in pool}) > 1:
        raise TemplateError(where, f"the pool's questions are worth different points ({worth}); add 'points:' so "
                                   "every student can earn the same total")
    return Entry(pool, pick, points, where, visibility, per)


def _answers(data: Located) -> bool:
    """`feedback: {answers: show|hide}` (default show): whether the feedback may show the expected values."""
    feedback = data.get("feedback")
    if feedback is None:
        return True
    if not isinstance(feedback, Located):
        raise data.error("feedback", "feedback must be a mapping such as {answers: hide}")
    check_keys(feedback, (), ("answers",), "the spec's feedback settings")
    answers = feedback.get("answers", "show")
    if answers not in ANSWERS:
        raise feedback.error("answers", f"answers must be one of {', '.join(ANSWERS)}, got {answers!r}")
    return answers == "show"


def parse_spec(data: Located, base: Path) -> Spec:
    """Check a spec mapping and load the templates it uses."""
    check_keys(data, REQUIRED, OPTIONAL, "an assignment spec")
    if not isinstance(data["id"], str) or not ID_PATTERN.fullmatch(data["id"]):
        raise data.error("id", f"id must be letters, digits, '-' or '_', got {data['id']!r}")
    for key in ("title", "instructions", "due"):
        if key in data and not isinstance(data[key], str):
            raise data.error(key, f"{key} must be text")
    if not isinstance(data.get("shuffle", False), bool):
        raise data.error("shuffle", "shuffle must be true or false")
    questions = data["questions"]
    if not isinstance(questions, LocatedList) or not questions:
        raise data.error("questions", "questions must be a non-empty list")
    gradescope = data.get("gradescope")
    if gradescope is not None:
        if not isinstance(gradescope, Located):
            raise data.error("gradescope", "gradescope must be a mapping such as {visibility: after_due_date}")
        check_keys(gradescope, (), ("visibility",), "the spec's gradescope settings")
    exam = data.get("exam")
    if exam is not None:
        if not isinstance(exam, Located):
            raise data.error("exam", "exam must be a mapping such as {code: omit}")
        check_keys(exam, (), ("code", *EXAM_COVER, *EXAM_FLAGS, "id_digits"), "the spec's exam settings")
        if exam.get("code", "handwritten") not in EXAM_CODE:
            raise exam.error("code", f"code must be one of {', '.join(EXAM_CODE)}, got {exam.get('code')!r}")
    show_answers = _answers(data)
    templates = load_templates(_template_paths(data, base))
    entries = tuple(_entry(item, questions.where(i), templates) for i, item in enumerate(questions))
    seen: dict[str, str] = {}
    for entry in entries:
        for qid in entry.pool:
            if qid in seen:
                raise TemplateError(entry.where, f"question {qid!r} is already used at {seen[qid]}")
            seen[qid] = entry.where
    return Spec(data["id"], data["title"].strip(), data.get("instructions", "").strip(), str(data.get("due", "")),
                data.get("shuffle", False), entries, templates, data.where(),
                (_visibility(gradescope, "visibility") if gradescope is not None else None) or "visible",
                exam.get("code", "handwritten") if exam is not None else "handwritten", show_answers,
                _exam_paper(exam) if exam is not None else ExamPaper())


def _exam_paper(exam: Located) -> ExamPaper:
    """The cover's text (time_allowed may be a number of minutes) and the true/false switches of `exam:`."""
    for key in EXAM_FLAGS:
        if not isinstance(exam.get(key, False), bool):
            raise exam.error(key, f"{key} must be true or false")
    for key in EXAM_COVER:
        if isinstance(exam.get(key), (Located, LocatedList, bool)):
            raise exam.error(key, f"{key} must be text")
    minutes = exam.get("time_allowed", "")
    allowed = f"{minutes} minutes" if type(minutes) is int else str(minutes)
    digits = exam.get("id_digits")
    if digits is not None and (type(digits) is not int or not 1 <= digits <= MAX_ID_DIGITS):
        raise exam.error("id_digits", f"id_digits must be a whole number from 1 to {MAX_ID_DIGITS}, got {digits!r}")
    if digits is not None and not exam.get("scan", False):
        raise exam.error("id_digits", "id_digits sizes the student-id comb of a scanned exam; add scan: true")
    return ExamPaper(str(exam.get("course", "")), str(exam.get("date", "")), allowed,
                     exam.get("formula_sheet", False), exam.get("hints", False), exam.get("scan", False), digits)


def load_spec(path: str | Path) -> Spec:
    """Read and check a spec file."""
    return parse_spec(load_yaml(path), Path(path).parent)
