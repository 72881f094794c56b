"""Coding exercise: a LeNet-5 nn.Module, checked by its parameter count and layer shapes, and optionally trained.

Variants differ in input size (28 with padding 2 on conv1, or 32), number of classes, and classic (tanh, average
pooling) versus modern (ReLU, max pooling). torch is imported only when grading, never while generating.
An optional `training:` block (generator/kinds/_training.py) also has the grader train the student's model; it
is copied into the variant's params, so the prompt can state the budget and the rule and the key carries them.

What the grader runs is declared here (`request`): the sandbox's module_summary probe on the student's class,
and for a training block the reference trainer as a harness on the data set's arrays. `score` turns the summary
into the architecture points and the returned predictions (and any submitted weights) into the training points.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any

import numpy as np

from generator.errors import TemplateError
from generator.kinds._common import sample_variant
from generator.kinds._training import check_classes, parse_training
from generator.model import SELF_TEST_CONTEXT, Context, Part, Request, Returned, Score, Template, Variant
from generator.calls import Call
from solutions.architectures import lenet5_layers
from solutions.shapes import AvgPool2d, Dense, LayerTable, MaxPool2d, layer_table

FORMATS = ("code",)
REQUIRED = ("input_size", "num_classes", "style")
OPTIONAL_PARAMS: tuple[str, ...] = ()  # read when the template has them
EXTRA_KEYS = {"training": False}
ENTRY_POINT = "LeNet5"
NO_MISCONCEPTIONS = ("graded by the parameter count and each layer's output shape (and, with training, the test "
                     "accuracy): the feedback gives the expected count and the first layer output that departs from "
                     "the expected stack")
STUB_BODY = "    ...  # write __init__ and forward"
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


def reference_table(params: dict[str, Any]) -> LayerTable:
    """The layer table of this variant's LeNet-5, from solutions.shapes (no torch needed)."""
    return _table(*_config(params))


@lru_cache(maxsize=64)  # a handful of configurations serve a whole class; the table is immutable
def _table(size: int, classes: int, style: str) -> LayerTable:
    """reference_table, keyed by the configuration."""
    pool = AvgPool2d if style == "classic" else MaxPool2d
    layers = [*lenet5_layers(padding=2 if size == 28 else 0, pool=pool)[:-1], Dense(classes)]
    return layer_table((1, size, size), layers)


