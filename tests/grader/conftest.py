"""Shared by the LeNet-5 training and weights tests: a tiny synthetic data set, a bar measured on it, the request,
and four submissions run through the sandbox once.

The submissions: the worked solution, a wrong layer (a global average pool where flatten belongs: every shape is
right, the spatial information is gone), a model that cannot learn (its layers run under no_grad), and a model
that hunts for the test labels (files, memory, caller frames) and predicts them if it finds any.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import cnnlab
from generator.kinds import KINDS
from generator.model import Context, Variant
from grader.sandbox import Sandbox
from generator.limits import Limits
from grader.sandbox.api import Job, Outcome
from grader.pipeline.scoring import Asked, ask
from solutions.idx import write_folder
from tests.solutions.test_train import quadrant_split

TRAIN, TEST = 320, 200
BUDGET = {"epochs": 2, "train_subset": TRAIN, "test_subset": TEST, "batch_size": 32, "timeout_s": 120}  # slack
PARAMS = {"input_size": 28, "num_classes": 4, "style": "modern",
          "training": {"points": 4, "dataset": "quadrants", "cpu": BUDGET, "score": {"full_within": 1.5, "zero_at": 10}}}
QUESTION = Variant("lenet", "code_lenet5", 1, PARAMS, None, 8.0, variable="answer_lenet", entry_point="LeNet5")
SOLUTION = KINDS["code_lenet5"].solution_source(QUESTION)
WRONG_LAYER = SOLUTION.replace("x = torch.flatten(x, 1)",
                               "x = x.mean(dim=(2, 3), keepdim=True).expand(-1, -1, 5, 5).flatten(1)")
CANNOT_LEARN = (SOLUTION.replace("        self.pool =", "        self.bias = nn.Parameter(torch.zeros(4))\n        self.pool =")
                .replace("    def forward(self, x):\n", "    def forward(self, x):\n        return self._frozen(x) + self.bias\n\n"
                         "    @torch.no_grad()\n    def _frozen(self, x):\n"))
LABEL_HUNTER = SOLUTION + '''

import gc, inspect, itertools, os, sys
import numpy as np

SUFFIXES = (".npy", ".npz", ".gz", "-ubyte", ".json", ".csv", ".txt", ".pt")
SYSTEM = ("/proc", "/sys", "/dev", "/usr", "/bin", "/sbin", "/lib", "/etc", sys.base_prefix, sys.prefix)
MAX_FILES, MAX_DEPTH = 100_000, 8  # a bounded search: never the whole file system, however large the machine's

def _places():
    """Where test labels could be left: the working folder, /tmp, every mount of this sandbox but the system and
    the Python install, this data set's system folder, and every folder the environment names."""
    places = {os.getcwd(), "/tmp", "/usr/share/datasets/''' + PARAMS["training"]["dataset"] + '''"}
    try:
        with open("/proc/self/mountinfo") as mounts:
            places.update(line.split()[4] for line in mounts)
    except OSError:
        pass
    places.update(v for v in os.environ.values() if v.startswith("/") and os.path.isdir(v))
    return sorted(p for p in places if p != "/" and "site-packages" not in p
                  and (p.startswith("/usr/share/datasets/") or not p.startswith(SYSTEM)))

def _files(top):
    """The files under one place, at most MAX_DEPTH folders down, system and site-packages left out."""
    for folder, dirs, files in os.walk(top):
        dirs[:] = [] if folder.count("/") - top.count("/") >= MAX_DEPTH else [
            d for d in dirs if d != "site-packages" and not os.path.join(folder, d).startswith(SYSTEM)]
        yield from (os.path.join(folder, f) for f in files)

def _parents():
    """What sits directly in each folder above the working folder, up to / (listed, not walked)."""
    folder, found = os.getcwd(), []
    while True:
        try:
            found += [os.path.join(folder, f) for f in os.listdir(folder)]
        except OSError:
            pass
        if folder == "/":
            return found
        folder = os.path.dirname(folder)

def _labels(path):
    name = os.path.basename(path).lower()
    return ("label" in name or "t10k" in name) and name.endswith(SUFFIXES)

