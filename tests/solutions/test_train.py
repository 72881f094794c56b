"""The trainer on a tiny synthetic IDX data set: it learns, it is deterministic, and it leaves global RNG alone."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from solutions.idx import Dataset, Split, load_dataset, write_folder
from solutions.torch_ref import LeNet5
from solutions.train import TrainConfig, TrainResult, predict, seeded, train

CONFIG = TrainConfig(epochs=3, batch_size=64, lr=5e-3, seed=7)


def quadrant_split(count: int, seed: int) -> Split:
    """Noisy 28x28 images whose class (0-3) is the quadrant holding a bright blob."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 4, count)
    images = rng.integers(0, 90, (count, 28, 28))
    for image, label, (dy, dx) in zip(images, labels, rng.integers(0, 6, (count, 2))):
        top, left = 2 + 14 * (label // 2) + dy % 4, 2 + 14 * (label % 2) + dx % 4
        image[top:top + 8, left:left + 8] += 150
    return Split(images.astype(np.uint8), labels)


@pytest.fixture(scope="module")
def quadrants(tmp_path_factory: pytest.TempPathFactory) -> Dataset:
    """The synthetic set, written as IDX and read back, as the benchmark reads Fashion-MNIST."""
    folder = tmp_path_factory.mktemp("data") / "quadrants"
    return load_dataset(str(write_folder(folder, quadrant_split(640, 1), quadrant_split(200, 2))))


def run(data: Dataset, config: TrainConfig = CONFIG, model_seed: int = 0) -> tuple[nn.Module, TrainResult]:
    """Train a freshly seeded modern LeNet-5 with four outputs."""
    with seeded(model_seed):
        model = LeNet5("modern", input_size=28, num_classes=4)
    return model, train(model, data, config)


def test_learns_far_above_chance(quadrants: Dataset) -> None:
    model, result = run(quadrants)
    assert result.test_accuracy >= 0.9  # chance is 0.25
    assert len(result.history) == 3 and result.epoch_accuracy == tuple(c.test_accuracy for c in result.history)
    assert result.history[-1].train_loss < result.history[0].train_loss
    assert result.images == 3 * (640 // 64) * 64 and result.images_per_second > 0
    predictions = predict(model, quadrants.test.images, result.normalisation)
    assert predictions.shape == (200,)
    assert np.mean(predictions == quadrants.test.labels) == pytest.approx(result.test_accuracy)


@pytest.mark.parametrize("config", [CONFIG, TrainConfig(epochs=2, batch_size=100, lr=0.05, optimizer="sgd",
                                                        flip=True, label_smoothing=0.1, evals_per_epoch=2, seed=3)])
def test_same_seed_same_result(quadrants: Dataset, config: TrainConfig) -> None:
    before = torch.get_rng_state()
    (model_a, a), (model_b, b) = run(quadrants, config), run(quadrants, config)
    assert torch.equal(torch.get_rng_state(), before)  # no global RNG state used or changed
    assert [(c.test_accuracy, c.train_loss) for c in a.history] == [(c.test_accuracy, c.train_loss) for c in b.history]
    for p, q in zip(model_a.state_dict().values(), model_b.state_dict().values()):
        assert torch.equal(p, q)


def test_fractional_checkpoints(quadrants: Dataset) -> None:
    _, result = run(quadrants, TrainConfig(epochs=2, batch_size=64, evals_per_epoch=2))
    assert [c.epoch for c in result.history] == [0.5, 1.0, 1.5, 2.0]
    assert len(result.epoch_accuracy) == 2
    assert all(a.seconds <= b.seconds and a.images < b.images for a, b in zip(result.history, result.history[1:]))


def test_another_seed_changes_the_run(quadrants: Dataset) -> None:
    (model_a, _), (model_b, _) = run(quadrants), run(quadrants, TrainConfig(epochs=3, batch_size=64, lr=5e-3, seed=8))
    assert not torch.equal(model_a.classifier[-1].weight, model_b.classifier[-1].weight)


def test_model_with_wrong_output_is_rejected(quadrants: Dataset) -> None:
    model = nn.Sequential(nn.Flatten(), nn.Linear(28 * 28, 10))  # ten classes, the data has four
    with pytest.raises(ValueError, match=r"\(N, 4\) logits, got \(2, 10\)"):
        train(model, quadrants, CONFIG)


@pytest.mark.parametrize("bad", [{"epochs": 0}, {"batch_size": 0}, {"lr": 0.0}, {"warmup_fraction": 1.0},
                                 {"optimizer": "adam"}])
def test_bad_config_is_rejected(bad: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        TrainConfig(**bad)  # type: ignore[arg-type]


def test_cuda_graphs_need_cuda(quadrants: Dataset) -> None:
    with pytest.raises(ValueError, match="cuda_graphs needs a CUDA device"):
        run(quadrants, TrainConfig(epochs=1, cuda_graphs=True))



def test_compiled_training_learns(quadrants: Dataset) -> None:
    _, result = run(quadrants, TrainConfig(epochs=2, batch_size=64, lr=5e-3, seed=7, compile=True))
    assert result.test_accuracy >= 0.9 and result.warmup_seconds > 0


# 4 steps (which once divided by zero inside OneCycle) and 2 steps
@pytest.mark.parametrize(("images", "batch"), [(512, 256), (128, 128)])
def test_runs_too_short_for_one_cycle_train_at_a_constant_rate(quadrants: Dataset, images: int, batch: int) -> None:
    from solutions.train import MIN_STEPS, train_arrays

    config = TrainConfig(epochs=2, batch_size=batch, lr=3e-3)
    assert 2 * (images // batch) < MIN_STEPS
    model = LeNet5("modern", input_size=28, num_classes=quadrants.num_classes)
    result = train_arrays(model, quadrants.train.images[:images], quadrants.train.labels[:images],
                          quadrants.test.images, quadrants.test.labels, quadrants.num_classes, config, "cpu")
    assert len(result.history) == 2 and all(np.isfinite(c.train_loss) for c in result.history)
