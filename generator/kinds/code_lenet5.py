"""Coding exercise: a LeNet-5 nn.Module; graded against solutions.torch_ref.LeNet5 with the same weights.

Variants differ in input size (28 with padding 2 on conv1, or 32), number of classes, and classic (tanh, average
pooling) versus modern (ReLU, max pooling). torch is imported only when tests run, never while generating.
An optional `training:` block (generator/kinds/_training.py) also has the grader train the student's model; it
is copied into the variant's params, so the prompt can state the budget and the rule and the key carries them.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np

from generator.errors import TemplateError
from generator.kinds._code import (Exercise, answer_stub, checks_source, draw_size, explain, generate, grade,
                                   hidden_inputs, model_submission, near_miss, run_hidden_tests, solution_source)
from generator.kinds._training import check_classes, parse_training
from generator.model import Template, Variant
from solutions.architectures import lenet5_layers
from solutions.shapes import AvgPool2d, Dense, MaxPool2d, layer_table

FORMATS = ("code",)
REQUIRED = ("input_size", "num_classes", "style")
EXTRA_KEYS = {"training": False}
__all__ = ["answer_stub", "check_template", "checks_source", "explain", "generate", "grade", "hidden_inputs",
           "model_submission", "near_miss", "render", "run_hidden_tests", "solution_source"]
STYLES = {"classic": ("nn.Tanh", "nn.AvgPool2d", "tanh", "average"),
          "modern": ("nn.ReLU", "nn.MaxPool2d", "ReLU", "max")}


def _config(params: dict[str, Any]) -> tuple[int, int, str]:
    """(input_size, num_classes, style), checked."""
    size, classes, style = params["input_size"], params["num_classes"], params["style"]
    if size not in (28, 32) or style not in STYLES or not isinstance(classes, int) or classes < 2:
        raise ValueError(f"need input_size 28 or 32, num_classes >= 2 and style classic or modern, got "
                         f"{size!r}, {classes!r}, {style!r}")
    return size, classes, style


def check_template(template: Template) -> None:
    """A `training:` block must parse, with every error at its line and naming the key."""
    if "training" in template.extra:
        try:
            parse_training(template.extra["training"], template.points)
        except ValueError as error:
            raise TemplateError(template.locations.get("training", template.where), str(error)) from None


def _prepare(template: Template, params: dict[str, Any]) -> dict[str, Any]:
    """Copy the checked training block into the params; a class count the data set cannot have is redrawn."""
    if "training" not in template.extra:
        return params
    training = parse_training(template.extra["training"], template.points)
    check_classes(training, params["num_classes"])
    return {**params, "training": training.to_json()}


def parameter_count(params: dict[str, Any]) -> int:
    """Learnable parameters of this variant's LeNet-5, from solutions.shapes (no torch needed)."""
    size, classes, style = _config(params)
    layers = list(lenet5_layers(padding=2 if size == 28 else 0, pool=AvgPool2d if style == "classic" else MaxPool2d))
    layers[-1] = Dense(classes)
    return layer_table((1, size, size), layers).total_params


def render(variant: Variant) -> str:
    """The template's prompt, plus how to hand in trained weights when the grader trains the model."""
    if "training" not in variant.params:
        return variant.prompt
    size, _, style = _config(variant.params)
    padded = ", 28×28 images zero-padded to 32×32" if size == 32 else ""
    return (f"{variant.prompt}\n\n**Optional: your trained weights.** Train your `LeNet5` as you like, save "
            'its weights with `torch.save(model.state_dict(), "lenet5.pt")` and upload `lenet5.pt` with this '
            "notebook (the same folder or zip; naming it after the notebook works too). The grader reads it only "
            "with `torch.load(..., weights_only=True)` (a state_dict of tensors, at most 5 MB), copies the tensors "
            f"in order into its own {style} LeNet-5 if your class passes the architecture check, and measures the "
            f"test accuracy on the same test images, fed as `pixels / 255` (0 to 1, no other normalisation"
            f"{padded}), against the same bar and rule. The better of its training run and your weights counts.")


def _signature(params: dict[str, Any]) -> str:
    size, classes, style = _config(params)
    act, pool, act_word, pool_word = STYLES[style]
    return f'''import torch
from torch import nn


class LeNet5(nn.Module):
    """LeNet-5 for {size}x{size} grey images and {classes} classes ({style} style: {act_word}, {pool_word} pooling).

    LeNet5() takes no arguments. forward(x): x of shape (N, 1, {size}, {size}) -> logits of shape (N, {classes}).
    Layers, in this order (weights are copied in this order: test weights into yours, your lenet5.pt into the grader's):
    conv1: 6 filters 5x5{", padding 2" if size == 28 else ""}; {act_word}; {pool_word} pool 2x2;
    conv2: 16 filters 5x5; {act_word}; {pool_word} pool 2x2; flatten;
    fc1: 400 -> 120; {act_word}; fc2: 120 -> 84; {act_word}; fc3: 84 -> {classes} (no activation after fc3).
    """
'''


