"""A key file is read, hashed and parsed once per run: the resume check, the grading and the copy check agree."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from grader.copying.class_check import class_keys
from grader.pipeline.answer_key import KeyDir
from tests.grader.pipeline.test_steps import KEY


def reads(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """Every file read with Path.read_bytes from now on, in order."""
    read: list[Path] = []
    original = Path.read_bytes

    def read_bytes(self: Path) -> bytes:
        read.append(self)
        return original(self)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    return read


def sha256(path: Path) -> str:
    """The hash of the file as it is on disk."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_key_file_is_read_and_parsed_once_for_the_resume_check_grading_and_the_copy_check(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "s1.json"
    path.write_text(json.dumps(KEY))
    expected = sha256(path)
    keys = KeyDir.open(tmp_path)
    read = reads(monkeypatch)
    digest, key = keys.digest("s1"), keys.load("s1")
    assert key is not None and class_keys(keys) == {"s1": key.questions} and keys.load("s1") is key
    assert read == [path]
    assert digest == key.digest == expected


def test_the_run_keeps_the_bytes_it_read_first_and_the_next_run_sees_a_change(tmp_path: Path) -> None:
    path = tmp_path / "s1.json"
    path.write_text(json.dumps(KEY))
    keys = KeyDir.open(tmp_path)
    first = keys.digest("s1")
    path.write_text(json.dumps({**KEY, "seed": 6}))
    key = keys.load("s1")
    assert key is not None and key.seed == 5 and key.digest == first  # the digest is of the bytes parsed
    assert KeyDir.open(tmp_path).digest("s1") == sha256(path) != first


def test_a_corrupt_or_foreign_key_is_hashed_and_raises_on_every_load(tmp_path: Path) -> None:
    (tmp_path / "s1.json").write_text(json.dumps({**KEY, "questions": [{"qid": "q"}]}))
    (tmp_path / "s2.json").write_text(json.dumps(KEY))  # s1's key under s2's name
    keys = KeyDir.open(tmp_path)
    assert keys.digest("s1") == sha256(tmp_path / "s1.json")
    for _ in range(2):
        with pytest.raises(ValueError, match="s1.json question 0: question is missing kind"):
            keys.load("s1")
        with pytest.raises(ValueError, match="s2.json: key is for student 's1', not 's2'"):
            keys.load("s2")
    assert keys.digest(None) is None and keys.digest("nobody") is None and keys.load("nobody") is None
