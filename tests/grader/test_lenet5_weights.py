"""Submitted LeNet-5 weights: loaded only with weights_only, evaluated on the grader's own LeNet-5, best of two counts.

The sandbox outcomes (conftest.py) supply the architecture check and training run: `wrong_layer` passes the
architecture check but learns nothing in the sandbox, `cannot_learn` fails the parameter count.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import pickle
import zipfile
from dataclasses import replace
from pathlib import Path

import pytest
import torch

import cnnlab
from generator.kinds._lenet5_training import TrainingCheck, training_check
from generator.kinds._lenet5_weights import PIXELS, WeightsResult, evaluate_weights, load_state, reference_module
from generator.model import Attachment, Context, Score
from grader.pipeline.answer_key import KeyDir
from grader.pipeline.collect import collect
from grader.pipeline.records import AnswerKey, RawSubmission
from grader.pipeline.roster import Roster
from grader.sandbox.api import Outcome
from grader.pipeline.scoring import Asked, score_submission
from generator.limits import MAX_WEIGHTS_BYTES
from grader.pipeline.steps import Env, State, make_requests
from solutions.lenet5_bar import Architecture
from solutions.train import TrainConfig, train_arrays
from tests.grader.conftest import QUESTION, WRONG_LAYER, generate_notebook

STUDENT_NAMES = [f"{layer}.{kind}" for layer in ("conv1", "conv2", "fc1", "fc2", "fc3") for kind in ("weight", "bias")]


def as_student(module: torch.nn.Module) -> dict[str, torch.Tensor]:
    """The module's state_dict under the stub's names (conv1.weight ...), not the reference's (features.0.weight ...)."""
    return dict(zip(STUDENT_NAMES, module.state_dict().values()))


def saved(content: object, label: str = "lenet5.pt") -> Attachment:
    """What torch.save writes for content, as a submitted file."""
    buffer = io.BytesIO()
    torch.save(content, buffer)
    return Attachment(label, label, len(buffer.getvalue()), buffer.getvalue())


@pytest.fixture(scope="module")
def check(context: Context) -> TrainingCheck:
    """The question's training check: data, budget, bar and rule."""
    found = training_check(QUESTION, context)
    assert found is not None
    return found


@pytest.fixture(scope="module")
def trained(check: TrainingCheck) -> Attachment:
    """The reference LeNet-5 trained on the check's training images, fed pixels / 255 as the prompt says."""
    data, module = check.data, reference_module(check.architecture).train()
    train_arrays(module, data.train_images, data.train_labels, data.test_images, None, data.num_classes,
                 TrainConfig(epochs=2, batch_size=32), normalisation=PIXELS)
    return saved(as_student(module))


def weights_score(checked: Asked, outcome: Outcome, weights: Attachment, context: Context, check: TrainingCheck
                  ) -> tuple[Score, WeightsResult]:
    """The question's score with the weights submitted beside the notebook, and the evaluation itself."""
    return score_submission(checked, outcome, None, context, (weights,)), evaluate_weights(weights, check)


def test_trained_weights_score_full_where_the_training_run_scores_none(
        checked: Asked, outcomes: dict[str, Outcome], trained: Attachment, context: Context,
        check: TrainingCheck) -> None:
    without = score_submission(checked, outcomes["wrong_layer"], None, context)
    result_score, result = weights_score(checked, outcomes["wrong_layer"], trained, context, check)
    assert without.parts[2][1] == 0.0 and without.points == 4.0, without.feedback
    assert result.accuracy is not None and result.accuracy > 90 and result.problem == ""
    assert result_score.points == result_score.max_points == 8.0, result_score.feedback
    assert [p[0] for p in result_score.parts] == [p[0] for p in without.parts], "still one training part"
    assert "submitted weights lenet5.pt: test accuracy" in result_score.feedback
    assert "the better of the training run and the weights counts: 4/4" in result_score.feedback