def parameter_count(params: dict[str, Any]) -> int:
    """Learnable parameters of this variant's LeNet-5."""
    return reference_table(params).total_params


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
    Layers, in this order (a lenet5.pt you submit is copied into the grader's LeNet-5 in this order):
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


def _checks(params: dict[str, Any], rng: np.random.Generator) -> str:
    size, classes, _ = _config(params)
    count = parameter_count(params)
    return (f"# Visible sanity checks: output shape and parameter count.\nmodel = LeNet5()\n"
            f"out = model(torch.zeros(2, 1, {size}, {size}))\n"
            f"assert tuple(out.shape) == (2, {classes}), f\"wrong output shape {{tuple(out.shape)}}\"\n"
            f"count = sum(p.numel() for p in model.parameters())\n"
            f"assert count == {count}, f\"{{count}} parameters, expected {count}\"\n"
            f"print(\"LeNet5: sanity checks passed\")")


def _compute(template: Template, params: dict[str, Any], rng: np.random.Generator) -> tuple[dict[str, Any], Any]:
    """The configuration, the training block and the visible checks; the 'answer' names the reference."""
    params = _prepare(template, params)
    return {**params, "checks": _checks(params, rng)}, "solutions.torch_ref.LeNet5"


def generate(template: Template, seed: int) -> Variant:
    """A LeNet-5 configuration (and training budget) drawn from the seed."""
    return sample_variant(template, seed, _compute, entry_point=ENTRY_POINT)


def answer_stub(variant: Variant) -> str:
    """The student's cell: the class line and its docstring, to be completed."""
    return f"{_signature(variant.params)}\n{STUB_BODY}\n"


def solution_source(variant: Variant) -> str:
    """The instructor's cell: the same class, written out."""
    return f"{_signature(variant.params)}\n{_body(variant.params)}\n"


def checks_source(variant: Variant) -> str:
    """The visible sanity checks that follow the code cell."""
    return str(variant.params["checks"])


def explain(variant: Variant) -> str:
    """How the model is graded."""
    trained = " Then the grader trains it with its own trainer and compares the test accuracy with the bar." \
        if "training" in variant.params else ""
    return ("Two conv-activation-pool blocks, flatten, then three dense layers. The grader builds your class, "
            f"counts its parameters ({parameter_count(variant.params):,}) and checks every layer's output shape."
            + trained)


# --- grading: what the sandbox runs, and the score -------------------------------------------------------------

def expected_shapes(params: dict[str, Any]) -> tuple[tuple[int, ...], ...]:
    """Per-layer output shapes (batch dim dropped) of the variant's LeNet-5."""
    return tuple(row.output_shape for row in reference_table(params).rows)


def training_data(variant: Variant, device: str) -> tuple[str, int, int] | None:
    """The data set the grader trains this variant's model on, with the device budget's train and test image counts."""
    raw = variant.params.get("training")
    if raw is None:
        return None
    training = parse_training(raw, variant.points)
    budget = training.budgets.get(device)
    if budget is None:
        raise ValueError(f"question {variant.qid!r}: its training block sets no {device} budget")
    return training.dataset, budget.train_subset, budget.test_subset


def request(variant: Variant, context: Context) -> Request:
    """The module_summary probe on a zero batch; with a training block, the reference trainer as a harness."""
    size = _config(variant.params)[0]
    summary = Call("summary", ENTRY_POINT, (np.zeros((2, 1, size, size), dtype=np.float32),), probe="module_summary")
    if "training" not in variant.params:
        return Request(calls=(summary,))
    from generator.kinds import _lenet5_training as training  # torch: only when grading

    check = training.training_check(variant, context)
    assert check is not None
    return Request(calls=(summary, training.training_call("training", ENTRY_POINT, check)),
                   files=training.harness_files(), attachments=(".pt", ".pth"))


def _shape(value: Any) -> tuple[int, ...] | None:
    """A shape from JSON (a list of ints), without the batch dimension; None when it is not one."""
    if isinstance(value, (list, tuple)) and value and all(isinstance(v, int) and not isinstance(v, bool)
                                                          for v in value):
        return tuple(value[1:])
    return None


def fit_in_order(seen: Sequence[tuple[int, ...]], expected: Sequence[tuple[int, ...]]) -> int:
    """How many of the seen shapes, in order, walk along the expected layer shapes (containers may skip layers)."""
    position, fitted = 0, 0
    for shape in seen:
        while position < len(expected) and expected[position] != shape:
            position += 1
        if position == len(expected):
            break
        fitted += 1
    return fitted


def _dedupe(shapes: Sequence[tuple[int, ...]]) -> list[tuple[int, ...]]:
    """Drop repeats in a row: an activation after a layer keeps its shape."""
    return [s for i, s in enumerate(shapes) if i == 0 or shapes[i - 1] != s]


def score_architecture(variant: Variant, points: float, summary: Any, problem: str | None) -> Score:
    """Half the points for the parameter count; half for child output shapes that follow the reference's layers."""
    expected_params, expected = parameter_count(variant.params), expected_shapes(variant.params)
    if problem or not isinstance(summary, Mapping):
        why = problem or f"the model summary is {type(summary).__name__}, not a mapping"
        return Score(variant.qid, 0.0, points, f"could not build and run the model: {why}")
    params = summary.get("params")
    children = [c for c in summary.get("children", ()) if isinstance(c, Mapping)]
    shapes = [s for s in (_shape(c.get("output_shape")) for c in children) if s is not None]
    final = _shape(summary.get("output_shape"))
    seen = _dedupe(shapes + ([final] if final is not None else []))
    fitted = fit_in_order(seen, expected) if final == expected[-1] else 0
    half = points / 2
    params_ok = params == expected_params
    lines = [f"{params} parameters" + (" as expected" if params_ok else f", expected {expected_params:,}")]
    if final != expected[-1]:
        lines.append(f"output shape {final}, expected {expected[-1]} per example")
    elif fitted < len(seen):
        lines.append(f"layer output {seen[fitted]} does not follow the expected layers {list(expected)}")
    else:
        lines.append("every layer output shape as expected")
    shape_points = round(half * fitted / len(seen), 4) if seen else 0.0
    parts = (Part("parameter count", half if params_ok else 0.0, half), Part("layer output shapes", shape_points, half))
    return Score(variant.qid, round((half if params_ok else 0.0) + shape_points, 4), points, "; ".join(lines), parts)


def score(variant: Variant, returned: Returned, context: Context) -> Score:
    """Architecture from the summary; with a training block, the better of the training run and submitted weights."""
    if "training" not in variant.params:
        return score_architecture(variant, variant.points, *returned.get("summary"))
    from generator.kinds import _lenet5_training as training

    check = training.training_check(variant, context)
    assert check is not None
    architecture = score_architecture(variant, variant.points - check.points, *returned.get("summary"))
    part, line = training.score_training(check, *returned.get("training"))
    submitted = list(returned.attachments)
    if len(submitted) > 1:
        line += f"; several weights files ({', '.join(a.label for a in submitted)}): none was evaluated, submit one"
    elif submitted:
        from generator.kinds import _lenet5_weights as weights  # torch: only for submitted weights

        architecture_ok = bool(architecture.parts) and all(p.points == p.max_points for p in architecture.parts)
        part, line = weights.with_weights(check, part, line, weights.evaluate_weights(submitted[0], check),
                                          architecture_ok)
    return Score(variant.qid, round(architecture.points + part.points, 4), variant.points,
                 f"{architecture.feedback}; {line}", architecture.parts + (part,))


def reference_summary(params: dict[str, Any]) -> dict[str, Any]:
    """What the module_summary probe returns for a correct LeNet5 on a batch of 2, read off the layer table."""
    table = reference_table(params)
    children = [{"name": row.name, "params": row.params.total, "output_shape": [2, *row.output_shape]}
                for row in table.rows]
    return {"params": table.total_params, "trainable_params": table.total_params,
            "output_shape": [2, *table.output_shape], "children": children}


def model_submission(variant: Variant) -> Returned:
    """What the sandbox returns for a correct model: the reference's summary and, with a training block, the
    predictions of a model that classifies every test image right. The self-test checks the scoring without torch;
    the worked solution itself is measured in torch by `cnnlab validate`'s sandbox check and by the tests."""
    values: dict[str, Any] = {"summary": reference_summary(variant.params)}
    if "training" in variant.params:
        from generator.kinds import _lenet5_training as training

        check = training.training_check(variant, SELF_TEST_CONTEXT)
        assert check is not None
        values["training"] = np.asarray(check.data.test_labels, dtype=np.int64)
    return Returned(values, {})


def near_miss(variant: Variant) -> Returned:
    """The solution's results with one layer too many parameters: must lose the parameter-count points."""
    returned = model_submission(variant)
    summary = dict(returned.values["summary"], params=returned.values["summary"]["params"] + 1)
    return Returned({**returned.values, "summary": summary}, {})
