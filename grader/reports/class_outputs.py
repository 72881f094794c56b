"""Class-wide files rebuilt from every stored record: per-student copies, gradebooks, JUnit for CI, and the
report folder's misconceptions.csv and questions.json (what the class report reads about each question)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from grader.reports.gradebook import best_per_student, question_ids, write_csv, write_sqlite
from grader.reports.junit import write_junit
from grader.reports.questions import question_info, write_question_info
from grader.reports.wrong_answers import class_misconceptions, write_misconceptions_csv
from grader.pipeline.answer_key import KeyDir
from grader.pipeline.records import GradedSubmission
from grader.pipeline.roster import Roster
from generator.files import PUBLIC, write_bytes_atomic
from grader.pipeline.store import Store

STUDENT_FILES = ("results.json", "feedback.ipynb")


def write_student_copies(store: Store, records: Sequence[GradedSubmission]) -> None:
    """OUT/students/<id>/ holds the counted submission's results.json and feedback notebook."""
    for student, record in best_per_student(records).items():
        for name in STUDENT_FILES:
            source = store.folder(record.digest) / name
            if source.exists():
                write_bytes_atomic(store.root / "students" / student / name, source.read_bytes(), mode=PUBLIC)


def write_class_outputs(store: Store, roster: Roster | None, this_run: Sequence[GradedSubmission],
                        junit: Path | None, keys: KeyDir | None = None) -> list[GradedSubmission]:
    """Gradebooks over all records; results.json at the top when one submission was graded (Gradescope's layout).

    `keys`: the answer keys, to describe each question (kind, title, lecture topic) in OUT/report/questions.json.
    """
    records = store.records()
    write_student_copies(store, records)
    write_csv(store.root / "gradebook.csv", records, roster)
    write_sqlite(store.root / "gradebook.sqlite", records, roster)
    write_misconceptions_csv(store.root / "report", class_misconceptions(records))
    if keys is not None:
        write_question_info(store.root / "report", question_info(keys, question_ids(records)))
    if len(this_run) == 1:
        write_bytes_atomic(store.root / "results.json", (store.folder(this_run[0].digest) / "results.json").read_bytes(),
                     mode=PUBLIC)
    if junit is not None:
        write_junit(junit, sorted(this_run, key=lambda r: (r.student_id or "", r.digest)))
    return records
