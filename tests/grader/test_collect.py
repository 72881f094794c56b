"""Collecting submissions from files, folders and LMS zips, in a stable order."""

import zipfile
from pathlib import Path

import pytest

from grader.collect import collect


def test_files_folders_and_zips(tmp_path: Path) -> None:
    (tmp_path / "dir" / ".ipynb_checkpoints").mkdir(parents=True)
    (tmp_path / "dir" / "b.ipynb").write_text("{}")
    (tmp_path / "dir" / ".ipynb_checkpoints" / "b-checkpoint.ipynb").write_text("{}")
    (tmp_path / "dir" / "notes.txt").write_text("skip me")
    with zipfile.ZipFile(tmp_path / "canvas.zip", "w") as archive:
        archive.writestr("smithada_111_222_hw1.ipynb", "{1}")
        archive.writestr("__MACOSX/._smithada_111_222_hw1.ipynb", "junk")
        archive.writestr("report.pdf", "pdf")
    (tmp_path / "single.ipynb").write_bytes(b"")
    found = collect([tmp_path / "dir", tmp_path / "canvas.zip", tmp_path / "single.ipynb"])
    assert [(r.filename, r.data) for r in found] == [
        ("b.ipynb", b"{}"), ("smithada_111_222_hw1.ipynb", b"{1}"), ("single.ipynb", b"")]
    assert found[1].label == "canvas.zip:smithada_111_222_hw1.ipynb"
    assert found[0].digest != found[2].digest


def test_digest_depends_on_name_and_content(tmp_path: Path) -> None:
    (tmp_path / "a.ipynb").write_text("{}")
    (tmp_path / "b.ipynb").write_text("{}")
    a, b = collect([tmp_path])
    assert a.digest != b.digest and len(a.digest) == 64


@pytest.mark.parametrize("name, error", [("missing.ipynb", OSError), ("bad.zip", ValueError)])
def test_missing_path_or_broken_zip_is_an_error(tmp_path: Path, name: str, error: type) -> None:
    (tmp_path / "bad.zip").write_text("not a zip")
    with pytest.raises(error, match=name):
        collect([tmp_path / name])


def test_no_notebooks_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="no notebooks"):
        collect([tmp_path])
