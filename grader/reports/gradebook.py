"""Class gradebooks rebuilt from the stored records: a CSV for spreadsheets and a SQLite file for queries.

Both are derived data, rebuilt whole on every run and replaced atomically, so a regrade never double-counts.
A student with several submissions is graded on the best one (ties: the first by content hash). A submission
whose student could not be identified gets a row of its own (no student id, its status and notes), so it is never
mistaken for a missing student. The CSV shows points with at most two decimals; the SQLite file keeps them whole.
"""

from __future__ import annotations

import csv
import io
import sqlite3
from collections.abc import Sequence
from contextlib import closing
from pathlib import Path

from grader.pipeline.records import GradedSubmission, points_text
from grader.pipeline.roster import Roster
from generator.files import PUBLIC, atomic_path, write_bytes_atomic

SCHEMA = """
CREATE TABLE students (student_id TEXT PRIMARY KEY, name TEXT NOT NULL, on_roster INTEGER NOT NULL);
CREATE TABLE submissions (digest TEXT PRIMARY KEY, student_id TEXT REFERENCES students(student_id),
    label TEXT NOT NULL, filename TEXT NOT NULL, assignment TEXT, status TEXT NOT NULL, score REAL NOT NULL,
    max_score REAL NOT NULL, counted INTEGER NOT NULL, seconds REAL NOT NULL, graded_at TEXT NOT NULL,
    notes TEXT NOT NULL, late INTEGER NOT NULL);
CREATE TABLE scores (digest TEXT NOT NULL REFERENCES submissions(digest), qid TEXT NOT NULL, points REAL NOT NULL,
    max_points REAL NOT NULL, feedback TEXT NOT NULL, PRIMARY KEY (digest, qid));
"""


def best_per_student(records: Sequence[GradedSubmission]) -> dict[str, GradedSubmission]:
    """The submission that counts for each identified student."""
    best: dict[str, GradedSubmission] = {}
    for record in sorted(records, key=lambda r: r.digest):
        sid = record.student_id
        if sid is not None and (sid not in best or record.points > best[sid].points):
            best[sid] = record
    return best


def counted(records: Sequence[GradedSubmission]) -> list[GradedSubmission]:
    """Each identified student's counted submission, by student id (what the report and its CSVs describe)."""
    return sorted(best_per_student(records).values(), key=lambda r: r.student_id or "")


def question_ids(records: Sequence[GradedSubmission]) -> list[str]:
    """Every question id, in first-seen order."""
    seen: dict[str, None] = {}
    for record in records:
        seen.update((s.qid, None) for s in record.scores)
    return list(seen)


def read_names(path: Path) -> dict[str, str]:
    """Student names as the last `cnnlab grade` had them from its roster (gradebook.sqlite); none when unreadable."""
    try:
        with closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)) as db:
            return {str(sid): str(name) for sid, name in db.execute("SELECT student_id, name FROM students") if name}
    except sqlite3.Error:
        return {}


def write_csv(path: Path, records: Sequence[GradedSubmission], roster: Roster | None) -> None:
    """One row per student (roster students without a submission included, marked missing), then one per
    submission whose student could not be identified."""
    best, qids = best_per_student(records), question_ids(records)
    names = dict(roster.names) if roster else {}
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["student_id", "name", "score", "max_score", "percent", "status", "late", "submission", *qids,
                     "notes"])

    def row(sid: str, record: GradedSubmission) -> list[str]:
        per_q = {s.qid: points_text(s.points) for s in record.scores}
        return [sid, names.get(sid, ""), points_text(record.points), points_text(record.max_points), f"{record.percent:.1f}",
                record.status, "late" if record.late else "", record.label, *[per_q.get(q, "") for q in qids],
                " | ".join(record.notes)]

    for sid in sorted(set(best) | set(names)):
        record = best.get(sid)
        if record is None:
            writer.writerow([sid, names.get(sid, ""), "", "", "", "missing", "", "", *["" for _ in qids], ""])
        else:
            writer.writerow(row(sid, record))
    for record in sorted((r for r in records if r.student_id is None), key=lambda r: (r.label, r.digest)):
        writer.writerow(row("", record))
    write_bytes_atomic(path, buffer.getvalue().encode("utf-8"), mode=PUBLIC)


def write_sqlite(path: Path, records: Sequence[GradedSubmission], roster: Roster | None) -> None:
    """Students, every submission (the counted one marked) and per-question scores, built aside then swapped in."""
    best = best_per_student(records)
    names = dict(roster.names) if roster else {}
    with atomic_path(path, mode=PUBLIC) as tmp, closing(sqlite3.connect(tmp)) as db, db:  # commit, close, rename
        db.executescript(SCHEMA)
        students = sorted(set(names) | {r.student_id for r in records if r.student_id})
        db.executemany("INSERT INTO students VALUES (?, ?, ?)",
                       [(s, names.get(s, ""), int(roster is not None and s in roster)) for s in students])
        db.executemany("INSERT INTO submissions VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", [
            (r.digest, r.student_id, r.label, r.filename, r.assignment, r.status, r.points, r.max_points,
             int(r.student_id is not None and best.get(r.student_id) is r), r.seconds, r.graded_at,
             "\n".join(r.notes), int(r.late)) for r in records])
        db.executemany("INSERT INTO scores VALUES (?, ?, ?, ?, ?)", [
            (r.digest, s.qid, s.points, s.max_points, s.feedback) for r in records for s in r.scores])