def test_random_weights_score_nothing(checked: Asked, outcomes: dict[str, Outcome], context: Context,
                                      check: TrainingCheck) -> None:
    result_score, result = weights_score(checked, outcomes["wrong_layer"],
                                         saved(as_student(reference_module(check.architecture))), context, check)
    assert result.accuracy is not None and result.accuracy < 60  # four classes: chance is 25%
    assert result_score.parts[2][1] == 0.0 and "submitted weights lenet5.pt: test accuracy" in result_score.feedback


def test_weights_count_only_when_the_architecture_check_passed(
        checked: Asked, outcomes: dict[str, Outcome], trained: Attachment, context: Context,
        check: TrainingCheck) -> None:
    result_score, _ = weights_score(checked, outcomes["cannot_learn"], trained, context, check)
    assert result_score.parts[0][1] == 0.0 and result_score.parts[2][1] == 0.0, result_score.feedback
    assert "submitted weights lenet5.pt not evaluated: the architecture check did not pass" in result_score.feedback


@pytest.mark.parametrize("content, message", [
    (lambda: as_student(reference_module(Architecture("modern", 28, 10))), "lenet5.pt: tensor 8 'fc3.weight' has shape (10, 84), LeNet-5's fc3.weight needs (4, 84)"),
    (lambda: {"conv1.weight": torch.zeros(6, 1, 5, 5)}, "lenet5.pt: 1 tensor, LeNet-5 has 10"),
    (lambda: {"model": as_student(reference_module(Architecture("modern", 28, 4))), "epoch": 3},
     "lenet5.pt: entry 'model' is a dict, not a tensor"),
    (lambda: [torch.zeros(3)], "lenet5.pt: holds a list, not a state_dict"),
    (lambda: {"w": torch.zeros(3, dtype=torch.int64)}, "lenet5.pt: tensor 'w' is not a dense floating-point tensor"),
    (lambda: torch.nn.Linear(84, 4), "lenet5.pt: refused by torch.load(weights_only=True): it holds more than "
                                     "tensors (torch.nn.modules.linear.Linear)"),
])
def test_unusable_files_get_one_line_naming_the_file_and_no_weights_points(
        checked: Asked, outcomes: dict[str, Outcome], content: object, message: str, context: Context,
        check: TrainingCheck) -> None:
    result_score, result = weights_score(checked, outcomes["wrong_layer"], saved(content()),  # type: ignore[operator]
                                         context, check)
    assert result.accuracy is None and result.problem.startswith(message) and "\n" not in result.problem
    assert result_score.parts[2][1] == 0.0 and f"submitted weights not evaluated: {message}" in result_score.feedback


