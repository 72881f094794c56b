"""Submitted LeNet-5 weights: read only by torch.load(weights_only=True), evaluated on the grader's own module.

The file never meets student code: this process checks its size and zip layout, loads it with weights_only (no
class of the student's is ever unpickled), copies its tensors by order and shape into `solutions.torch_ref.LeNet5`
of the variant's style and input size, and measures the accuracy on the training check's test images with the
check's labels, bar and rule. The better of that and the sandbox's training run counts (docs/GRADING.md).
"""

from __future__ import annotations

import io
import re
import warnings
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass

import torch
from torch import nn

from generator.kinds._lenet5_training import TrainingCheck, accuracy_points
from generator.model import Attachment, Part
from generator.render import plural
from generator.limits import MAX_WEIGHTS_BYTES
from solutions.lenet5_bar import Architecture, accuracy_percent
from solutions.torch_ref import LeNet5
from solutions.train import Normalisation, predict, seeded

LAYERS = ("conv1", "conv2", "fc1", "fc2", "fc3")  # the stub's names for the reference's weighted layers, in order
PIXELS = Normalisation(0.0, 1.0)  # pixels / 255, no other normalisation: what the prompt tells students
SAVE_HINT = 'save with torch.save(model.state_dict(), "lenet5.pt")'


class WeightsError(ValueError):
    """Why a weights file cannot be used, in one line naming the file."""


@dataclass(frozen=True)
class WeightsResult:
    """Submitted weights evaluated in the grader's process: the test accuracy, or why there is none."""

    label: str
    accuracy: float | None
    problem: str = ""


def _check_archive(weights: Attachment) -> None:
    """Size cap and torch.save's zip layout, checked before torch.load sees a byte (its records stay under the cap)."""
    if weights.size > MAX_WEIGHTS_BYTES or len(weights.data) > MAX_WEIGHTS_BYTES:
        raise WeightsError(f"{weights.label}: {weights.size / 2**20:.1f} MB, over the {MAX_WEIGHTS_BYTES // 2**20} MB "
                           "limit for weights (LeNet-5's state_dict takes 0.25 MB); not loaded")
    try:
        with zipfile.ZipFile(io.BytesIO(weights.data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile:
        raise WeightsError(f"{weights.label}: not a file written by torch.save (a zip archive); {SAVE_HINT}") from None
    if unpacked > MAX_WEIGHTS_BYTES:
        raise WeightsError(f"{weights.label}: unpacks to {unpacked / 2**20:.1f} MB, over the "
                           f"{MAX_WEIGHTS_BYTES // 2**20} MB limit for weights; not loaded")


def _refusal(error: Exception) -> str:
    """torch's long weights_only message cut to what the student needs: what the file held besides tensors."""
    refused = re.search(r"GLOBAL (\S+)", str(error))
    if refused:
        return f"it holds more than tensors ({refused.group(1)})"
    return (str(error).strip().splitlines() or [type(error).__name__])[0][:160]


def load_state(weights: Attachment) -> list[tuple[str, torch.Tensor]]:
    """The file's (name, tensor) pairs in order; anything but a flat mapping of names to float tensors is refused."""
    _check_archive(weights)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            loaded = torch.load(io.BytesIO(weights.data), map_location="cpu", weights_only=True)
    except Exception as error:  # noqa: BLE001 - any failure to read untrusted bytes is the file's problem
        raise WeightsError(f"{weights.label}: refused by torch.load(weights_only=True): {_refusal(error)}; "
                           f"{SAVE_HINT}") from None
    if not isinstance(loaded, Mapping):
        raise WeightsError(f"{weights.label}: holds a {type(loaded).__name__}, not a state_dict (names to tensors); "
                           f"{SAVE_HINT}")
    for name, value in loaded.items():
        if not isinstance(name, str) or not isinstance(value, torch.Tensor):
            raise WeightsError(f"{weights.label}: entry {name!r} is a {type(value).__name__}, not a tensor (a "
                               f"checkpoint with more than the weights?); {SAVE_HINT}")
        if not value.is_floating_point() or value.layout != torch.strided or value.device.type != "cpu":
            raise WeightsError(f"{weights.label}: tensor {name!r} is not a dense floating-point tensor "
                               f"({value.dtype}, {value.layout}, {value.device.type})")
    return list(loaded.items())


def reference_module(architecture: Architecture) -> nn.Module:
    """The grader's LeNet-5 for the variant (never the student's class), in eval mode."""
    with seeded(0):  # its initial weights are all replaced; the caller's RNG state stays as it was
        module = LeNet5(architecture.style, architecture.input_size, architecture.num_classes)  # type: ignore[arg-type]
    return module.eval()


def load_into(module: nn.Module, state: list[tuple[str, torch.Tensor]], label: str) -> nn.Module:
    """Copy the tensors into the module by order and shape (the student's names differ from the reference's)."""
    targets = list(module.state_dict().items())
    names = [f"{layer}.{kind}" for layer in LAYERS for kind in ("weight", "bias")]
    if len(state) != len(targets):
        raise WeightsError(f"{label}: {plural(len(state), 'tensor')}, LeNet-5 has {len(targets)} (weight and bias of "
                           f"{', '.join(LAYERS)}, in this order)")
    for index, ((name, value), (_, target), layer) in enumerate(zip(state, targets, names)):
        if value.shape != target.shape:
            raise WeightsError(f"{label}: tensor {index} {name!r} has shape {tuple(value.shape)}, LeNet-5's {layer} "
                               f"needs {tuple(target.shape)} (tensors are matched by order)")
    try:
        module.load_state_dict({key: value for (key, _), (_, value) in zip(targets, state)})
    except RuntimeError as error:  # e.g. a tensor torch cannot copy; shapes were checked above
        raise WeightsError(f"{label}: could not copy the tensors into LeNet-5 ({_refusal(error)})") from None
    return module


def evaluate_weights(weights: Attachment, check: TrainingCheck) -> WeightsResult:
    """Load, copy into the grader's LeNet-5, predict the check's test images; the accuracy is measured here."""
    try:
        module = load_into(reference_module(check.architecture), load_state(weights), weights.label)
    except WeightsError as error:
        return WeightsResult(weights.label, None, str(error))
    predictions = predict(module, check.data.test_images, PIXELS, "cpu", amp=False)
    return WeightsResult(weights.label, accuracy_percent(predictions, check.data.test_labels))


def with_weights(check: TrainingCheck, trained: Part, line: str, weights: WeightsResult,
                 architecture_ok: bool) -> tuple[Part, str]:
    """(part, feedback line): the better of the sandbox's training run and the submitted weights counts."""
    if not architecture_ok:
        return trained, (f"{line}; submitted weights {weights.label} not evaluated: the architecture check did not "
                         "pass (weights go only into the grader's LeNet-5 when your model has its shapes)")
    if weights.accuracy is None:
        return trained, f"{line}; submitted weights not evaluated: {weights.problem}"
    points = accuracy_points(check, weights.accuracy)
    best = max(points, trained[1])
    arch = check.architecture
    return Part(trained.label, best, trained.max_points), (
        f"{line}; submitted weights {weights.label}: test accuracy {weights.accuracy:.2f}% on the grader's LeNet-5 "
        f"({arch.style}, {arch.input_size}x{arch.input_size}, pixels scaled to 0-1), same bar and rule: "
        f"{points:g}/{check.points:g}; the better of the training run and the weights counts: "
        f"{best:g}/{check.points:g}")
