"""Roster CSVs: ids, names and LMS aliases; a roster without an id column is refused by name."""

from pathlib import Path

import pytest

from grader.pipeline.roster import Roster, read_roster


def test_read_roster_with_aliases(tmp_path: Path) -> None:
    path = tmp_path / "roster.csv"
    path.write_text("student_id,name,canvas_id,email\ns001,Ada,111,ada@x.org\ns002,Bob,,\n", encoding="utf-8")
    roster = read_roster(path)
    assert roster.names == {"s001": "Ada", "s002": "Bob"}
    assert roster.aliases["111"] == "s001" and roster.aliases["ada@x.org"] == "s001"
    assert "s002" in roster and "111" not in roster


def test_roster_without_id_column(tmp_path: Path) -> None:
    path = tmp_path / "roster.csv"
    path.write_text("name\nAda\n")
    with pytest.raises(ValueError, match=r"roster.csv:1: .*needs a 'student_id' column"):
        read_roster(path)


def test_of_ids() -> None:
    assert Roster.of_ids(["b", "a"]).aliases == {"a": "a", "b": "b"}