def _body(params: dict[str, Any]) -> str:
    size, classes, style = _config(params)
    act, pool = STYLES[style][:2]
    return f'''    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, kernel_size=5, padding={2 if size == 28 else 0})
        self.conv2 = nn.Conv2d(6, 16, kernel_size=5)
        self.fc1 = nn.Linear(16 * 5 * 5, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, {classes})
        self.act = {act}()
        self.pool = {pool}(2)

    def forward(self, x):
        x = self.pool(self.act(self.conv1(x)))
        x = self.pool(self.act(self.conv2(x)))
        x = torch.flatten(x, 1)
        x = self.act(self.fc1(x))
        x = self.act(self.fc2(x))
        return self.fc3(x)'''


def _draw_cases(params: dict[str, Any], rng: np.random.Generator) -> list[dict[str, Any]]:
    """Parameter count, output shape, and a forward pass with reference weights."""
    size, classes, style = _config(params)
    config = {"input_size": size, "num_classes": classes, "style": style}
    return [{"check": "parameter_count", **config},
            {"check": "output_shape", "batch": draw_size(rng, 2, 5), **config},
            {"check": "forward", "batch": draw_size(rng, 2, 4), **config}]


@contextmanager
def _quiet_torch() -> Iterator[None]:
    """One intra-op thread (these models are tiny: more threads only contend on a busy machine) and the global RNG
    left as it was (model init draws from it, but every compared weight comes from the case's seed)."""
    import torch
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        with torch.random.fork_rng():
            yield
    finally:
        torch.set_num_threads(threads)


def _reference(case: dict[str, Any]) -> Any:
    """solutions.torch_ref.LeNet5 for this case (its random init is replaced before any comparison)."""
    from solutions.torch_ref import LeNet5
    with _quiet_torch():
        return LeNet5(case["style"], case["input_size"], case["num_classes"])


def _inputs(case: dict[str, Any], rng: np.random.Generator) -> dict[str, Any]:
    """A batch of images and, for the forward check, one weight array per reference parameter."""
    if case["check"] == "parameter_count":
        return {}
    x = rng.standard_normal((case["batch"], 1, case["input_size"], case["input_size"])).astype(np.float32)
    if case["check"] == "output_shape":
        return {"x": x}
    shapes = [tuple(p.shape) for p in _reference(case).parameters()]
    return {"x": x, "parameters": [(0.2 * rng.standard_normal(s)).astype(np.float32) for s in shapes]}


def _call(candidate: Any, case: dict[str, Any], inputs: dict[str, Any]) -> Any:
    """Build the model and measure what the case checks."""
    with _quiet_torch():
        return _measure(candidate(), case, inputs)


def _measure(model: Any, case: dict[str, Any], inputs: dict[str, Any]) -> Any:
    """Parameter count, output shape, or logits with the case's weights loaded in parameter order."""
    import torch
    if case["check"] == "parameter_count":
        return sum(p.numel() for p in model.parameters() if p.requires_grad)
    with torch.no_grad():
        if case["check"] == "output_shape":
            return list(model(torch.from_numpy(inputs["x"])).shape)
        own = list(model.parameters())
        if [tuple(p.shape) for p in own] != [v.shape for v in inputs["parameters"]]:
            raise ValueError("parameter shapes differ from LeNet-5's (check the layer order and sizes)")
        for param, value in zip(own, inputs["parameters"]):
            param.copy_(torch.from_numpy(value))
        return model(torch.from_numpy(inputs["x"])).numpy()


def _checks(params: dict[str, Any], rng: np.random.Generator) -> str:
    size, classes, _ = _config(params)
    count = parameter_count(params)
    return (f"# Visible sanity checks: output shape and parameter count.\nmodel = LeNet5()\n"
            f"out = model(torch.zeros(2, 1, {size}, {size}))\n"
            f"assert tuple(out.shape) == (2, {classes}), f\"wrong output shape {{tuple(out.shape)}}\"\n"
            f"count = sum(p.numel() for p in model.parameters())\n"
            f"assert count == {count}, f\"{{count}} parameters, expected {count}\"\n"
            f"print(\"LeNet5: sanity checks passed\")")


EXERCISE = Exercise("LeNet5", "solutions.torch_ref.LeNet5", _signature, _body, _draw_cases, _inputs, _call,
                    lambda case, inputs: _call(_reference_class(case), case, inputs), _checks,
                    "Two conv-activation-pool blocks, flatten, then three dense layers; the weights are replaced by "
                    "the reference's before comparing outputs.", stub_body="    ...  # write __init__ and forward",
                    prepare=_prepare)


def _reference_class(case: dict[str, Any]) -> Any:
    """A zero-argument constructor for the reference model, so it runs through the same checks as the student's."""
    return lambda: _reference(case)
