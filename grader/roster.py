"""The class roster: who may submit, and which other ids (LMS user ids, e-mail) point at the same student."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

ID_COLUMNS = ("student_id", "id", "sis_id", "sis user id")
ALIAS_COLUMNS = ("lms_id", "canvas_id", "user_id", "username", "email", "login_id")


@dataclass(frozen=True)
class Roster:
    """Student ids, their display names, and every alias that identifies them (alias -> student id)."""

    names: Mapping[str, str]  # student id -> display name ("" when the roster has none)
    aliases: Mapping[str, str]  # alias (student id included) -> student id

    def __contains__(self, student_id: object) -> bool:
        """Whether the id is on the roster."""
        return student_id in self.names

    @staticmethod
    def of_ids(ids: Iterable[str]) -> Roster:
        """A roster that only knows ids (e.g. the answer keys present in KEYDIR)."""
        ids = sorted(set(ids))
        return Roster({i: "" for i in ids}, {i: i for i in ids})


def _column(header: list[str], choices: tuple[str, ...]) -> list[str]:
    """Header names (as written) that match any of the choices, case-insensitively."""
    lowered = {h.strip().lower(): h for h in header}
    return [lowered[c] for c in choices if c in lowered]


def read_roster(path: Path) -> Roster:
    """Read a roster CSV with a student_id (or id) column and optional name and alias columns."""
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        header = list(reader.fieldnames or [])
        id_cols = _column(header, ID_COLUMNS)
        if not id_cols:
            raise ValueError(f"{path}: roster needs a student_id column; found {header}")
        name_cols, alias_cols = _column(header, ("name", "student", "full_name")), _column(header, ALIAS_COLUMNS)
        names: dict[str, str] = {}
        aliases: dict[str, str] = {}
        for line, row in enumerate(reader, start=2):
            student = (row.get(id_cols[0]) or "").strip()
            if not student:
                raise ValueError(f"{path}:{line}: empty {id_cols[0]}")
            names[student] = (row.get(name_cols[0]) or "").strip() if name_cols else ""
            aliases[student] = student
            for col in alias_cols:
                alias = (row.get(col) or "").strip()
                if alias:
                    aliases.setdefault(alias, student)
    return Roster(names, aliases)
