"""Training a student's LeNet-5 in the sandbox and scoring its test accuracy against the committed bar.

The sandbox gets the training images and labels and the test images as .npy call arguments, plus the source of
solutions/train.py (standalone) as a job file; `fit_predict` there builds the student's class under the trainer's
seed, trains it and returns int64 test predictions. The test labels stay in this process, which computes the
accuracy and applies the template's rule against the bar for the same data, budget, architecture and device class.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

import solutions
from generator.kinds._training import Rule, parse_training
from generator.model import Context, Part, Variant
from generator.calls import Call
from solutions.lenet5_bar import (BARS, GRADING_SEED, Architecture, Budget, TrainingData, accuracy_percent, bar_command,
                                  bar_key, find_bar, load_bars, training_data)

HARNESS_FILE = "cnnlab_train.py"
HARNESS = f"{HARNESS_FILE}:fit_predict"


@functools.cache
def harness_files() -> dict[str, bytes]:
    """The trainer's source, shipped into the sandbox: the one implementation benchmark and grading share."""
    return {HARNESS_FILE: (Path(solutions.__file__).parent / "train.py").read_bytes()}  # read, not imported: torch


@dataclass(frozen=True)
class TrainingCheck:
    """One question's training check: what to train on, how long, on what, and the bar to beat."""

    points: float
    rule: Rule
    device: str
    budget: Budget
    architecture: Architecture
    bar: Mapping[str, Any]
    data: TrainingData = field(repr=False, compare=False)

    def describe(self) -> str:
        """Which bar applied: device class, budget, data."""
        return (f"{self.device.upper()} bar: reference LeNet-5 ({self.architecture.style}, "
                f"{self.architecture.input_size}x{self.architecture.input_size}) on {self.data.name}, "
                f"{self.budget.describe()}, mean of seeds {self.bar.get('seeds')}, measured on "
                f"{self.bar.get('device_name', '?')} with torch {self.bar.get('torch', '?')}")


@functools.lru_cache(maxsize=8)
def _data(dataset: str, data: str | None, budget: Budget, input_size: int) -> TrainingData:
    """The budget's arrays, read once per grading run (every student trains on the same ones)."""
    try:
        return training_data(dataset, budget, input_size, data)
    except OSError as error:
        raise ValueError(f"training data: {error}") from None


def training_check(question: Variant, context: Context) -> TrainingCheck | None:
    """The check a variant's `training` params ask for; a missing bar or data set is a grader error."""
    if question.params.get("training") is None:
        return None
    asked = {k: question.params.get(k) for k in ("training", "style", "input_size", "num_classes")}
    return _check(question.qid, json.dumps(asked, sort_keys=True), question.points, context)


@functools.lru_cache(maxsize=32)  # every submission's request and score ask the same: one parse, one bar lookup
def _check(qid: str, asked_json: str, points: float, context: Context) -> TrainingCheck:
    """training_check, keyed by plain values so it can be cached."""
    params = json.loads(asked_json)
    training = parse_training(params["training"], points)
    device = context.device_class()
    if device not in training.budgets:  # a GPU machine, but the template sets only a CPU budget
        device = "cpu"
    budget = training.budgets[device]
    architecture = Architecture(str(params.get("style")), int(params.get("input_size") or 32),
                                int(params.get("num_classes") or 10))
    arrays = _data(training.dataset, context.data, budget, architecture.input_size)
    if arrays.num_classes != architecture.num_classes:
        raise ValueError(f"question {qid!r}: {arrays.name} has {arrays.num_classes} classes, the variant "
                         f"asks for {architecture.num_classes}")
    bars = context.bars or BARS
    bar = find_bar(load_bars(bars), bar_key(arrays, device, budget, architecture))
    if bar is None:
        raise ValueError(f"no LeNet-5 bar for {arrays.name} [{arrays.fingerprint}], {device}, {budget.describe()}, "
                         f"{architecture.style} {architecture.input_size}x{architecture.input_size} in {bars}; "
                         f"run: {bar_command(training.dataset, architecture, budget, device)} --bars {bars}")
    return TrainingCheck(training.points, training.rule, device, budget, architecture, bar, arrays)


def training_call(name: str, entry_point: str, check: TrainingCheck) -> Call:
    """The sandbox call: fit_predict(student's class, train images, train labels, test images, ...)."""
    data = check.data
    return Call(name, entry_point, (data.train_images, data.train_labels, data.test_images),
                {"num_classes": data.num_classes, "device": check.device, **check.budget.config(GRADING_SEED)},
                probe="harness", harness=HARNESS, timeout_s=check.budget.timeout_s)


def _predictions(result: Any, count: int) -> tuple[np.ndarray | None, str]:
    """The returned predictions when they are count integer class ids, else why not."""
    if not isinstance(result, np.ndarray) or result.dtype.kind not in "iu":
        return None, f"the trainer returned {type(result).__name__}, not integer class ids"
    if result.shape != (count,):
        return None, f"predictions of shape {result.shape}, expected ({count},)"
    return result, ""


def accuracy_points(check: TrainingCheck, accuracy: float) -> float:
    """The training points a test accuracy earns under the question's rule and bar (trained here or submitted)."""
    return round(check.points * check.rule.share(accuracy, float(check.bar["accuracy"])), 4)


def score_training(check: TrainingCheck, result: Any, problem: str | None) -> tuple[Part, str]:
    """(part, feedback line): accuracy measured here against labels the sandbox never saw, the bar, the rule."""
    bar = float(check.bar["accuracy"])
    header = f"training ({check.describe()}): "
    rule = f"rule: {check.rule.describe()}"
    predictions, why = (None, problem) if problem else _predictions(result, len(check.data.test_labels))
    if predictions is None:
        return Part("training accuracy", 0.0, check.points), f"{header}not trained: {why}; bar {bar:.2f}%; {rule}"
    accuracy = accuracy_percent(predictions, check.data.test_labels)
    points = accuracy_points(check, accuracy)
    line = (f"{header}test accuracy {accuracy:.2f}% on {len(predictions):,} images, bar {bar:.2f}% "
            f"({accuracy - bar:+.2f} points); {rule}: {points:g}/{check.points:g}")
    return Part("training accuracy", points, check.points), line
