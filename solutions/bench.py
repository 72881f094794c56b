"""Training the reference LeNet-5 as a benchmark, or measuring grading bars: what `cnnlab bench` runs.

It writes OUT/lenet5-DATASET-DEVICE.json (accuracy per epoch, timings, versions, seed, git commit) and a
training-curve PNG beside it; docs/BENCHMARK.md explains the committed results. `cnnlab bench lenet5-bar` measures
the bars trained LeNet-5s are graded against (solutions/lenet5_bar.py) and adds them to --bars.
"""

from __future__ import annotations

import dataclasses
import datetime
import json
import os
import platform
import subprocess
from pathlib import Path
from typing import Any

import torch
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from solutions import lenet5_bar
from solutions.idx import Dataset, load_dataset
from solutions.torch_ref import LeNet5, count_parameters
from solutions.train import Checkpoint, TrainConfig, TrainResult, seeded, train

RESULTS = Path(__file__).resolve().parent / "benchmarks"  # the committed results
DEFAULTS = TrainConfig()


def _git(*args: str) -> str | None:
    """Output of a git command in the repository, or None outside a checkout."""
    try:
        done = subprocess.run(["git", *args], cwd=RESULTS.parent, capture_output=True, text=True, timeout=10, check=False)
    except OSError:
        return None
    return done.stdout.strip() if done.returncode == 0 else None


def _device_name(device: torch.device) -> str:
    """The GPU's name, or the CPU model with its core and thread counts."""
    if device.type == "cuda":
        return torch.cuda.get_device_name(device)
    model = platform.processor() or platform.machine()
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.is_file():
        names = [line.split(":", 1)[1].strip() for line in cpuinfo.read_text().splitlines() if line.startswith("model name")]
        model = names[0] if names else model
    threads = torch.get_num_threads()
    return f"{model} ({os.cpu_count()} cores, {threads} torch thread{'s' if threads != 1 else ''})"


def _device(requested: str | None) -> torch.device:
    """The device to train on; asking for CUDA without one is a clear error, not a silent CPU run."""
    if requested == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"--device cuda, but torch {torch.__version__} sees no CUDA GPU (use --device cpu)")
    return torch.device(requested or ("cuda" if torch.cuda.is_available() else "cpu"))


def record(data: Dataset, model: LeNet5, config: TrainConfig, result: TrainResult, device: torch.device) -> dict[str, Any]:
    """The JSON-able benchmark record: results, timings, and everything needed to reproduce them."""
    return {
        "benchmark": "lenet5",
        "model": {"name": "LeNet5", "variant": model.variant, "input_size": model.input_size,
                  "parameters": count_parameters(model)},
        "dataset": {"name": data.name, "source": data.source, "train_images": len(data.train.labels),
                    "test_images": len(data.test.labels), "image_size": data.image_size, "classes": data.num_classes},
        "device": device.type,
        "device_name": _device_name(device),
        "torch": torch.__version__,
        "cuda": torch.version.cuda,
        "cudnn": torch.backends.cudnn.version() if device.type == "cuda" else None,
        "python": platform.python_version(),
        "load_average_after": list(os.getloadavg()),  # 1, 5, 15 min: other processes competing for the cores
        "seed": config.seed,
        "git_commit": _git("rev-parse", "HEAD"),
        "created": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "config": dataclasses.asdict(config),
        "test_accuracy_per_epoch": list(result.epoch_accuracy),
        "final_test_accuracy": result.test_accuracy,
        "train_seconds": result.train_seconds,
        "warmup_seconds": result.warmup_seconds,
        "eval_seconds": result.eval_seconds,
        "images": result.images,
        "images_per_second": result.images_per_second,
        "normalisation": dataclasses.asdict(result.normalisation),
        "history": [dataclasses.asdict(c) for c in result.history],
    }


