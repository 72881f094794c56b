"""Collecting submissions from files, folders and LMS zips, in a stable order."""

import hashlib
import os
import zipfile
from pathlib import Path

import pytest

from grader.pipeline.collect import collect, owners


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


def test_missing_path_is_an_error_for_the_run(tmp_path: Path) -> None:
    with pytest.raises(OSError, match="missing.ipynb: no such file or folder"):
        collect([tmp_path / "missing.ipynb"])


def test_broken_zip_is_a_submission_with_its_reason(tmp_path: Path) -> None:
    (tmp_path / "bad.zip").write_text("not a zip")
    (raw,) = collect([tmp_path / "bad.zip"])
    assert raw.label == str(tmp_path / "bad.zip") and raw.data == b""
    assert raw.problem == "not a readable zip file (File is not a zip file)"


def test_unreadable_weights_are_left_out_with_a_warning(tmp_path: Path) -> None:
    (tmp_path / "hw.ipynb").write_text("{}")
    os.mkfifo(tmp_path / "hw.pt")
    warnings: list[str] = []
    (raw,) = collect([tmp_path], warnings.append)
    assert raw.weights == () and raw.problem is None
    assert warnings == [f"{tmp_path / 'hw.pt'}: a FIFO (named pipe), not a file; ignored"]


def test_control_characters_in_names_are_replaced(tmp_path: Path) -> None:
    with zipfile.ZipFile(tmp_path / "class.zip", "w") as archive:
        archive.writestr("evil\nname.ipynb", "{}")
    (raw,) = collect([tmp_path / "class.zip"])
    assert raw.label == "class.zip:evil\ufffdname.ipynb" and raw.filename == "evil\ufffdname.ipynb"


def test_digest_of_a_normal_file_is_unchanged(tmp_path: Path) -> None:
    (tmp_path / "hw.ipynb").write_text("{}")
    (raw,) = collect([tmp_path])
    assert raw.digest == hashlib.sha256(b"hw.ipynb\0{}").hexdigest(), "stored results resume by it"


def test_no_notebooks_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="no notebooks"):
        collect([tmp_path])


def test_weights_files_go_with_their_notebook(tmp_path: Path) -> None:
    for name in ("alice/hw.ipynb", "alice/lenet5.pt", "bob/hw.ipynb", "flat/s1.ipynb", "flat/s2.ipynb", "flat/s1.pt",
                 "flat/lenet5.pt", "alone/hw.ipynb"):
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_text(name)
    with zipfile.ZipFile(tmp_path / "canvas.zip", "w") as archive:
        for name in ("smithada_111_222_hw1.ipynb", "smithada_111_223_lenet5.pt", "jonesbo_LATE_333_444_hw1.ipynb",
                     "jonesbo_LATE_333_445_lenet5.pt", "__MACOSX/._smithada_111_223_lenet5.pt"):
            archive.writestr(name, name)
    (tmp_path / "alone" / "lenet5.pth").write_text("alone")
    warnings: list[str] = []
    found = collect([tmp_path / "canvas.zip", tmp_path / "flat", tmp_path / "alice", tmp_path / "bob",
                     tmp_path / "alone" / "hw.ipynb"], warnings.append)
    assert {r.label: [(w.label, w.data) for w in r.weights] for r in found} == {
        "canvas.zip:jonesbo_LATE_333_444_hw1.ipynb": [("canvas.zip:jonesbo_LATE_333_445_lenet5.pt",
                                                       b"jonesbo_LATE_333_445_lenet5.pt")],
        "canvas.zip:smithada_111_222_hw1.ipynb": [("canvas.zip:smithada_111_223_lenet5.pt",
                                                   b"smithada_111_223_lenet5.pt")],
        str(tmp_path / "flat" / "s1.ipynb"): [(str(tmp_path / "flat" / "s1.pt"), b"flat/s1.pt")],
        str(tmp_path / "flat" / "s2.ipynb"): [],
        str(tmp_path / "alice" / "hw.ipynb"): [(str(tmp_path / "alice" / "lenet5.pt"), b"alice/lenet5.pt")],
        str(tmp_path / "bob" / "hw.ipynb"): [],
        str(tmp_path / "alone" / "hw.ipynb"): [(str(tmp_path / "alone" / "lenet5.pth"), b"alone")]}
    assert warnings == [f"{tmp_path / 'flat' / 'lenet5.pt'}: weights file of no notebook in its folder (name it "
                        "after the notebook, e.g. hw1.ipynb and hw1.pt); ignored"]


def test_new_weights_mean_a_new_digest(tmp_path: Path) -> None:
    (tmp_path / "hw.ipynb").write_text("{}")
    (tmp_path / "lenet5.pt").write_bytes(b"one")
    (first,) = collect([tmp_path])
    (tmp_path / "lenet5.pt").write_bytes(b"two")
    (second,) = collect([tmp_path])
    assert first.data == second.data and first.digest != second.digest


@pytest.mark.parametrize("weights, notebooks, expected", [
    ("hw.pt", ["hw.ipynb", "other.ipynb"], ["hw.ipynb"]),
    ("lenet5_epoch_10_best.pt", ["hw.ipynb"], ["hw.ipynb"]),  # a folder's only notebook, whatever the name
    ("bob_2_3_lenet5.pt", ["ada_1_2_hw.ipynb"], []),  # another student's upload in an LMS download
    ("ada_1_5_lenet5.pt", ["ada_1_2_hw.ipynb", "ada_1_4_hw-1.ipynb", "bob_2_3_hw.ipynb"],
     ["ada_1_2_hw.ipynb", "ada_1_4_hw-1.ipynb"]),  # every resubmission of the same student
    ("lenet5.pt", ["a.ipynb", "b.ipynb"], []),
])
def test_owners(weights: str, notebooks: list[str], expected: list[str]) -> None:
    assert owners(weights, notebooks) == expected
