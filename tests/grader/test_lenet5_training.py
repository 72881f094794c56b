"""Training students' LeNet-5s in the real sandbox on a tiny synthetic set, scored against a bar measured the same way.

Four submissions: the worked solution, a wrong layer (a global average pool where flatten belongs: every shape is
right, the spatial information is gone), a model that cannot learn (its layers run under no_grad), and a model
that hunts for the test labels (files, memory, caller frames) and predicts them if it finds any.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import cnnlab
from generator.kinds import KINDS
from generator.model import Variant
from grader.lenet5_training import TrainingSetup, harness_files
from grader.plans import Plan, plan
from grader.records import KeyQuestion, QuestionScore
from grader.sandbox import Sandbox
from grader.sandbox.api import Job, Limits
from grader.scoring import score_plan
from grader.steps import _calls
from solutions.idx import write_folder
from tests.solutions.test_train import quadrant_split

TRAIN, TEST = 320, 200
BUDGET = {"epochs": 2, "train_subset": TRAIN, "test_subset": TEST, "batch_size": 32, "timeout_s": 30}
PARAMS = {"input_size": 28, "num_classes": 4, "style": "modern",
          "training": {"points": 4, "dataset": "quadrants", "cpu": BUDGET, "score": {"full_within": 1.5, "zero_at": 10}}}
QUESTION = KeyQuestion("lenet", "code_lenet5", 1, 8.0, PARAMS, None, entry_point="LeNet5")
SOLUTION = KINDS["code_lenet5"].solution_source(Variant("lenet", "code_lenet5", 1, PARAMS, None, 8.0))
WRONG_LAYER = SOLUTION.replace("x = torch.flatten(x, 1)",
                               "x = x.mean(dim=(2, 3), keepdim=True).expand(-1, -1, 5, 5).flatten(1)")
CANNOT_LEARN = (SOLUTION.replace("        self.pool =", "        self.bias = nn.Parameter(torch.zeros(4))\n        self.pool =")
                .replace("    def forward(self, x):\n", "    def forward(self, x):\n        return self._frozen(x) + self.bias\n\n"
                         "    @torch.no_grad()\n    def _frozen(self, x):\n"))
LABEL_HUNTER = SOLUTION + '''

import gc, inspect, os, sys
import numpy as np

def _hunt():
    """Anything that could be the test labels: files, arrays of the test set's length, names in caller frames."""
    found = []
    for top, _dirs, files in os.walk("/"):
        if top.startswith(("/proc", "/sys", "/usr", "/dev", sys.base_prefix)) or "site-packages" in top:
            continue  # the system and the Python install: bound read-only, the same for every student
        found += [os.path.join(top, f) for f in files if ("label" in f.lower() or "t10k" in f.lower())
                  and f.endswith((".npy", ".gz", "-ubyte", ".json", ".csv", ".txt"))]
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


@pytest.fixture(scope="module")
def data_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data root holding 'quadrants': four classes of 28x28 images, learnable in a few steps."""
    root = tmp_path_factory.mktemp("data")
    write_folder(root / "quadrants", quadrant_split(TRAIN + 40, 1), quadrant_split(TEST + 20, 2))
    return root


@pytest.fixture(scope="module")
def bars(data_root: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bar for this budget, measured by the real command."""
    path = tmp_path_factory.mktemp("bars") / "bars.json"
    code = cnnlab.main(["bench", "lenet5-bar", "--device", "cpu", "--dataset", "quadrants", "--data", str(data_root),
                        "--styles", "modern", "--input-sizes", "28", "--epochs", "2", "--batch-size", "32",
                        "--train-subset", str(TRAIN), "--test-subset", str(TEST), "--seeds", "0", "1",
                        "--bars", str(path)])
    assert code == 0
    return path


@pytest.fixture(scope="module")
def checked(data_root: Path, bars: Path) -> Plan:
    """The question's plan: architecture probe plus training call."""
    return plan(QUESTION, TrainingSetup(str(data_root), bars, "cpu"))


@pytest.fixture(scope="module")
def scores(checked: Plan) -> dict[str, tuple[QuestionScore, str]]:
    """Every submission through the sandbox once: (score, stdout)."""
    jobs = [Job(name, (source,), calls=_calls(checked), files=harness_files()) for name, source in SUBMISSIONS.items()]
    with Sandbox(workers=2, limits=Limits(total_timeout_s=60, cpu_s=60)) as sandbox:
        outcomes = list(sandbox.map(jobs))
    return {o.job_id: (score_plan(checked, o, None), o.stdout) for o in outcomes}


