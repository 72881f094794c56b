"""Training students' LeNet-5s in the real sandbox on a tiny synthetic set, scored against a bar measured the same way
(the data, bar and submissions are in conftest.py).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import cnnlab
from dataclasses import replace

from generator.model import Context, Score
from grader.sandbox import Sandbox
from generator.limits import Limits
from grader.sandbox.api import Job, Outcome
from grader.pipeline.scoring import Asked, ask, score_submission
from tests.grader.conftest import BUDGET, LABEL_HUNTER, PARAMS, QUESTION, generate_notebook


@pytest.fixture(scope="module")
def scores(checked: Asked, outcomes: dict[str, Outcome], context: Context) -> dict[str, tuple[Score, str]]:
    """Every submission's score and stdout."""
    return {name: (score_submission(checked, o, None, context), o.stdout) for name, o in outcomes.items()}


def test_bar_file_records_budget_device_and_seeds(bars: Path) -> None:
    (entry,) = json.loads(bars.read_text())["bars"]
    assert entry["device"] == "cpu" and entry["budget"] == {k: v for k, v in BUDGET.items() if k != "timeout_s"}
    assert entry["architecture"] == {"style": "modern", "input_size": 28, "num_classes": 4}
    assert entry["seeds"] == [0, 1] and entry["accuracy"] == pytest.approx(np.mean(entry["accuracies"]))
    assert entry["accuracy"] > 90  # chance is 25%
    assert entry["torch"] and entry["device_name"] and len(entry["data_sha256"]) == 16


def test_correct_lenet_scores_full(scores: dict[str, tuple[Score, str]]) -> None:
    score, _ = scores["correct"]
    assert score.points == score.max_points == 8.0, score.feedback
    assert [p[0] for p in score.parts] == ["parameter count", "layer output shapes", "training accuracy"]
    assert "CPU bar" in score.feedback and "2 epochs on 320 training images" in score.feedback
    assert "full credit within 1.5 points of the bar" in score.feedback


def test_wrong_layer_passes_shapes_but_not_training(scores: dict[str, tuple[Score, str]]) -> None:
    score, _ = scores["wrong_layer"]
    assert score.parts[1][1] == score.parts[1][2]  # every layer's shape is right
    assert score.parts[2][1] == 0.0 and score.points <= 4.0, score.feedback


def test_model_that_cannot_learn_scores_no_training_points(scores: dict[str, tuple[Score, str]]) -> None:
    score, _ = scores["cannot_learn"]
    assert score.parts[2][1] == 0.0, score.feedback
    assert "test accuracy" in score.feedback


def test_label_hunter_finds_nothing(scores: dict[str, tuple[Score, str]]) -> None:
    score, stdout = scores["label_hunter"]
    looked = next((line for line in stdout.splitlines() if line.startswith("label search looked at")), stdout[-2000:])
    assert "/tmp" in looked and "/usr/share/datasets/quadrants" in looked, looked
    assert "label search found nothing" in stdout, stdout[-2000:]
    assert dict((label, points) for label, points, _ in score.parts).get("training accuracy") == 0.0, score.feedback


def test_label_hunter_finds_labels_left_where_it_looks() -> None:
    """The search above is not vacuous: labels left in the sandbox's /tmp are found."""
    plant = "import numpy as np\nnp.save('/tmp/t10k-labels.npy', np.arange(3))\n"
    with Sandbox(workers=1, limits=Limits(cell_timeout_s=120, total_timeout_s=300, cpu_s=300)) as sandbox:
        (outcome,) = sandbox.map([Job("planted", (plant, LABEL_HUNTER, "LeNet5()\n"))])
    assert "label search found ['/tmp/t10k-labels.npy']" in outcome.stdout, outcome.stdout[-2000:]


def test_missing_bar_is_a_grader_error_naming_the_command(data_root: Path, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"no LeNet-5 bar .* run: cnnlab bench lenet5-bar --dataset quadrants"):
        ask(QUESTION, Context(str(data_root), tmp_path / "none.json", "cpu"))


def test_unknown_data_set_is_a_grader_error(tmp_path: Path, bars: Path) -> None:
    question = replace(QUESTION, params={**PARAMS, "training": {**PARAMS["training"], "dataset": "nowhere"}})
    with pytest.raises(ValueError, match="training data: data set 'nowhere' not found"):
        ask(question, Context(str(tmp_path), bars, "cpu"))


def test_end_to_end_results_json_carries_accuracy_bar_and_rule(data_root: Path, bars: Path, tmp_path: Path) -> None:
    notebook, key = generate_notebook(tmp_path)
    (tmp_path / "s1.ipynb").write_text(json.dumps(notebook), "utf-8")
    out = tmp_path / "out"
    assert cnnlab.main(["grade", str(tmp_path / "s1.ipynb"), "--key", str(key), "--out", str(out),
                        "--data", str(data_root), "--bars", str(bars), "--device", "cpu", "--timeout", "300"]) == 0
    (test,) = json.loads((out / "results.json").read_text())["tests"]
    assert test["score"] == test["max_score"] == 8.0
    assert "test accuracy" in test["output"] and "CPU bar" in test["output"] and "rule: full credit" in test["output"]
    assert "weights" not in test["output"]  # none submitted: the training run alone counts, as before
