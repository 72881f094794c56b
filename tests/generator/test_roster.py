"""The roster CSV: ids are required, unique and safe as file names; errors name the line."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.errors import TemplateError
from generator.roster import read_students
from tests.generator.conftest import ROSTER


def test_bundled_roster_has_30_students() -> None:
    students = read_students(ROSTER)
    assert len(students) == 30 and len({s.student_id for s in students}) == 30
    assert students[0].name


@pytest.mark.parametrize(("text", "expected"), [
    ("student_id,name\ns1,A\ns1,B\n", ":3: duplicate student_id 's1' (first on line 2)"),
    ("student_id,name\n../evil,A\n", ":2: student_id '../evil' must be"),
    ("studentid,name\ns1,A\n", ":1: the roster needs a 'student_id' column, found ['studentid', 'name'] "
                              "(did you mean 'student_id'?)"),
    ("student_id,name\n", "lists no students"),
])
def test_roster_errors(tmp_path: Path, text: str, expected: str) -> None:
    path = tmp_path / "roster.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(TemplateError) as caught:
        read_students(path)
    assert str(caught.value).startswith(str(path)) and expected in str(caught.value)
