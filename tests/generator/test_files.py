"""Atomic writes: the target is replaced whole with exactly the mode asked for, and a failed write leaves neither a
torn file nor a temporary. Answer keys are the instructor's alone (0600 in a 0700 folder); the rest is 0644/0755."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from generator.build import generate_class
from generator.files import PRIVATE, PUBLIC, write_bytes_atomic, folder_mode, make_folder, write_text_atomic
from generator.roster import Student
from generator.spec import load_spec
from tests.generator.conftest import SECRET, SPEC


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(params=[0o022, 0o077, 0o000], ids=["umask022", "umask077", "umask000"])
def umask(request: pytest.FixtureRequest) -> Iterator[int]:
    """Every mode below must hold whatever the umask."""
    previous = os.umask(request.param)
    yield request.param
    os.umask(previous)


def test_replaces_whole_file(tmp_path: Path) -> None:
    target = tmp_path / "key.json"
    target.write_text("old")
    write_text_atomic(target, "new ü\n", mode=PUBLIC)
    assert target.read_bytes() == "new ü\n".encode() and [p.name for p in tmp_path.iterdir()] == ["key.json"]


def test_failed_write_keeps_the_old_file(tmp_path: Path) -> None:
    target = tmp_path / "key.json"
    target.write_text("old")
    with pytest.raises(UnicodeEncodeError):
        write_text_atomic(target, "\ud800", mode=PUBLIC)  # a lone surrogate cannot be encoded
    assert target.read_text() == "old" and [p.name for p in tmp_path.iterdir()] == ["key.json"]


@pytest.mark.parametrize("mode", [PUBLIC, PRIVATE])
def test_files_and_new_folders_get_exactly_the_mode(tmp_path: Path, umask: int, mode: int) -> None:
    (tmp_path / "old").mkdir(mode=0o750)
    write_bytes_atomic(tmp_path / "old" / "new" / "deeper" / "f", b"x", mode=mode)
    assert _mode(tmp_path / "old" / "new" / "deeper" / "f") == mode
    assert _mode(tmp_path / "old" / "new") == _mode(tmp_path / "old" / "new" / "deeper") == folder_mode(mode)
    assert _mode(tmp_path / "old") == 0o750 & ~umask, "a folder that was there is left alone"


def test_folder_mode_pairs_search_with_read() -> None:
    assert (folder_mode(PUBLIC), folder_mode(PRIVATE)) == (0o755, 0o700)


def test_make_folder_leaves_existing_folders_alone(tmp_path: Path) -> None:
    os.chmod(tmp_path, 0o711)
    make_folder(tmp_path / "a" / "b", 0o755)
    assert (_mode(tmp_path), _mode(tmp_path / "a"), _mode(tmp_path / "a" / "b")) == (0o711, 0o755, 0o755)


def test_generated_keys_are_private_and_the_rest_public(tmp_path: Path, umask: int) -> None:
    (tmp_path / "gen" / "key").mkdir(parents=True, mode=0o777)  # left by an earlier run, readable by all
    os.chmod(tmp_path / "gen" / "key", 0o777)
    generate_class(load_spec(SPEC), (Student("s1", "One"), Student("s2", "Two")), SECRET, tmp_path / "gen")
    out = tmp_path / "gen"
    assert _mode(out / "key") == 0o700
    assert {_mode(p) for p in (out / "key").iterdir()} == {0o600} and len(list((out / "key").iterdir())) == 2
    assert {_mode(out / folder) for folder in ("students", "instructor")} == {0o755}
    assert {_mode(p) for folder in ("students", "instructor") for p in (out / folder).iterdir()} == {0o644}
    assert _mode(out / "manifest.json") == 0o644