class Payload:
    """A pickle that runs a shell command when unpickled."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, tuple[str]]:
        return os.system, (f"touch {self.marker}",)


def test_malicious_pickle_is_refused_and_never_runs(check: TrainingCheck, tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    in_zip = saved({"conv1.weight": torch.zeros(6, 1, 5, 5), "conv1.bias": Payload(marker)})
    bare = pickle.dumps({"conv1.weight": Payload(marker)})
    results = [evaluate_weights(in_zip, check),
               evaluate_weights(Attachment("lenet5.pt", "lenet5.pt", len(bare), bare), check)]
    assert "refused by torch.load(weights_only=True): it holds more than tensors (posix.system)" in results[0].problem
    assert "not a file written by torch.save" in results[1].problem
    assert not marker.exists()
    pickle.loads(bare)  # the payload is live: plain unpickling runs it
    assert marker.exists()


def test_oversize_files_are_never_read_or_loaded(check: TrainingCheck, tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "s1.ipynb").write_text("{}")
    (tmp_path / "lenet5.pt").write_bytes(b"\0" * (MAX_WEIGHTS_BYTES + 1))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("archive/data/0", b"\0" * (4 * MAX_WEIGHTS_BYTES))  # a few KB that inflate to 20 MB
    bomb = Attachment("bomb.pt", "bomb.pt", len(buffer.getvalue()), buffer.getvalue())
    monkeypatch.setattr(torch, "load", lambda *a, **k: pytest.fail("torch.load was called"))
    (raw,) = collect([tmp_path])
    (weights,) = raw.weights
    assert weights.data == b"" and weights.size == MAX_WEIGHTS_BYTES + 1
    assert evaluate_weights(weights, check).problem.startswith(
        f"{tmp_path / 'lenet5.pt'}: 5.0 MB, over the 5 MB limit for weights")
    with pytest.raises(ValueError, match="bomb.pt: unpacks to 20.0 MB, over the 5 MB limit"):
        load_state(bomb)


def prepared(raw: RawSubmission, question: object, context: Context, tmp_path: Path) -> State:
    """A submission whose key is known, through the make_requests step."""
    key = AnswerKey("t", "s1", 0, (question,), "digest")  # type: ignore[arg-type]
    return make_requests(State(raw, key=key), Env(KeyDir(tmp_path, {}), Roster({}, {}), None, context))


def test_absent_weights_change_nothing(checked: Asked, outcomes: dict[str, Outcome], context: Context,
                                       tmp_path: Path) -> None:
    (tmp_path / "s1.ipynb").write_text("{}")
    (raw,) = collect([tmp_path])
    assert raw.weights == ()
    assert raw.digest == hashlib.sha256(b"s1.ipynb\0{}").hexdigest(), "records graded before weights stay valid"
    assert prepared(raw, QUESTION, context, tmp_path).notes == ()
    result = score_submission(checked, outcomes["correct"], None, context)
    assert result.points == 8.0 and "weights" not in result.feedback


def test_one_file_is_evaluated_and_several_or_unread_ones_are_noted(
        checked: Asked, outcomes: dict[str, Outcome], trained: Attachment, context: Context, tmp_path: Path) -> None:
    one = score_submission(checked, outcomes["wrong_layer"], None, context, (trained,))
    assert one.points == 8.0 and "submitted weights lenet5.pt" in one.feedback
    several = score_submission(checked, outcomes["wrong_layer"], None, context, (trained, trained))
    assert several.points == 4.0 and "several weights files (lenet5.pt, lenet5.pt): none was evaluated" in \
        several.feedback
    untrained = replace(QUESTION, params={k: v for k, v in QUESTION.params.items() if k != "training"})
    ignored = prepared(RawSubmission("s1.ipynb", "s1.ipynb", b"{}", (trained,)), untrained, context, tmp_path)
    assert ignored.notes == ("lenet5.pt: no question of this assignment reads such a file; ignored",)


def test_end_to_end_weights_beside_the_notebook_count(data_root: Path, bars: Path, trained: Attachment,
                                                      tmp_path: Path) -> None:
    notebook, key = generate_notebook(tmp_path)
    student_prompt = json.dumps(json.loads((key.parent / "students" / "s1.ipynb").read_text("utf-8")))
    assert 'torch.save(model.state_dict(), \\"lenet5.pt\\")' in student_prompt
    assert "weights_only=True" in student_prompt and f"at most {MAX_WEIGHTS_BYTES // 2**20} MB" in student_prompt
    for cell in notebook["cells"]:
        if cell["metadata"].get("cnnlab", {}).get("role") == "code":
            cell["source"] = WRONG_LAYER  # learns nothing when the grader trains it: the weights must carry it
    submission = tmp_path / "submission"
    submission.mkdir()
    (submission / "s1.ipynb").write_text(json.dumps(notebook), "utf-8")
    (submission / "lenet5.pt").write_bytes(trained.data)
    out = tmp_path / "out"
    assert cnnlab.main(["grade", str(submission), "--key", str(key), "--out", str(out), "--data", str(data_root),
                        "--bars", str(bars), "--device", "cpu"]) == 0
    (test,) = json.loads((out / "results.json").read_text())["tests"]
    assert test["score"] == test["max_score"] == 8.0, test["output"]
    assert f"submitted weights {submission / 'lenet5.pt'}: test accuracy" in test["output"]
