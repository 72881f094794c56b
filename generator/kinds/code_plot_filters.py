"""Coding exercise: plot the first-layer filters of a LeNet-5, graded on the arrays plotted, not on the pixels.

The lecture: "it is possible to visualize the learned representations"; the first layer's learned filters are its
weights. The student writes `plot_filters(model)`, returning a matplotlib Figure with one axes per conv1 filter,
in filter order, each showing the filter's raw 5x5 weights with imshow.

What the grader runs is declared here (`request`): a harness (HARNESS_SOURCE, shipped as a job file) builds a
small LeNet-like model whose conv1 weights come from the variant's seed (passed as a .npy argument, so every
student gets different filters), calls the student's function, and returns the arrays of the figure's images,
axes by axes (axes without images, such as colorbars, are ignored), as one (n_images, 5, 5) array. `score`
compares them with the weights it sent: one share of the points per filter shown, unchanged, in its place.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from generator.kinds._common import sample_variant
from generator.model import Context, Part, Request, Returned, Score, Template, Variant
from generator.calls import Call
from generator.render import plural

FORMATS = ("code",)
REQUIRED: tuple[str, ...] = ()
OPTIONAL_PARAMS: tuple[str, ...] = ()  # read when the template has them
EXTRA_KEYS: dict[str, bool] = {}
ENTRY_POINT = "plot_filters"
CALL = "filters"
N_FILTERS, K = 6, 5
HARNESS_FILE = "cnnlab_plot_filters.py"
HARNESS = f"{HARNESS_FILE}:plotted_filters"
NO_MISCONCEPTIONS = ("graded filter by filter on the arrays plotted: the feedback already names the typical slips "
                     "(a filter transposed, rescaled instead of raw, or shown out of order)")

HARNESS_SOURCE = '''"""cnnlab harness: the arrays a student's plot_filters(model) figure shows, axes by axes."""
import numpy as np


def plotted_filters(plot_filters, weights):
    """Build a LeNet-like model whose conv1 weights are `weights`, plot them, return the images' arrays."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import torch
    from matplotlib.figure import Figure
    from torch import nn

    class LeNetLike(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(1, 6, 5)
            self.conv2 = nn.Conv2d(6, 16, 5)
            self.fc1 = nn.Linear(16 * 5 * 5, 120)
            self.fc2 = nn.Linear(120, 84)
            self.fc3 = nn.Linear(84, 10)

        def forward(self, x):
            x = torch.max_pool2d(torch.relu(self.conv1(x)), 2)
            x = torch.max_pool2d(torch.relu(self.conv2(x)), 2)
            x = torch.flatten(x, 1)
            return self.fc3(torch.relu(self.fc2(torch.relu(self.fc1(x)))))

    torch.manual_seed(0)
    model = LeNetLike()
    with torch.no_grad():
        model.conv1.weight.copy_(torch.from_numpy(np.asarray(weights, dtype=np.float32)))
    model.eval()
    fig = plot_filters(model)
    if not isinstance(fig, Figure):
        raise TypeError(f"plot_filters returned {type(fig).__name__}, not a matplotlib Figure")
    arrays = []
    for ax in fig.axes:
        for image in ax.get_images():
            arrays.append(np.asarray(np.ma.getdata(image.get_array()), dtype=np.float64))
    plt.close(fig)
    if not arrays:
        raise ValueError("the figure shows no images: draw each filter with imshow")
    for index, array in enumerate(arrays):
        if array.shape != (5, 5):
            raise ValueError(f"image {index} has shape {array.shape}, expected (5, 5): one 5x5 filter per image")
    return np.stack(arrays)
'''


def check_template(template: Template) -> None:
    """No keys of its own."""


def _compute(template: Template, params: dict[str, Any], rng: np.random.Generator) -> tuple[dict[str, Any], Any]:
    """Nothing to draw here: the filters come from the variant's seed when grading."""
    return params, "conv1.weight[i, 0] for i in 0..5, drawn from the seed by code_plot_filters.filters"


def generate(template: Template, seed: int) -> Variant:
    """The question; its filters are `filters(variant)`, from the seed."""
    return sample_variant(template, seed, _compute, entry_point=ENTRY_POINT)


def render(variant: Variant) -> str:
    """The template's prompt."""
    return variant.prompt


def filters(variant: Variant) -> np.ndarray:
    """The variant's conv1 weights, shape (6, 1, 5, 5), float32: each student's model has its own filters."""
    rng = np.random.default_rng([variant.seed, 0x504C4F54])  # "PLOT"
    return rng.normal(0.0, 0.3, size=(N_FILTERS, 1, K, K)).astype(np.float32)


_SIGNATURE = '''import matplotlib.pyplot as plt
import torch
from torch import nn


def plot_filters(model):
    """Plot the learned filters of model's first layer: model.conv1, an nn.Conv2d(1, 6, 5).

    Returns a matplotlib Figure with one axes per filter (6), in filter order, each showing that filter's
    5x5 weights model.conv1.weight[i, 0] as an image with imshow: the raw weights, not rescaled (imshow's
    colour map does the scaling). Axes without an image (a colorbar) are allowed. Do not call plt.show().
    """
'''

_BODY = '''    weights = model.conv1.weight.detach().cpu().numpy()  # (6, 1, 5, 5)
    fig, axes = plt.subplots(1, weights.shape[0], figsize=(2 * weights.shape[0], 2))
    for i, ax in enumerate(axes):
        ax.imshow(weights[i, 0], cmap="gray")
        ax.set_title(f"filter {i}")
        ax.axis("off")
    return fig
'''


