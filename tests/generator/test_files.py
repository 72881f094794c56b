"""Atomic writes: the target is replaced whole, and a failed write leaves neither a torn file nor a temporary."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.files import write_atomic


def test_replaces_whole_file(tmp_path: Path) -> None:
    target = tmp_path / "key.json"
    target.write_text("old")
    write_atomic(target, "new ü\n")
    assert target.read_bytes() == "new ü\n".encode() and [p.name for p in tmp_path.iterdir()] == ["key.json"]


def test_failed_write_keeps_the_old_file(tmp_path: Path) -> None:
    target = tmp_path / "key.json"
    target.write_text("old")
    with pytest.raises(UnicodeEncodeError):
        write_atomic(target, "\ud800")  # a lone surrogate cannot be encoded
    assert target.read_text() == "old" and [p.name for p in tmp_path.iterdir()] == ["key.json"]
