"""Grading bars for trained LeNet-5s: the reference, trained by the grading path, per data subset, budget and device.

A student's LeNet-5 is trained in the sandbox by `solutions.train.fit_predict` on the first `train_subset` training
images for `epochs`, and scored by its accuracy on the first `test_subset` test images. The bar it is compared with
is the reference `solutions.torch_ref.LeNet5` of the same architecture, run through the same function on the same
arrays, averaged over a few seeds (one seed's luck would otherwise move every student's score). Bars are committed
in solutions/benchmarks/lenet5-grading-bars.json by `cnnlab bench lenet5-bar`; the grader only reads them.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from solutions.idx import load_dataset

BARS = Path(__file__).resolve().parent / "benchmarks" / "lenet5-grading-bars.json"
BAR_SEEDS = (0, 1, 2)
GRADING_SEED = 0  # the trainer seed a student's model is built and trained with
SIZES = (28, 32)  # LeNet-5's input sizes; 32 pads 28x28 images by 2 on each side, as the paper did for MNIST
MIN_STEPS = 8  # solutions.train's MIN_STEPS, repeated: that file is standalone and imports torch (tests: equal)


@dataclass(frozen=True)
class Budget:
    """How much training a model gets: what decides which bar applies (the timeout is only a cap)."""

    epochs: int = 1
    train_subset: int = 2000
    test_subset: int = 1000
    batch_size: int = 64
    timeout_s: float = 60.0

    def key(self) -> dict[str, int]:
        """The fields a bar is measured for."""
        return {"epochs": self.epochs, "train_subset": self.train_subset, "test_subset": self.test_subset,
                "batch_size": self.batch_size}

    def describe(self) -> str:
        """'1 epoch on 2,000 training images, batch 256, tested on 1,000 images'."""
        return (f"{self.epochs} epoch{'s' * (self.epochs != 1)} on {self.train_subset:,} training images, "
                f"batch {self.batch_size}, tested on {self.test_subset:,} images")

    def config(self, seed: int) -> dict[str, int]:
        """TrainConfig fields for fit_predict, as plain values (what a sandbox call carries)."""
        return {"epochs": self.epochs, "batch_size": self.batch_size, "seed": seed}


@dataclass(frozen=True)
class Architecture:
    """The LeNet-5 variant a question asks for."""

    style: str
    input_size: int
    num_classes: int


@dataclass(frozen=True)
class TrainingData:
    """The arrays one budget trains and tests on; the fingerprint names exactly these images and labels."""

    name: str
    fingerprint: str
    num_classes: int
    train_images: np.ndarray
    train_labels: np.ndarray
    test_images: np.ndarray
    test_labels: np.ndarray


def _pad_to(images: np.ndarray, size: int, source: str) -> np.ndarray:
    """Images at the architecture's input size: as they are, or 28x28 zero-padded to 32x32."""
    side = images.shape[1]
    if side == size:
        return images
    if side + 4 == size:
        return np.pad(images, ((0, 0), (2, 2), (2, 2)))
    raise ValueError(f"{source}: {side}x{side} images do not fit a LeNet-5 for {size}x{size} inputs")


def training_data(dataset: str, budget: Budget, input_size: int, data: str | os.PathLike[str] | None = None
                  ) -> TrainingData:
    """The first train_subset / test_subset images of a data set, at the input size, with their fingerprint."""
    full = load_dataset(dataset, data)
    subsets = {"train": (full.train, budget.train_subset), "test": (full.test, budget.test_subset)}
    for split, (part, count) in subsets.items():
        if count > len(part.labels):
            raise ValueError(f"{full.source}: the budget asks for {count:,} {split} images, the set has "
                             f"{len(part.labels):,}")
    arrays = [np.ascontiguousarray(a[:n]) for part, n in subsets.values() for a in (part.images, part.labels)]
    digest = hashlib.sha256()
    for array in arrays:
        digest.update(array.tobytes())
    train_images, train_labels, test_images, test_labels = arrays
    return TrainingData(Path(dataset).name, digest.hexdigest()[:16], full.num_classes,
                        _pad_to(train_images, input_size, full.source), train_labels,
                        _pad_to(test_images, input_size, full.source), test_labels)


