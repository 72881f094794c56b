"""Grading bars: the budget's data subset and fingerprint, the bars file, and the trainer as the sandbox runs it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from solutions.idx import write_folder
from solutions.lenet5_bar import (Architecture, Budget, bar_key, find_bar, load_bars, measure_bar, save_bar,
                                  training_data)
from solutions.torch_ref import LeNet5
from solutions.train import fit_predict
from tests.solutions.test_train import quadrant_split

BUDGET = Budget(epochs=2, train_subset=256, test_subset=100, batch_size=32)


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data root holding 'quadrants'."""
    folder = tmp_path_factory.mktemp("data")
    write_folder(folder / "quadrants", quadrant_split(300, 1), quadrant_split(120, 2))
    return folder


def test_subsets_are_the_first_images_and_the_fingerprint_names_them(root: Path) -> None:
    data = training_data("quadrants", BUDGET, 28, root)
    full = quadrant_split(300, 1)
    np.testing.assert_array_equal(data.train_images, full.images[:256])
    assert data.train_labels.shape == (256,) and data.test_images.shape == (100, 28, 28) and data.num_classes == 4
    assert training_data("quadrants", BUDGET, 28, root).fingerprint == data.fingerprint
    other = training_data("quadrants", Budget(2, 255, 100, 32), 28, root)
    assert other.fingerprint != data.fingerprint


def test_input_size_32_pads_by_two_and_keeps_the_fingerprint(root: Path) -> None:
    small, padded = training_data("quadrants", BUDGET, 28, root), training_data("quadrants", BUDGET, 32, root)
    assert padded.train_images.shape == (256, 32, 32) and padded.fingerprint == small.fingerprint
    np.testing.assert_array_equal(padded.train_images[:, 2:30, 2:30], small.train_images)
    assert not padded.train_images[:, :2].any() and not padded.train_images[:, :, 30:].any()


def test_a_budget_larger_than_the_set_is_refused(root: Path) -> None:
    with pytest.raises(ValueError, match="asks for 500 test images, the set has 120"):
        training_data("quadrants", Budget(1, 10, 500), 28, root)


def test_bars_are_saved_found_and_replaced(root: Path, tmp_path: Path) -> None:
    data = training_data("quadrants", BUDGET, 28, root)
    architecture = Architecture("modern", 28, 4)
    entry = measure_bar(data, architecture, BUDGET, "cpu", "test CPU", None, seeds=(0, 1))
    assert entry["accuracy"] == pytest.approx(np.mean(entry["accuracies"])) and entry["accuracy"] > 80
    path = tmp_path / "bars.json"
    save_bar(entry, path)
    save_bar({**entry, "accuracy": 1.0}, path)  # the same key again: replaced, not added
    assert len(load_bars(path)) == 1 and find_bar(load_bars(path), bar_key(data, "cpu", BUDGET, architecture))
    assert find_bar(load_bars(path), bar_key(data, "cuda", BUDGET, architecture)) is None
    assert find_bar(load_bars(path), bar_key(data, "cpu", BUDGET, Architecture("classic", 28, 4))) is None


def test_fit_predict_is_deterministic_and_matches_the_reference_built_alike(root: Path) -> None:
    data = training_data("quadrants", BUDGET, 28, root)
    args = (data.train_images, data.train_labels, data.test_images, data.num_classes, "cpu")
    first = fit_predict(lambda: LeNet5("modern", 28, 4), *args, **BUDGET.config(0))
    again = fit_predict(lambda: LeNet5("modern", 28, 4), *args, **BUDGET.config(0))
    assert first.dtype == np.int64 and first.shape == (100,)
    np.testing.assert_array_equal(first, again)
    with pytest.raises(TypeError, match="not a torch.nn.Module"):
        fit_predict(lambda: "a model", *args, **BUDGET.config(0))  # type: ignore[arg-type, return-value]


def test_the_trainer_runs_without_the_solutions_package(tmp_path: Path) -> None:
    source = Path(sys.modules["solutions.train"].__file__ or "").read_text("utf-8")
    (tmp_path / "cnnlab_train.py").write_text(source, "utf-8")
    script = ("import sys\nsys.path.insert(0, '.')\nimport numpy as np, torch, cnnlab_train as t\n"
              "assert not any(m.startswith('solutions') for m in sys.modules)\n"
              "x = np.random.default_rng(0).integers(0, 255, (64, 28, 28), dtype=np.uint8)\n"
              "p = t.fit_predict(lambda: torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(784, 3)), x,"
              " np.arange(64) % 3, x[:10], 3, epochs=1, batch_size=8)\n"
              "print(p.dtype, p.shape)\n")
    done = subprocess.run([sys.executable, "-I", "-c", script], cwd=tmp_path, capture_output=True, text=True,
                          timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "int64 (10,)"


def test_min_steps_is_the_trainers() -> None:
    """The bars module repeats the trainer's MIN_STEPS (the trainer is standalone; the bars module imports no torch)."""
    import solutions.lenet5_bar
    import solutions.train

    assert solutions.lenet5_bar.MIN_STEPS == solutions.train.MIN_STEPS
