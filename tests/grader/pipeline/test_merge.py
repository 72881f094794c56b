"""`cnnlab grade --shard I/N` and `cnnlab merge`: shards partition the class, and merging gives one run's outputs."""

from __future__ import annotations

from pathlib import Path

import pytest

from cnnlab import main as cnnlab
from tests.support.simulate import FLAVOURS, make_class, write_simulated
from grader.pipeline.collect import collect
from grader.pipeline.grade_class import in_shard, parse_shard
from grader.pipeline.merge import newer
from grader.pipeline.records import GradedSubmission
from grader.pipeline.store import Store
from tests.grader.classroom import outputs

STUDENTS = 6
SHARDS = 3


@pytest.fixture(scope="module")
def graded(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    """A simulated class graded in one run, and in SHARDS shards: (class folder, submissions, key)."""
    root = tmp_path_factory.mktemp("merge")
    generated = make_class(root / "class", STUDENTS)
    write_simulated(generated, root / "submissions", list(FLAVOURS))
    submissions, key = root / "submissions", generated / "key"
    assert cnnlab(["grade", str(submissions), "--key", str(key), "--out", str(root / "one")]) == 0
    for index in range(SHARDS):
        assert cnnlab(["grade", str(submissions), "--key", str(key), "--out", str(root / f"shard-{index}"),
                       "--shard", f"{index}/{SHARDS}"]) == 0
    return root, submissions, key


def test_shards_partition_the_files_by_hash_whatever_their_order(graded: tuple[Path, Path, Path]) -> None:
    root, submissions, _ = graded
    raws = collect([str(submissions)])
    parts = [in_shard(raws, index, SHARDS) for index in range(SHARDS)]
    assert sorted(r.digest for part in parts for r in part) == sorted(r.digest for r in raws)
    assert [r.digest for r in in_shard(list(reversed(raws)), 1, SHARDS)] == [r.digest for r in reversed(parts[1])]
    for index, part in enumerate(parts):
        assert sorted(r.digest for r in Store(root / f"shard-{index}").records()) == sorted(r.digest for r in part)


def test_merging_the_shards_gives_the_outputs_of_one_run(graded: tuple[Path, Path, Path],
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    root, _, key = graded
    shards = [str(root / f"shard-{index}") for index in range(SHARDS)]
    assert cnnlab(["merge", *shards, "--out", str(root / "merged"), "--key", str(key)]) == 0
    assert f"merged {STUDENTS} record(s) from {SHARDS} shard(s); 0 already in" in capsys.readouterr().out
    assert outputs(root / "merged") == outputs(root / "one")
    assert cnnlab(["merge", *shards, "--out", str(root / "merged"), "--key", str(key)]) == 0
    assert f"{STUDENTS} already in" in capsys.readouterr().out  # a rerun copies nothing


def test_a_later_grading_replaces_an_earlier_one() -> None:
    record = GradedSubmission("d" * 64, "a", "a.ipynb", "s001", "hw", "k", "graded", (), (), 0.1,
                              graded_at="2026-11-27T10:00:00+00:00")
    later = GradedSubmission(**{**record.__dict__, "graded_at": "2026-11-27T11:00:00+00:00"})
    assert newer(None, record) and newer(record, later) and not newer(later, record) and not newer(record, record)


@pytest.mark.parametrize("argv, message", [
    (["grade", "x.ipynb", "--key", "k", "--out", "o", "--shard", "3/3"], "--shard '3/3': give I/N with 0 <= I < N"),
    (["grade", "x.ipynb", "--key", "k", "--out", "o", "--shard", "a/b"], "--shard 'a/b': give I/N"),
    (["merge", "nowhere", "--out", "o"], "nowhere: not a cnnlab grade output folder"),
])
def test_bad_shards_are_one_line_errors(argv: list[str], message: str, tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "k").mkdir()
    assert cnnlab(argv) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1


def test_merging_into_a_shard_is_refused(graded: tuple[Path, Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    root, _, _ = graded
    assert cnnlab(["merge", str(root / "shard-0"), str(root / "shard-1"), "--out", str(root / "shard-0")]) == 2
    assert "is one of the shards" in capsys.readouterr().err
