"""Plain records passed between grading steps: frozen, JSON-able, so results can be stored and reloaded exactly."""

from __future__ import annotations

import hashlib
import re
from dataclasses import asdict, dataclass, field
from typing import Any

from generator.model import Attachment, Score, Variant

JSON = Any
LATE = re.compile(r"_LATE_\d+_")  # Canvas marks a file handed in after the due date: <name>_LATE_<userid>_<subid>_
__all__ = ["AnswerKey", "Attachment", "GradedSubmission", "Identity", "RawSubmission", "Score", "points_text"]


def points_text(points: float) -> str:
    """Points as a person reads them: at most two decimals (47.68, not 47.678571; 12345.68, not 12345.7; 88, not
    88.00); records keep full precision."""
    text = f"{points:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


@dataclass(frozen=True)
class RawSubmission:
    """One submitted file as it arrived: where it came from and its bytes, before anything trusts it."""

    label: str  # e.g. "class.zip:alice_1234_5678_hw.ipynb", shown in every message about this file
    filename: str  # the base name, which LMS bulk downloads use to carry the student id
    data: bytes = field(repr=False)
    weights: tuple[Attachment, ...] = ()  # weights files that belong to this notebook (grader/pipeline/collect.py)
    problem: str | None = None  # one line saying why the bytes could not be read (then data is empty)

    @property
    def digest(self) -> str:
        """Hash of file name, content and weights: results are stored and resumed by it (new weights regrade).

        A file that could not be read also hashes its label and problem, so two unreadable files of one name
        (a FIFO in each of two folders) are two submissions, not one graded twice.
        """
        digest = hashlib.sha256(self.filename.encode("utf-8", "surrogatepass") + b"\0" + self.data)
        for weights in self.weights:
            digest.update(f"\0{weights.name}\0{weights.size}\0".encode("utf-8", "surrogatepass") + weights.data)
        if self.problem is not None:
            digest.update(f"\0{self.label}\0{self.problem}".encode("utf-8", "surrogatepass"))
        return digest.hexdigest()


@dataclass(frozen=True)
class Identity:
    """Whose submission this is, and how sure we are."""

    student_id: str | None
    source: str  # "metadata", "file name", "metadata+file name", or "none"
    flags: tuple[str, ...] = ()  # human-readable warnings, e.g. metadata id != file-name id


@dataclass(frozen=True)
class AnswerKey:
    """A student's answer key, loaded from KEYDIR/<student_id>.json."""

    assignment: str
    student_id: str
    seed: int
    questions: tuple[Variant, ...]  # the same records the generator drew (generator/model.py)
    digest: str  # hash of the key file, so a changed key triggers a regrade
    topics: dict[str, str] = field(default_factory=dict)  # qid -> the lecture section it teaches (template `topic:`)

    @property
    def max_points(self) -> float:
        """Points available in total."""
        return sum(q.points for q in self.questions)


@dataclass(frozen=True)
class GradedSubmission:
    """Everything known about one graded submission: stored as JSON, one file per content hash."""

    digest: str
    label: str
    filename: str
    student_id: str | None
    assignment: str | None
    key_digest: str | None
    status: str  # "graded", "rejected" (unreadable / unidentifiable), or a sandbox status such as "timeout"
    scores: tuple[Score, ...]
    notes: tuple[str, ...]  # submission-level messages: identity flags, unreadable file, missing cells
    seconds: float  # time in the sandbox
    graded_at: str = ""  # ISO 8601 UTC, for the gradebook's times
    isolation: str = ""  # what the sandbox said about its isolation
    answers: dict[str, JSON] = field(default_factory=dict, hash=False)  # qid -> submitted value, for copy detection
    # (grader/copying/detect.py); instructor-only: results.json, feedback and gradebooks never show it

    @property
    def late(self) -> bool:
        """Canvas said the file came after the due date (its LATE marker); recorded, never penalised here."""
        return LATE.search(self.filename) is not None

    @property
    def points(self) -> float:
        """Points earned."""
        return round(sum(s.points for s in self.scores), 6)

    @property
    def max_points(self) -> float:
        """Points available."""
        return round(sum(s.max_points for s in self.scores), 6)

    @property
    def percent(self) -> float:
        """Score as a percentage (0 when nothing was gradable)."""
        return 100.0 * self.points / self.max_points if self.max_points else 0.0

    def to_json(self) -> dict[str, JSON]:
        """Plain dict for the per-submission record."""
        data = asdict(self)
        data["scores"] = [s.to_json() for s in self.scores]
        data["notes"] = list(self.notes)
        data["late"] = self.late  # derived from the file name, stored so readers of record.json need no rule
        return data

    @staticmethod
    def from_json(data: dict[str, JSON]) -> GradedSubmission:
        """Inverse of to_json."""
        fields_ = dict(data)
        fields_.pop("late", None)
        fields_["scores"] = tuple(Score.from_json(s) for s in data["scores"])
        fields_["notes"] = tuple(data["notes"])
        return GradedSubmission(**fields_)