def plot(result: dict[str, Any], path: Path) -> Path:
    """Training curve: test accuracy and training loss per epoch, with the headline numbers in the title."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    history = result["history"]
    epochs = [c["epoch"] for c in history]
    fig, (acc_ax, loss_ax) = plt.subplots(1, 2, figsize=(10, 4), constrained_layout=True)
    acc_ax.plot(epochs, [100 * c["test_accuracy"] for c in history], marker="o")
    acc_ax.set(xlabel="epoch", ylabel="test accuracy (%)", title="test accuracy")
    acc_ax.grid(alpha=0.3)
    loss_ax.plot(epochs, [c["train_loss"] for c in history], marker="o", color="tab:orange")
    loss_ax.set(xlabel="epoch", ylabel="cross-entropy", title="training loss", yscale="log")
    loss_ax.grid(alpha=0.3)
    fig.suptitle(f"LeNet-5 ({result['model']['variant']}) on {result['dataset']['name']}, {result['device'].upper()}: "
                 f"{100 * result['final_test_accuracy']:.2f}% in {result['train_seconds']:.1f} s "
                 f"({result['images_per_second']:,.0f} images/s)\n{result['device_name']}", fontsize=10)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def run_with_progress(model: LeNet5, data: Dataset, config: TrainConfig, device: torch.device) -> TrainResult:
    """Train with a rich progress bar whose caption carries the latest test accuracy."""
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
               TimeRemainingColumn())
    with Progress(*columns, console=Console(stderr=True), transient=False) as progress:
        task = progress.add_task(f"LeNet-5 on {data.name} ({device.type})", total=None)

        def on_checkpoint(checkpoint: Checkpoint) -> None:
            progress.update(task, description=f"epoch {checkpoint.epoch:g}: test {100 * checkpoint.test_accuracy:.2f}%")

        return train(model, data, config, device, on_step=lambda done, total: progress.update(task, completed=done,
                                                                                              total=total),
                     on_checkpoint=on_checkpoint)


def measure_bars(*, dataset: str, data: str | None, target: torch.device, budget: lenet5_bar.Budget, styles: list[str],
         input_sizes: list[int], seeds: list[int], path: Path) -> int:
    """Measure and save one bar per style and input size, printing each."""
    for size in input_sizes:
        arrays = lenet5_bar.training_data(dataset, budget, size, data)
        for style in styles:
            architecture = lenet5_bar.Architecture(style, size, arrays.num_classes)
            entry = lenet5_bar.measure_bar(arrays, architecture, budget, target.type, _device_name(target),
                                           _git("rev-parse", "HEAD"), seeds)
            lenet5_bar.save_bar(entry, path)
            print(f"bar {entry['accuracy']:.2f}% (seeds {entry['accuracies']}) for {style} {size}x{size} on "
                  f"{arrays.name} [{arrays.fingerprint}], {target.type}: {budget.describe()}; "
                  f"{sum(entry['seconds']):.1f} s")
    print(f"wrote {path}")
    return 0


def bench(*, benchmark: str, device: str | None, dataset: str, data: str | None, epochs: int, variant: str, out: str,
         seed: int, batch_size: int, lr: float, flip: bool, compile: bool, cuda_graphs: bool,
         threads: int | None, train_subset: int = lenet5_bar.Budget.train_subset,
         test_subset: int = lenet5_bar.Budget.test_subset, styles: list[str] | None = None,
         input_sizes: list[int] | None = None, seeds: list[int] | None = None, bars: str = str(lenet5_bar.BARS)) -> int:
    """Train, then write the JSON record and the PNG curve and print where they went (or measure grading bars)."""
    if benchmark == "lenet5-bar" and threads is None:
        threads = 1  # as the sandbox trains: one thread on one core
    if threads is not None:
        if threads < 1:
            raise ValueError(f"--threads must be at least 1, got {threads}")
        torch.set_num_threads(threads)
    target = _device(device)
    if benchmark == "lenet5-bar":
        if min(epochs, batch_size, train_subset, test_subset) < 1:
            raise ValueError("--epochs, --batch-size, --train-subset and --test-subset must be at least 1")
        return measure_bars(dataset=dataset, data=data, target=target,
                            budget=lenet5_bar.Budget(epochs, train_subset, test_subset, batch_size),
                            styles=styles or ["classic", "modern"], input_sizes=input_sizes or list(lenet5_bar.SIZES),
                            seeds=seeds or list(lenet5_bar.BAR_SEEDS), path=Path(bars))
    config = dataclasses.replace(DEFAULTS, epochs=epochs, batch_size=batch_size, lr=lr, seed=seed, flip=flip,
                                 compile=compile, cuda_graphs=cuda_graphs)
    loaded = load_dataset(dataset, data)
    if loaded.image_size not in (28, 32):
        raise ValueError(f"{loaded.source}: LeNet-5 takes 28x28 or 32x32 images, these are {loaded.image_size}x{loaded.image_size}")
    with seeded(seed):
        model = LeNet5(variant, input_size=loaded.image_size, num_classes=loaded.num_classes)  # type: ignore[arg-type]
    result = record(loaded, model, config, run_with_progress(model, loaded, config, target), target)
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    stem = f"{benchmark}-{loaded.name}-{target.type}"
    json_path = folder / f"{stem}.json"
    json_path.write_text(json.dumps(result, indent=2) + "\n")
    png_path = plot(result, folder / f"{stem}.png")
    print(f"{benchmark} on {loaded.name} ({result['device_name']}): test accuracy "
          f"{100 * result['final_test_accuracy']:.2f}% after {epochs} epochs, training {result['train_seconds']:.1f} s "
          f"(+{result['warmup_seconds']:.1f} s warm-up), {result['images_per_second']:,.0f} images/s")
    print(f"wrote {json_path} and {png_path}")
    return 0