def answer_stub(variant: Variant) -> str:
    """The student's cell: imports, the signature and its docstring."""
    return f"{_SIGNATURE}    raise NotImplementedError\n"


def solution_source(variant: Variant) -> str:
    """The instructor's cell: one subplot per filter, imshow of the raw weights."""
    return f"{_SIGNATURE}{_BODY}"


def checks_source(variant: Variant) -> str:
    """The visible sanity check: a LeNet-like model's figure shows 6 images of 5x5, the first one filter 0."""
    return '''# Visible sanity check: the figure of a LeNet-like model shows its 6 conv1 filters, in order.
import torch
from torch import nn


class CheckNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, 5)
        self.conv2 = nn.Conv2d(6, 16, 5)


check_model = CheckNet()
fig = plot_filters(check_model)
images = [image for ax in fig.axes for image in ax.get_images()]
assert len(images) == 6, f"expected 6 images (one per filter), the figure shows {len(images)}"
assert all(image.get_array().shape == (5, 5) for image in images), "each image must be one 5x5 filter"
assert np.allclose(images[0].get_array(), check_model.conv1.weight[0, 0].detach().numpy()), \\
    "the first image must show filter 0's raw weights"
print("plot_filters: sanity checks passed")'''


def explain(variant: Variant) -> str:
    """How the figure is graded."""
    return ("The first layer's learned filters are its weights, `model.conv1.weight` of shape (6, 1, 5, 5): one "
            "subplot per filter, `imshow(weight[i, 0])`. The grader does not look at the pixels: it builds a model "
            "with its own filters, calls `plot_filters`, reads back the array of every image in the figure (axes "
            "in order, axes without images skipped) and compares them with the filters, one share of the points "
            "per filter shown unchanged in its place.")


# --- grading: what the sandbox runs, and the score -------------------------------------------------------------

def request(variant: Variant, context: Context) -> Request:
    """The harness on the student's function, with the variant's filters as a .npy argument."""
    call = Call(CALL, ENTRY_POINT, (filters(variant),), probe="harness", harness=HARNESS)
    return Request(calls=(call,), files={HARNESS_FILE: HARNESS_SOURCE.encode()})


def _where(image: np.ndarray, expected: np.ndarray) -> str | None:
    """What one image that is not its filter looks like: another filter, a transpose, a rescaled copy."""
    for index, weights in enumerate(expected):
        if np.allclose(image, weights, atol=1e-6):
            return f"filter {index}"
    for index, weights in enumerate(expected):
        if np.allclose(image, weights.T, atol=1e-6):
            return f"filter {index} transposed"
    for index, weights in enumerate(expected):
        if np.ptp(image) > 0 and abs(np.corrcoef(image.ravel(), weights.ravel())[0, 1]) > 0.9999:
            return f"filter {index} rescaled (show the raw weights)"
    return None


def score(variant: Variant, returned: Returned, context: Context) -> Score:
    """One share per filter whose image, at its own position, equals its raw weights; extra images cost a share."""
    share = round(variant.points / N_FILTERS, 6)
    expected = filters(variant)[:, 0].astype(np.float64)
    value, problem = returned.get(CALL)
    if problem is None and not (isinstance(value, np.ndarray) and value.ndim == 3 and value.shape[1:] == (K, K)
                                and value.dtype.kind in "biuf"):
        problem = f"the figure's images came back as {type(value).__name__}, not (n, 5, 5) arrays"
    if problem is not None:
        parts = tuple(Part(f"filter {i}", 0.0, share) for i in range(N_FILTERS))
        return Score(variant.qid, 0.0, variant.points, f"plot_filters could not be graded: {problem}", parts)
    got = value.astype(np.float64)
    matched = [i < len(got) and bool(np.allclose(got[i], expected[i], atol=1e-6)) for i in range(N_FILTERS)]
    extra = max(0, len(got) - N_FILTERS)
    points = round(max(0.0, share * (sum(matched) - extra)), 4)
    if sum(matched) == N_FILTERS and not extra:
        points = variant.points
    lines = [f"{sum(matched)} of {N_FILTERS} filters plotted as expected"]
    if len(got) != N_FILTERS:
        lines.append(f"the figure shows {plural(len(got), 'image')}, expected {N_FILTERS} (one per filter"
                     + (f"; {extra} extra cost {plural(extra, 'share')})" if extra else ")"))
    wrong = []
    for i in range(min(len(got), N_FILTERS)):
        if not matched[i]:
            seen = _where(got[i], expected)
            wrong.append(f"image {i} shows {seen}" if seen else f"image {i} is not filter {i}'s raw weights")
    if wrong:
        lines.append(", ".join(wrong) + (" (the axes must follow the filter order)"
                                         if any("shows filter" in w and "transposed" not in w and "rescaled" not in w
                                                for w in wrong) else ""))
    parts = tuple(Part(f"filter {i}", share if matched[i] else 0.0, share) for i in range(N_FILTERS))
    return Score(variant.qid, points, variant.points, "; ".join(lines), parts)


def model_submission(variant: Variant) -> Returned:
    """What the harness returns for the worked solution: the filters, in order."""
    return Returned({CALL: filters(variant)[:, 0].astype(np.float64)}, {})


def near_miss(variant: Variant) -> Returned:
    """The filters with the first two swapped: must lose those two shares."""
    stack = filters(variant)[:, 0].astype(np.float64)
    stack[[0, 1]] = stack[[1, 0]]
    return Returned({CALL: stack}, {})
