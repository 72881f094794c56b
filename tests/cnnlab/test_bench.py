"""`cnnlab bench lenet5` end to end on a tiny synthetic IDX set: the JSON record, the PNG curve, and bad input."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import cnnlab
from solutions.idx import DATA_ENV, Split, write_folder
from tests.solutions.test_train import quadrant_split

FIELDS = {"benchmark", "model", "dataset", "device", "device_name", "torch", "cuda", "cudnn", "python", "load_average_after", "seed",
          "git_commit", "created", "config", "test_accuracy_per_epoch", "final_test_accuracy", "train_seconds",
          "warmup_seconds", "eval_seconds", "images", "images_per_second", "normalisation", "history"}


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data root with one named set, 'quadrants' (four classes of 28x28 images)."""
    folder = tmp_path_factory.mktemp("data")
    write_folder(folder / "quadrants", quadrant_split(512, 1), quadrant_split(128, 2))
    return folder


def bench(root: Path, out: Path, *extra: str) -> int:
    """Run the command as the CLI would, small enough for a test."""
    return cnnlab.main(["bench", "lenet5", "--device", "cpu", "--dataset", "quadrants", "--data", str(root),
                        "--epochs", "2", "--batch-size", "64", "--out", str(out), *extra])


def test_writes_json_and_png_with_every_field(root: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert bench(root, tmp_path, "--seed", "5") == 0
    result = json.loads((tmp_path / "lenet5-quadrants-cpu.json").read_text())
    assert FIELDS <= set(result)
    assert result["device"] == "cpu" and result["cuda"] is None and result["seed"] == 5
    assert result["model"] == {"name": "LeNet5", "variant": "modern", "input_size": 28, "parameters": 61706 - 6 * 85}
    assert result["dataset"]["train_images"] == 512 and result["dataset"]["classes"] == 4
    assert len(result["test_accuracy_per_epoch"]) == 2 and result["final_test_accuracy"] > 0.5
    assert result["config"]["batch_size"] == 64 and result["images"] == 2 * 8 * 64
    assert result["train_seconds"] > 0 and result["images_per_second"] > 0
    png = (tmp_path / "lenet5-quadrants-cpu.png").read_bytes()
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 10_000
    assert "wrote" in capsys.readouterr().out


def test_same_seed_same_accuracies(root: Path, tmp_path: Path) -> None:
    runs = []
    for name in ("a", "b"):
        assert bench(root, tmp_path / name, "--variant", "classic") == 0
        runs.append(json.loads((tmp_path / name / "lenet5-quadrants-cpu.json").read_text()))
    assert runs[0]["test_accuracy_per_epoch"] == runs[1]["test_accuracy_per_epoch"]
    assert [c["train_loss"] for c in runs[0]["history"]] == [c["train_loss"] for c in runs[1]["history"]]


def test_dataset_from_environment(root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(DATA_ENV, str(root))
    assert cnnlab.main(["bench", "lenet5", "--device", "cpu", "--dataset", "quadrants", "--epochs", "1",
                        "--out", str(tmp_path)]) == 0
    assert (tmp_path / "lenet5-quadrants-cpu.json").is_file()


def one_line_error(capsys: pytest.CaptureFixture[str], argv: list[str]) -> str:
    """Run the CLI expecting the one-line `cnnlab: error:` and exit status 2."""
    assert cnnlab.main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("cnnlab: error: ") and "\n" not in err and "Traceback" not in err
    return err


def test_missing_data_set(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    err = one_line_error(capsys, ["bench", "lenet5", "--device", "cpu", "--dataset", "mnist", "--data", str(tmp_path)])
    assert "'mnist' not found" in err and "--data DIR" in err


def test_corrupt_file(root: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = write_folder(tmp_path / "broken", quadrant_split(8, 0), quadrant_split(4, 1))
    labels = folder / "t10k-labels-idx1-ubyte.gz"
    labels.write_bytes(labels.read_bytes()[:-5])
    err = one_line_error(capsys, ["bench", "lenet5", "--device", "cpu", "--dataset", str(folder)])
    assert str(labels) in err


def test_wrong_image_size(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    small = Split(np.zeros((4, 16, 16), np.uint8), np.arange(4) % 2)
    folder = write_folder(tmp_path / "small", small, small)
    assert "LeNet-5 takes 28x28 or 32x32" in one_line_error(capsys, ["bench", "lenet5", "--dataset", str(folder)])


def test_bad_numbers(root: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert "epochs must be at least 1" in one_line_error(capsys, ["bench", "lenet5", "--device", "cpu", "--epochs", "0",
                                                                  "--dataset", "quadrants", "--data", str(root)])
    assert "--threads must be at least 1" in one_line_error(capsys, ["bench", "lenet5", "--threads", "0"])


@pytest.mark.skipif(__import__("torch").cuda.is_available(), reason="this machine has a GPU")
def test_cuda_without_gpu(root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert "sees no CUDA GPU" in one_line_error(capsys, ["bench", "lenet5", "--device", "cuda", "--dataset", "quadrants",
                                                        "--data", str(root)])
