"""One bad file never stops a batch: a corpus of hostile files, each its own one-line record, beside a correct one.

The corpus is written by the tests: JSON that json.loads chokes on or that nothing downstream should meet, files
that are not files (a FIFO, a folder, broken links), a 2 GB sparse file, a file whose read fails (/proc/self/mem
gives EIO even to root, where chmod would not stop a read), damaged zips, and a non-UTF-8 file name.
"""

from __future__ import annotations

import errno
import json
import os
import signal
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from cnnlab import main as cnnlab
from grader.pipeline import collect as collect_module
from grader.pipeline.collect import collect
from grader.pipeline.grade_class import load_env
from grader.pipeline.batch import finish_safely, prepare
from grader.pipeline.records import GradedSubmission, RawSubmission
from grader.pipeline.steps import State
from grader.pipeline.store import Store
from tests.grader.classroom import correct_class

NOT_UTF8_NAME = os.fsdecode(b"s001_\xff.ipynb")
GRADED = None  # a file that is odd but fine: graded, full marks
CORPUS: dict[str, str | None] = {  # file name -> what its one-line reason says (GRADED: no reason, full marks)
    "s001_deep.ipynb": "nested more than 100 levels deep",
    "s001_bigint.ipynb": "holds an integer of more than 4300 digits",
    "s001_nan.ipynb": "holds NaN, which is not JSON",
    "s001_infinity.ipynb": "holds -Infinity, which is not JSON",
    "s001_hugefloat.ipynb": "holds a number too large for a float",
    "s001_surrogate.ipynb": "holds text that is not valid Unicode",
    "s001_cells.ipynb": "cell 2 is a string, not an object",
    "s001_sparse.ipynb": "the file is 2048 MB, over the 512 MB limit",
    "s001_fifo.ipynb": "a FIFO (named pipe), not a file",
    "s001_folder.ipynb": "a folder, not a file",
    "s001_dangling.ipynb": "a link to a missing file",
    "s001_loop.ipynb": "a link that loops, not a file",
    "s001_eio.ipynb": "cannot be read (Input/output error)",
    "s001_broken.zip": "not a readable zip file (File is not a zip file)",
    "s001_damaged.zip:s001_crc.ipynb": "cannot be unpacked (BadZipFile: Bad CRC-32",
    "s001_duplicate_keys.ipynb": GRADED,  # json keeps the last value of a key, as Jupyter does
    "s001_list_qid.ipynb": GRADED,  # a qid that is a list is no qid; the real answer cell is still there
    NOT_UTF8_NAME: GRADED,  # shown and stored as s001_\ufffd.ipynb
}


def write_corpus(folder: Path, good: dict[str, Any]) -> None:
    """Every file of CORPUS, and s001_correct.ipynb, in folder."""
    text = json.dumps(good)
    with_extra = lambda value: text[:-1] + f', "extra": {value}}}'  # noqa: E731 - valid JSON up to the value
    contents = {"s001_deep.ipynb": "[" * 100_000, "s001_bigint.ipynb": with_extra("7" * 5000),
                "s001_nan.ipynb": with_extra("NaN"), "s001_infinity.ipynb": with_extra("[1, -Infinity]"),
                "s001_hugefloat.ipynb": with_extra("1e999"), "s001_surrogate.ipynb": with_extra('"\\ud800"'),
                "s001_cells.ipynb": json.dumps({**good, "cells": [good["cells"][0], "code", 3]}),
                "s001_duplicate_keys.ipynb": '{"cells": "not yet", "nbformat": 3, ' + text[1:],
                "s001_list_qid.ipynb": json.dumps({**good, "cells": [*good["cells"], {
                    "cell_type": "code", "source": "x = 1", "metadata": {"cnnlab": {"qid": [], "role": "answer"}},
                    "outputs": [], "execution_count": None}]}),
                NOT_UTF8_NAME: text, "s001_correct.ipynb": text}
    for name, content in contents.items():
        (folder / name).write_text(content, encoding="utf-8")
    with open(folder / "s001_sparse.ipynb", "wb") as handle:
        handle.truncate(2 * 2**30)  # 2 GB that take no disk: reading it would take 2 GB of memory
    os.mkfifo(folder / "s001_fifo.ipynb")  # opening it for reading would wait for a writer forever
    (folder / "s001_folder.ipynb").mkdir()
    (folder / "s001_dangling.ipynb").symlink_to(folder / "nowhere.ipynb")
    (folder / "s001_loop.ipynb").symlink_to("s001_loop.ipynb")
    (folder / "s001_eio.ipynb").symlink_to("/proc/self/mem")  # opens, then every read at offset 0 fails (EIO)
    (folder / "s001_broken.zip").write_bytes(b"PK\x03\x04 and then nothing of a zip")
    with zipfile.ZipFile(folder / "s001_damaged.zip", "w") as archive:
        archive.writestr("s001_crc.ipynb", text)
    damaged = bytearray((folder / "s001_damaged.zip").read_bytes())
    damaged[damaged.index(b'"cells"') + 1] ^= 0x20  # one flipped bit in the member's data: the CRC no longer holds
    (folder / "s001_damaged.zip").write_bytes(bytes(damaged))


