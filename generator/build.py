"""Per-student generation: variants from HMAC seeds, then the student notebook, instructor notebook and key.

Layout of the output folder: students/ (hand these out), instructor/ (worked solutions), key/ (never hand out)
and manifest.json (the class list of what was written). Printable exams are `cnnlab exam`'s (generator/paper/).
The key folder and its keys are private to the instructor's account (0700, 0600); everything else is 0755/0644.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from generator.files import PRIVATE, PUBLIC, folder_mode, make_folder, write_text_atomic
from generator.kinds import KINDS
from generator.notebook import INSTRUCTOR_STEPS, STUDENT_STEPS, Question, Sheet, build_notebook, dumps
from generator.roster import Student
from generator.seeds import question_seed, student_seed
from generator.spec import Spec
from generator.templates import topic_of

KEY_FORMAT = 1
FOLDERS = {"student": "students", "instructor": "instructor", "key": "key"}
SUFFIXES = {"key": ".json"}  # notebooks otherwise
MODES = {"key": PRIVATE}  # PUBLIC otherwise


@dataclass(frozen=True)
class StudentFiles:
    """Everything written for one student, as text, plus what the manifest records."""

    student: Student
    texts: dict[str, str]  # folder role ('student', 'instructor', 'key') -> file content
    qids: tuple[str, ...]
    points: float


def sheet_for(spec: Spec, student: Student, secret: bytes, exam_seed: int | None = None) -> tuple[Sheet, int]:
    """The student's questions (selection and order from the student seed, variants from question seeds), each
    carrying the spec's feedback setting into the key. `exam_seed` (the forms of one paper exam) draws the picks
    that every form shares (Spec.questions_for)."""
    seed = student_seed(secret, spec.id, student.student_id)
    shared = np.random.default_rng(exam_seed) if exam_seed is not None else None
    templates = spec.questions_for(np.random.default_rng(seed), shared)
    questions = tuple(
        Question(number, replace(KINDS[t.kind].generate(t, question_seed(secret, spec.id, student.student_id, t.id)),
                                 show_answers=spec.show_answers), KINDS[t.kind])
        for number, t in enumerate(templates, start=1))
    sheet = Sheet(spec.id, spec.title, spec.instructions, spec.due, student.student_id, student.name, questions)
    return sheet, seed


def answer_key(sheet: Sheet, seed: int, topics: Mapping[str, str]) -> dict[str, Any]:
    """The key (docs/CONTRACT.md): the student seed and every variant's key entry, in notebook order, each with its
    template's lecture topic where it has one (the class report's "What to reteach" names it)."""
    return {"format": KEY_FORMAT, "assignment": sheet.assignment, "student_id": sheet.student_id, "seed": seed,
            "questions": [{**q.variant.to_key(), **({"topic": topics[q.variant.qid]} if q.variant.qid in topics
                                                    else {})} for q in sheet.questions]}


def spec_topics(spec: Spec) -> dict[str, str]:
    """Each question id's lecture topic, for the templates that name one."""
    return {qid: topic for qid, template in spec.templates.items() if (topic := topic_of(template)) is not None}


def build_student(spec: Spec, student: Student, secret: bytes) -> StudentFiles:
    """All of one student's files, as text."""
    sheet, seed = sheet_for(spec, student, secret)
    notebooks = build_notebook(sheet, STUDENT_STEPS, "student"), build_notebook(sheet, INSTRUCTOR_STEPS, "instructor")
    shared: dict[int, tuple[Any, str]] = {}  # the cells both notebooks hold (prompts, checks) are encoded once
    texts = {"student": dumps(notebooks[0], shared), "instructor": dumps(notebooks[1], shared),
             "key": dumps(answer_key(sheet, seed, spec_topics(spec)))}
    return StudentFiles(student, texts, tuple(q.variant.qid for q in sheet.questions), sheet.total_points)


def file_name(role: str, student_id: str) -> str:
    """Relative path of one output file."""
    return f"{FOLDERS[role]}/{student_id}{SUFFIXES.get(role, '.ipynb')}"


def write_student(out_dir: Path, files: StudentFiles) -> None:
    """Write one student's files atomically."""
    for role, text in files.texts.items():
        write_text_atomic(out_dir / file_name(role, files.student.student_id), text, mode=MODES.get(role, PUBLIC))


def manifest(spec: Spec, written: Iterable[StudentFiles]) -> dict[str, Any]:
    """The class manifest: who got which questions and where their files are (no times, so runs are identical)."""
    students = []
    counts: dict[str, int] = {}
    for files in written:
        for qid in files.qids:
            counts[qid] = counts.get(qid, 0) + 1
        students.append({"student_id": files.student.student_id, "name": files.student.name,
                         "questions": list(files.qids), "points": files.points,
                         "files": {role: file_name(role, files.student.student_id) for role in files.texts}})
    return {"format": KEY_FORMAT, "assignment": spec.id, "title": spec.title, "due": spec.due,
            "students": students, "question_counts": counts}


def generate_class(spec: Spec, students: Iterable[Student], secret: bytes, out_dir: Path) -> dict[str, Any]:
    """Generate and write every student's files and the manifest; returns the manifest."""
    make_folder(out_dir, folder_mode(PUBLIC))
    for role, folder in FOLDERS.items():
        make_folder(out_dir / folder, folder_mode(MODES.get(role, PUBLIC)))
    os.chmod(out_dir / FOLDERS["key"], folder_mode(PRIVATE))  # also a key folder left by an earlier run
    written = []
    for student in students:
        files = build_student(spec, student, secret)
        write_student(out_dir, files)
        written.append(files)
    result = manifest(spec, written)
    write_text_atomic(out_dir / "manifest.json", dumps(result), mode=PUBLIC)
    return result
