"""Answer keys: KEYDIR/<student_id>.json, the only source of each student's variant (never the submission)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from generator.model import Variant
from grader.pipeline.records import AnswerKey


def _question(data: dict[str, Any], where: str) -> Variant:
    """One question: the generator's own Variant, with the fields the contract requires checked by name."""
    from generator.kinds import KINDS  # the registry imports every kind; only reading a key needs it

    missing = [k for k in ("qid", "kind", "seed", "points") if k not in data]
    if missing:
        raise ValueError(f"{where}: question is missing {', '.join(missing)}")
    if not (data.get("variable") or data.get("entry_point")):
        raise ValueError(f"{where}: question {data['qid']!r} has neither a variable nor an entry_point")
    if data["kind"] not in KINDS:
        raise ValueError(f"{where}: question {data['qid']!r} has unknown kind {data['kind']!r}")
    variant = Variant.from_key(data)
    return replace(variant, qid=str(variant.qid), seed=int(variant.seed), points=float(variant.points),
                   params=dict(variant.params or {}), show_answers=variant.show_answers is not False)


def parse_key(raw: bytes, where: str) -> AnswerKey:
    """An answer key from its JSON bytes; any defect is a ValueError naming the file."""
    try:
        data = json.loads(raw.decode("utf-8"))
        questions = tuple(_question(q, f"{where} question {i}") for i, q in enumerate(data["questions"]))
        topics = {str(q["qid"]): q["topic"] for q in data["questions"] if isinstance(q.get("topic"), str)}
        return AnswerKey(str(data["assignment"]), str(data["student_id"]), int(data["seed"]), questions,
                         hashlib.sha256(raw).hexdigest(), topics)
    except (UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError) as error:
        raise ValueError(f"{where}: not a valid answer key ({type(error).__name__}: {error})") from None


@dataclass(frozen=True)
class KeyFile:
    """One key file as read once: the hash of its bytes and what those same bytes parsed to."""

    digest: str
    key: AnswerKey | None  # None: the file is not a key for its student (problem says why)
    problem: Exception | None = None


@dataclass(frozen=True)
class KeyDir:
    """The folder of answer keys, indexed once so student ids from notebooks never become file paths.

    Each key file is read, hashed and parsed once per run (the first time a step asks) and kept here: at most one
    small entry per key file, so a resumed run's digests, the grading and the class-wide copy check all use the
    same bytes.
    """

    root: Path
    paths: dict[str, Path]
    parsed: dict[str, KeyFile] = field(default_factory=dict, init=False, repr=False, compare=False)

    @staticmethod
    def open(root: Path) -> KeyDir:
        """Index KEYDIR; a missing or empty folder is an error for the whole run."""
        if not root.is_dir():
            raise OSError(f"{root}: answer-key folder not found")
        paths = {p.stem: p for p in sorted(root.glob("*.json"))}
        if not paths:
            raise ValueError(f"{root}: no answer keys (*.json) in the folder")
        return KeyDir(root, paths)

    def file_bytes(self, path: Path) -> bytes:
        """A key file's bytes (a Dask worker's KeyDir holds them in memory instead)."""
        return path.read_bytes()

    def entry(self, student_id: str | None, raw: bytes | None = None) -> KeyFile | None:
        """The student's key file as this run read it (None without one): read, hashed and parsed on first use.

        `raw`: the file's bytes, just read by a caller that needs them too (a Dask client ships them to a worker).
        """
        if student_id is None or student_id not in self.paths:
            return None
        found = self.parsed.get(student_id)
        if found is None:
            path = self.paths[student_id]
            raw = self.file_bytes(path) if raw is None else raw
            try:
                key = parse_key(raw, str(path))
                if key.student_id != student_id:
                    raise ValueError(f"{path}: key is for student {key.student_id!r}, not {student_id!r}")
                found = KeyFile(key.digest, key)
            except Exception as error:  # noqa: BLE001  raised again by load(), where it has always surfaced
                found = KeyFile(hashlib.sha256(raw).hexdigest(), None, error.with_traceback(None))
            found = self.parsed.setdefault(student_id, found)  # two threads at once: both keep the first
        return found

    def digest(self, student_id: str | None) -> str | None:
        """Hash of the student's key file as this run read it (None without one): a stored result for another is
        stale."""
        found = self.entry(student_id)
        return found.digest if found is not None else None

    def load(self, student_id: str) -> AnswerKey | None:
        """The student's key, or None when there is none; a corrupt key raises (an instructor-side failure)."""
        found = self.entry(student_id)
        if found is not None and found.problem is not None:
            raise found.problem.with_traceback(None)
        return found.key if found is not None else None