def test_bar_file_records_budget_device_and_seeds(bars: Path) -> None:
    (entry,) = json.loads(bars.read_text())["bars"]
    assert entry["device"] == "cpu" and entry["budget"] == {k: v for k, v in BUDGET.items() if k != "timeout_s"}
    assert entry["architecture"] == {"style": "modern", "input_size": 28, "num_classes": 4}
    assert entry["seeds"] == [0, 1] and entry["accuracy"] == pytest.approx(np.mean(entry["accuracies"]))
    assert entry["accuracy"] > 90  # chance is 25%
    assert entry["torch"] and entry["device_name"] and len(entry["data_sha256"]) == 16


def test_correct_lenet_scores_full(scores: dict[str, tuple[QuestionScore, str]]) -> None:
    score, _ = scores["correct"]
    assert score.points == score.max_points == 8.0, score.feedback
    assert [p[0] for p in score.parts] == ["parameter count", "layer output shapes", "training accuracy"]
    assert "CPU bar" in score.feedback and "2 epochs on 320 training images" in score.feedback
    assert "full credit within 1.5 points of the bar" in score.feedback


def test_wrong_layer_passes_shapes_but_not_training(scores: dict[str, tuple[QuestionScore, str]]) -> None:
    score, _ = scores["wrong_layer"]
    assert score.parts[1][1] == score.parts[1][2]  # every layer's shape is right
    assert score.parts[2][1] == 0.0 and score.points <= 4.0, score.feedback


def test_model_that_cannot_learn_scores_no_training_points(scores: dict[str, tuple[QuestionScore, str]]) -> None:
    score, _ = scores["cannot_learn"]
    assert score.parts[2][1] == 0.0, score.feedback
    assert "test accuracy" in score.feedback


def test_label_hunter_finds_nothing(scores: dict[str, tuple[QuestionScore, str]]) -> None:
    score, stdout = scores["label_hunter"]
    assert "label search found nothing" in stdout
    assert score.parts[2][1] == 0.0, score.feedback


def test_missing_bar_is_a_grader_error_naming_the_command(data_root: Path, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"no LeNet-5 bar .* run: cnnlab bench lenet5-bar --dataset quadrants"):
        plan(QUESTION, TrainingSetup(str(data_root), tmp_path / "none.json", "cpu"))


def test_unknown_data_set_is_a_grader_error(tmp_path: Path, bars: Path) -> None:
    question = KeyQuestion("q", "code_lenet5", 1, 8.0, {**PARAMS, "training": {**PARAMS["training"],
                                                                                 "dataset": "nowhere"}}, None,
                           entry_point="LeNet5")
    with pytest.raises(ValueError, match="training data: data set 'nowhere' not found"):
        plan(question, TrainingSetup(str(tmp_path), bars, "cpu"))


def test_end_to_end_results_json_carries_accuracy_bar_and_rule(data_root: Path, bars: Path, tmp_path: Path) -> None:
    template = tmp_path / "templates" / "lenet-train.yaml"
    template.parent.mkdir()
    template.write_text("id: lenet-train\nkind: code_lenet5\ntitle: LeNet-5, trained\npoints: 8\nparams:\n"
                        "  input_size: 28\n  num_classes: 4\n  style: modern\n"
                        f"training: {json.dumps(PARAMS['training'])}\nprompt: Build it.\n", "utf-8")
    (tmp_path / "spec.yaml").write_text("id: t\ntitle: T\ntemplates: templates\nquestions: [lenet-train]\n", "utf-8")
    (tmp_path / "roster.csv").write_text("student_id\ns1\n", "utf-8")
    (tmp_path / "secret").write_text("a-test-secret-of-enough-bytes", "utf-8")
    generated = tmp_path / "gen"
    assert cnnlab.main(["generate", str(tmp_path / "spec.yaml"), "--roster", str(tmp_path / "roster.csv"),
                        "--secret-file", str(tmp_path / "secret"), "--out", str(generated)]) == 0
    notebook: dict[str, Any] = json.loads((generated / "instructor" / "s1.ipynb").read_text("utf-8"))
    (tmp_path / "s1.ipynb").write_text(json.dumps(notebook), "utf-8")
    out = tmp_path / "out"
    assert cnnlab.main(["grade", str(tmp_path / "s1.ipynb"), "--key", str(generated / "key"), "--out", str(out),
                        "--data", str(data_root), "--bars", str(bars), "--device", "cpu"]) == 0
    (test,) = json.loads((out / "results.json").read_text())["tests"]
    assert test["score"] == test["max_score"] == 8.0
    assert "test accuracy" in test["output"] and "CPU bar" in test["output"] and "rule: full credit" in test["output"]