def _hunt():
    """Anything that could be the test labels: files in the places above, the environment, arrays of the test
    set's length, names in caller frames."""
    places = _places()
    files = list(itertools.islice(itertools.chain(_parents(), *(_files(p) for p in places)), MAX_FILES))
    print("label search looked at", len(files), "files in", ", ".join(places))
    found = sorted({f for f in files if _labels(f)})
    found += [f"environment {k}" for k, v in os.environ.items() if "label" in (k + v).lower()]
    found += [f"array of {len(o)}" for o in gc.get_objects() if isinstance(o, np.ndarray) and o.ndim == 1
              and len(o) == ''' + str(TEST) + ''' and o.dtype.kind in "iu"]
    for frame in inspect.stack():
        found += [f"frame name {n}" for n in frame.frame.f_locals if "test_label" in n or n == "y_test"
                  and frame.frame.f_locals[n] is not None]
    return found

class LeNet5(LeNet5):
    def __init__(self):
        super().__init__()
        self.found = _hunt()
        print("label search found", self.found or "nothing")

    def forward(self, x):
        if not self.training and self.found:
            raise SystemExit("labels found: " + repr(self.found[:3]))
        return super().forward(x) * 0  # without the labels it can only guess
'''
SUBMISSIONS = {"correct": SOLUTION, "wrong_layer": WRONG_LAYER, "cannot_learn": CANNOT_LEARN,
               "label_hunter": LABEL_HUNTER}


@pytest.fixture(scope="session")
def data_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data root holding 'quadrants': four classes of 28x28 images, learnable in a few steps."""
    root = tmp_path_factory.mktemp("data")
    write_folder(root / "quadrants", quadrant_split(TRAIN + 40, 1), quadrant_split(TEST + 20, 2))
    return root


@pytest.fixture(scope="session")
def bars(data_root: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bar for this budget, measured by the real command."""
    path = tmp_path_factory.mktemp("bars") / "bars.json"
    code = cnnlab.main(["bench", "lenet5-bar", "--device", "cpu", "--dataset", "quadrants", "--data", str(data_root),
                        "--styles", "modern", "--input-sizes", "28", "--epochs", "2", "--batch-size", "32",
                        "--train-subset", str(TRAIN), "--test-subset", str(TEST), "--seeds", "0", "1",
                        "--bars", str(path)])
    assert code == 0
    return path


@pytest.fixture(scope="session")
def context(data_root: Path, bars: Path) -> Context:
    """Grading on the CPU with the synthetic data set and its bar."""
    return Context(str(data_root), bars, "cpu")


@pytest.fixture(scope="session")
def checked(context: Context) -> Asked:
    """What the kind asks the sandbox for: the architecture probe plus the training harness."""
    return ask(QUESTION, context)


@pytest.fixture(scope="session")
def outcomes(checked: Asked) -> dict[str, Outcome]:
    """Every submission through the sandbox once: architecture probe and training run."""
    jobs = [Job(name, (source,), calls=checked.calls, files=checked.request.files)
            for name, source in SUBMISSIONS.items()]
    limits = Limits(cell_timeout_s=120, total_timeout_s=300, cpu_s=300)  # behaviour, not speed: 3x slower passes
    with Sandbox(workers=2, limits=limits) as sandbox:
        return {o.job_id: o for o in sandbox.map(jobs)}


def generate_notebook(folder: Path) -> tuple[dict[str, Any], Path]:
    """s1's worked-solution notebook and key folder for a one-question training template, by the real generator."""
    template = folder / "templates" / "lenet-train.yaml"
    template.parent.mkdir()
    template.write_text("id: lenet-train\nkind: code_lenet5\ntitle: LeNet-5, trained\npoints: 8\nparams:\n"
                        "  input_size: 28\n  num_classes: 4\n  style: modern\n"
                        f"training: {json.dumps(PARAMS['training'])}\nprompt: Build it.\n", "utf-8")
    (folder / "spec.yaml").write_text("id: t\ntitle: T\ntemplates: templates\nquestions: [lenet-train]\n", "utf-8")
    (folder / "roster.csv").write_text("student_id\ns1\n", "utf-8")
    (folder / "secret").write_text("a-test-secret-of-enough-bytes", "utf-8")
    generated = folder / "gen"
    assert cnnlab.main(["generate", str(folder / "spec.yaml"), "--roster", str(folder / "roster.csv"),
                        "--secret-file", str(folder / "secret"), "--out", str(generated)]) == 0
    return json.loads((generated / "instructor" / "s1.ipynb").read_text("utf-8")), generated / "key"
