"""The class roster: who may submit, and which other ids (LMS user ids, e-mail) point at the same student."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from generator.roster import read_students


@dataclass(frozen=True)
class Roster:
    """Student ids, their display names, and every alias that identifies them (alias -> student id)."""

    names: Mapping[str, str]  # student id -> display name ("" when the roster has none)
    aliases: Mapping[str, str]  # alias (student id included) -> student id
    details: Mapping[str, Mapping[str, str]] = field(default_factory=dict)  # student id -> LMS fields (canvas_id...)
    source: Path | None = field(default=None, compare=False)  # the file it was read from: hidden from student code

    def __contains__(self, student_id: object) -> bool:
        """Whether the id is on the roster."""
        return student_id in self.names

    def by_name(self, name: str) -> str | None:
        """The one student of this full name (case and spacing ignored), None when none or several have it."""
        wanted = " ".join(name.split()).casefold()
        found = [sid for sid, full in self.names.items() if full and " ".join(full.split()).casefold() == wanted]
        return found[0] if len(found) == 1 else None

    @staticmethod
    def of_ids(ids: Iterable[str]) -> Roster:
        """A roster that only knows ids (e.g. the answer keys present in KEYDIR)."""
        ids = sorted(set(ids))
        return Roster({i: "" for i in ids}, {i: i for i in ids})


def read_roster(path: Path) -> Roster:
    """The roster as the generator reads it (same checks, same errors), indexed by id and alias."""
    students = read_students(path)
    aliases: dict[str, str] = {student.student_id: student.student_id for student in students}
    for student in students:
        for alias in student.aliases:
            aliases.setdefault(alias, student.student_id)
    return Roster({student.student_id: student.name for student in students}, aliases,
                  {student.student_id: student.details for student in students}, source=path)