def bar_key(data: TrainingData, device: str, budget: Budget, architecture: Architecture) -> dict[str, Any]:
    """What makes two bars comparable: the exact data, the device class, the budget and the architecture."""
    return {"dataset": data.name, "data_sha256": data.fingerprint, "device": device, "budget": budget.key(),
            "architecture": asdict(architecture)}


def _matches(entry: dict[str, Any], key: dict[str, Any]) -> bool:
    """The same bar (the data set's name is for people; its fingerprint decides)."""
    return all(entry.get(name) == value for name, value in key.items() if name != "dataset")


def load_bars(path: Path = BARS) -> list[dict[str, Any]]:
    """Every committed bar; a missing file holds none."""
    if not path.is_file():
        return []
    try:
        document = json.loads(path.read_text("utf-8"))
    except ValueError as error:
        raise ValueError(f"{path}: not JSON ({error})") from None
    bars = document.get("bars") if isinstance(document, dict) else None
    if not isinstance(bars, list):
        raise ValueError(f"{path}: expected {{\"format\": 1, \"bars\": [...]}}")
    return bars


def find_bar(bars: Sequence[dict[str, Any]], key: dict[str, Any]) -> dict[str, Any] | None:
    """The bar measured for exactly this key, if any."""
    return next((entry for entry in bars if _matches(entry, key)), None)


def save_bar(entry: dict[str, Any], path: Path = BARS) -> Path:
    """Add or replace one bar, atomically, keeping the file sorted so reruns give small diffs."""
    key = {name: entry[name] for name in ("dataset", "data_sha256", "device", "budget", "architecture")}
    bars = [bar for bar in load_bars(path) if not _matches(bar, key)] + [entry]
    bars.sort(key=lambda b: json.dumps([b["dataset"], b["device"], b["budget"], b["architecture"]], sort_keys=True))
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps({"format": 1, "bars": bars}, indent=1) + "\n", "utf-8")
    os.replace(temporary, path)
    return path


def bar_command(dataset: str, architecture: Architecture, budget: Budget, device: str) -> str:
    """The command that measures a missing bar (quoted in the grader's error)."""
    return (f"cnnlab bench lenet5-bar --dataset {dataset} --device {device} --styles {architecture.style} "
            f"--input-sizes {architecture.input_size} --epochs {budget.epochs} --batch-size {budget.batch_size} "
            f"--train-subset {budget.train_subset} --test-subset {budget.test_subset}")


def accuracy_percent(predictions: np.ndarray, labels: np.ndarray) -> float:
    """Share of correct predictions, in percent."""
    return 100.0 * float(np.mean(predictions == labels)) if len(labels) else 0.0


def measure_bar(data: TrainingData, architecture: Architecture, budget: Budget, device: str,
                device_name: str, git_commit: str | None, seeds: Sequence[int] = BAR_SEEDS) -> dict[str, Any]:
    """Train the reference through fit_predict once per seed; the bar is the mean test accuracy."""
    import torch  # only measuring a bar trains; reading bars and budgets needs no torch

    from solutions.torch_ref import LeNet5
    from solutions.train import fit_predict

    if architecture.num_classes != data.num_classes:
        raise ValueError(f"{data.name} has {data.num_classes} classes, the architecture {architecture.num_classes}")
    accuracies, seconds = [], []
    for seed in seeds:
        start = time.perf_counter()
        predictions = fit_predict(lambda: LeNet5(architecture.style, architecture.input_size,  # type: ignore[arg-type]
                                                 architecture.num_classes),
                                  data.train_images, data.train_labels, data.test_images, data.num_classes, device,
                                  **budget.config(seed))
        seconds.append(round(time.perf_counter() - start, 3))
        accuracies.append(round(accuracy_percent(predictions, data.test_labels), 4))
    return {**bar_key(data, device, budget, architecture), "accuracy": round(float(np.mean(accuracies)), 4),
            "accuracies": accuracies, "seeds": list(seeds), "seconds": seconds, "device_name": device_name,
            "torch_threads": torch.get_num_threads() if device == "cpu" else None, "torch": torch.__version__,
            "git_commit": git_commit,
            "created": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")}