def _name(record: GradedSubmission | RawSubmission, folder: Path) -> str:
    """The corpus name a record or submission stands for."""
    return record.label.removeprefix(f"{folder}/").replace("\ufffd", "\udcff")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The generated class's key folder and the corpus folder."""
    root = tmp_path_factory.mktemp("hostile")
    key, good = correct_class(root)
    folder = root / "submissions"
    folder.mkdir()
    write_corpus(folder, good)
    return key, folder


@pytest.fixture()
def no_hang() -> Iterator[None]:
    """Fail, rather than wait forever, if anything blocks (a FIFO opened for reading)."""
    def fail(signum: int, frame: object) -> None:
        raise TimeoutError("blocked for 60 s")
    previous = signal.signal(signal.SIGALRM, fail)
    signal.alarm(60)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)


def test_every_file_is_one_submission_read_without_blocking(corpus: tuple[Path, Path], no_hang: None) -> None:
    key, folder = corpus
    found = {_name(raw, folder): raw for raw in collect([folder])}
    assert set(found) == {*CORPUS, "s001_correct.ipynb"}
    env = load_env(str(key))
    for name, reason in CORPUS.items():
        state = prepare(found[name], env)
        if reason is GRADED:
            assert state.fatal is None and state.job is not None, (name, state.fatal)
        else:
            assert state.fatal is not None and reason in state.fatal and "\n" not in state.fatal, (name, state.fatal)
            assert state.job is None and state.identity is not None and state.identity.student_id == "s001"
    assert found["s001_sparse.ipynb"].data == b"" and found["s001_fifo.ipynb"].data == b""


def test_unreadable_files_of_one_name_stay_two_submissions(tmp_path: Path) -> None:
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
        os.mkfifo(tmp_path / folder / "hw.ipynb")
    first, second = collect([tmp_path])
    assert first.problem == second.problem and first.digest != second.digest


def test_a_file_is_read_to_its_limit_and_no_further() -> None:
    asked: list[int] = []

    def endless(n: int) -> bytes:
        asked.append(n)
        return bytes(n)
    assert collect_module._read_bounded(endless, 10 * 2**20) is None
    assert sum(asked) == 10 * 2**20 + 1 and max(asked) <= 2**20


def test_a_crash_in_a_step_is_that_submissions_error(corpus: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
                                                     ) -> None:
    key, folder = corpus
    (raw,) = collect([folder / "s001_correct.ipynb"])

    def broken(state: State, env: object) -> State:
        raise RecursionError("maximum recursion depth exceeded\nwhile decoding")
    monkeypatch.setattr("grader.pipeline.batch.PREPARE", (broken,))
    state = prepare(raw, load_env(str(key)))
    assert state.fatal == "grader error: RecursionError in broken: maximum recursion depth exceeded while decoding"
    assert state.job is None


def test_a_crash_while_finishing_is_that_submissions_error(corpus: tuple[Path, Path],
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    key, folder = corpus
    (raw,) = collect([folder / "s001_correct.ipynb"])
    env = load_env(str(key))
    state = prepare(raw, env)

    def broken(notebook: object, record: GradedSubmission) -> dict[str, Any]:
        if notebook is not None:
            raise TypeError("unhashable type: 'list'")
        return {"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    monkeypatch.setattr("grader.pipeline.batch.feedback_notebook", broken)
    record, files = finish_safely(state, env)
    assert record.status == "error" and record.notes[0] == "grader error: TypeError in finish: unhashable type: 'list'"
    assert record.points == 0 and record.max_points == 28 and set(files) == {"results.json", "feedback.ipynb"}


def test_grade_gives_every_hostile_file_its_own_record(corpus: tuple[Path, Path], tmp_path: Path, no_hang: None,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    key, folder = corpus
    assert cnnlab(["grade", str(folder), "--key", str(key), "--out", str(tmp_path / "out")]) == 0
    assert capsys.readouterr().err.strip() == "", "no warnings, no tracebacks"
    records = {_name(r, folder): r for r in Store(tmp_path / "out").records()}
    assert set(records) == {*CORPUS, "s001_correct.ipynb"}
    correct = records["s001_correct.ipynb"]
    assert correct.status == "graded" and correct.points == correct.max_points == 28
    for name, reason in CORPUS.items():
        record = records[name]
        if reason is GRADED:
            assert record.status == "graded" and record.points == 28, (name, record.notes)
        else:
            assert record.status == "rejected" and record.points == 0 and record.max_points == 28, name
            assert reason in record.notes[0] and "\n" not in record.notes[0], (name, record.notes)


def test_a_full_disk_stops_the_run_with_one_line(corpus: tuple[Path, Path], tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    key, folder = corpus

    def full(path: Path, data: bytes, *, mode: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))
    monkeypatch.setattr("grader.pipeline.store.write_bytes_atomic", full)
    assert cnnlab(["grade", str(folder / "s001_fifo.ipynb"), "--key", str(key), "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("cnnlab: error: [Errno 28] No space left on device") and "\n" not in err
