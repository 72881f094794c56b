"""Time to a test accuracy: solutions.train against a plain DataLoader loop in the style of pytorch/examples' MNIST.

Both train the same seeded LeNet-5 (modern) on the same device in the same process, and both are evaluated on
the whole test set every `--eval-every` training images; evaluation time is excluded from both clocks. Each runs
`--repeats` times, alternating, and its best time counts (the cores may be shared with other jobs).
The DataLoader loop is the tutorial's: TensorDataset + DataLoader(batch_size=64, shuffle=True), a per-batch
.to(device), Adadelta(lr=1.0) with StepLR(gamma=0.7) per epoch. Ours: data on the device, batches gathered by
index, batch 256, AdamW under OneCycle (warm-up is counted in its time).

    .venv/bin/python benchmarks/lenet5_speed.py [--device cpu|cuda] [--dataset fashion-mnist] [--threshold 0.85]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

import torch
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from solutions.idx import Dataset, load_dataset  # noqa: E402
from solutions.torch_ref import LeNet5  # noqa: E402
from solutions.train import Normalisation, TrainConfig, predict, seeded, train  # noqa: E402

Curve = list[tuple[int, float, float]]  # (training images seen, training seconds, test accuracy)


def fresh_model(seed: int, num_classes: int) -> LeNet5:
    """The same initial LeNet-5 for both contestants, with one output per class of the data set."""
    with seeded(seed):
        return LeNet5("modern", input_size=28, num_classes=num_classes)


def ours(data: Dataset, device: torch.device, epochs: int, eval_every: int, seed: int) -> Curve:
    """solutions.train with a OneCycle schedule sized to the run; warm-up counts as training time."""
    evals_per_epoch = max(1, round(len(data.train.labels) / eval_every))
    config = TrainConfig(epochs=epochs, batch_size=256, evals_per_epoch=evals_per_epoch, seed=seed)
    result = train(fresh_model(seed, data.num_classes), data, config, device)
    return [(c.images, result.warmup_seconds + c.seconds, c.test_accuracy) for c in result.history]


def dataloader_loop(data: Dataset, device: torch.device, epochs: int, eval_every: int, seed: int) -> Curve:
    """pytorch/examples' MNIST loop: DataLoader batches of 64 copied to the device, Adadelta, StepLR."""
    norm = Normalisation.of(data.train.images)
    images = norm.apply(data.train.images, torch.device("cpu"))
    loader = DataLoader(TensorDataset(images, torch.from_numpy(data.train.labels)), batch_size=64, shuffle=True,
                        generator=torch.Generator().manual_seed(seed))
    model = fresh_model(seed, data.num_classes).to(device)
    optimizer = torch.optim.Adadelta(model.parameters(), lr=1.0)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=1, gamma=0.7)
    curve: Curve = []
    seen, seconds, next_eval = 0, 0.0, eval_every
    for _ in range(epochs):
        model.train()
        clock = time.perf_counter()
        for x, y in loader:
            x, y = x.to(device), y.to(device)
            optimizer.zero_grad()
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            optimizer.step()
            seen += len(y)
            if seen >= next_eval:
                if device.type == "cuda":
                    torch.cuda.synchronize(device)
                seconds += time.perf_counter() - clock
                accuracy = float((predict(model, data.test.images, norm, device) == data.test.labels).mean())
                curve.append((seen, seconds, accuracy))
                next_eval += eval_every
                model.train()
                clock = time.perf_counter()
        seconds += time.perf_counter() - clock
        scheduler.step()
    return curve


def time_to(curve: Curve, threshold: float) -> tuple[float, int] | None:
    """Training seconds and images at the first evaluation reaching the threshold, or None if none did."""
    return next(((seconds, seen) for seen, seconds, accuracy in curve if accuracy >= threshold), None)


def main() -> int:
    """Run both, print each curve's time to the threshold and the ratio."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", choices=["cpu", "cuda"], default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--dataset", default="fashion-mnist")
    parser.add_argument("--data", default=None, help="data root holding named sets (default: $CNNLAB_DATA)")
    parser.add_argument("--threshold", type=float, default=0.85)
    parser.add_argument("--eval-every", type=int, default=15_000, help="training images between evaluations")
    parser.add_argument("--epochs", type=int, default=2, help="epochs of each run (ours: the OneCycle length)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeats", type=int, default=2, help="runs of each, alternating; the best time counts")
    args = parser.parse_args()
    device, data = torch.device(args.device), load_dataset(args.dataset, args.data)
    print(f"{data.name} on {device} (torch {torch.__version__}, {torch.get_num_threads()} threads), "
          f"threshold {100 * args.threshold:.1f}%, evaluation every {args.eval_every:,} images")
    contestants: dict[str, Callable[..., Curve]] = {"solutions.train": ours, "DataLoader loop": dataloader_loop}
    reached: dict[str, list[tuple[float, int] | None]] = {name: [] for name in contestants}
    for repeat in range(args.repeats):  # alternate the two, and keep each one's best: other jobs share the cores
        for name, run in contestants.items():
            curve = run(data, device, args.epochs, args.eval_every, args.seed)
            reached[name].append(time_to(curve, args.threshold))
            points = ", ".join(f"{seen // 1000}k: {100 * acc:.1f}% @ {seconds:.1f}s" for seen, seconds, acc in curve)
            print(f"{name:>16} #{repeat + 1}: {points}", flush=True)
    best: dict[str, tuple[float, int] | None] = {}
    for name, hits in reached.items():
        times = [hit for hit in hits if hit is not None]
        best[name] = min(times) if len(times) == len(hits) else None
        print(f"{name:>16}: " + (f"{100 * args.threshold:.1f}% after {best[name][0]:.1f} s at best "
                                 f"({best[name][1]:,} images; runs: {', '.join(f'{t:.1f} s' for t, _ in times)})"
                                 if best[name] else f"did not always reach {100 * args.threshold:.1f}%"))
    fast, slow = best["solutions.train"], best["DataLoader loop"]
    if fast and slow:
        print(f"speed-up: {slow[0] / fast[0]:.2f}x (DataLoader loop time / solutions.train time, best of each)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
