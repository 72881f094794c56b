"""What the class report tells an instructor to reteach: per-question counts without blank and crashed answers,
per-part shares, misconceptions and common wrong values, misconceptions.csv, names and two decimals."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from rich.console import Console

from cnnlab import main as cnnlab
from generator.kinds import KINDS
from generator.model import Misconception, Part, Score
from grader.pipeline.answer_key import KeyDir
from grader.pipeline.console import summary_table
from grader.pipeline.records import GradedSubmission, points_text
from grader.pipeline.roster import Roster
from grader.pipeline.store import Store
from grader.reports.class_outputs import write_class_outputs
from grader.reports.class_report import write_report
from grader.reports.item_analysis import analyse
from grader.reports.questions import QuestionInfo, question_info, read_question_info
from grader.reports.wrong_answers import CSV_HEADER, reteach, wrong_answers

BIAS = Misconception("bias forgotten", "Every filter has one bias: count K*K*C_in weights plus 1 per filter.",
                     lambda variant: None)
SWAPPED = Misconception("weights and biases swapped", "The weights are K*K*C_in per filter; the biases 1 per filter.",
                        lambda variant: None)
DEPTH = Misconception("depth forgotten", "A 5x5 filter on a volume of depth 3 has 5x5x3 weights.",
                      lambda variant: None)
TOPIC = "2. Convolutional Layers: Example reduction parameters"
INFO = {"cp": QuestionInfo("cp", "conv_params", "Parameters of a conv layer", TOPIC),
        "mlp": QuestionInfo("mlp", "mlp_params", "Parameters of the MLP", "1. Limitations of Multi-Layer Perceptrons")}
NAMES = {"s1": "Ada Lovelace", "s2": "Alan McCarthy"}


@pytest.fixture(autouse=True)
def known_misconceptions(monkeypatch: pytest.MonkeyPatch) -> None:
    """The kinds' misconceptions as these tests know them (the real ones may change wording)."""
    monkeypatch.setattr(KINDS["conv_params"], "MISCONCEPTIONS", (BIAS, SWAPPED), raising=False)
    monkeypatch.setattr(KINDS["mlp_params"], "MISCONCEPTIONS", (DEPTH,), raising=False)


def cp(earned: tuple[float, float, float], feedback: str = "1 of 3 parts wrong: total",
       misconceptions: tuple[str, ...] = ()) -> Score:
    """conv-params worth 3 points, one per part."""
    parts = tuple(Part(name, points, 1.0) for name, points in zip(("weights", "biases", "total"), earned))
    return Score("cp", sum(earned), 3.0, feedback, parts, misconceptions)


def rf(points: float, feedback: str = "1 of 1 parts wrong: answer") -> Score:
    """receptive-field worth 2 points, one part."""
    return Score("rf", points, 2.0, feedback, (Part("answer", points, 2.0),))


def student(sid: str, scores: tuple[Score, ...], answers: dict[str, object] | None = None,
            status: str = "graded") -> GradedSubmission:
    return GradedSubmission(sid.ljust(64, "0"), f"{sid}.ipynb", f"{sid}.ipynb", sid, "hw", "k", status, scores, (),
                            0.1, answers=answers or {})


VOID = "answer_cp could not be read: no value came back: the notebook crashed in cell 4"
CLASS = [
    student("s1", (cp((1, 1, 1), "correct"), rf(2, "correct"), Score("mlp", 2.769231, 4.0, "1 of 2 parts wrong",
                                                                         (), ("depth forgotten",)))),
    student("s2", (cp((1, 1, 0), misconceptions=("bias forgotten",)), rf(0)), {"rf": 7, "cp": {"total": 600}}),
    student("s3", (cp((1, 1, 0), misconceptions=("bias forgotten", "bias forgotten")), rf(0)), {"rf": 7.0}),
    student("s4", (cp((0, 0, 0), "no answer"), rf(0, "no answer"))),
    student("s5", (Score("cp", 0.0, 3.0, VOID), Score("rf", 0.0, 2.0, VOID)), status="crashed"),
    student("s6", (cp((0, 0, 1), misconceptions=("weights and biases swapped",)), rf(0),
                   Score("mlp", 0.0, 4.0, "1 of 2 parts wrong", (), ("depth forgotten",))), {"rf": 9}),
]


def test_blank_and_crashed_answers_are_counted_apart_and_left_out_of_the_statistics() -> None:
    items = {item.qid: item for item in analyse(CLASS)}
    assert (items["cp"].answered, items["cp"].blank, items["cp"].crashed) == (4, 1, 1)
    assert items["cp"].mean == pytest.approx((3 + 2 + 2 + 1) / 12), "the blank and the crashed student left out"
    assert items["cp"].full_marks == pytest.approx(0.25)
    assert items["rf"].mean == pytest.approx(0.25) and items["rf"].answered == 4
    assert items["mlp"].answered == 2 and items["mlp"].blank == 0, "not asked is neither answered nor blank"
    parts = {p.name: (p.answered, p.mean) for p in items["cp"].parts}
    assert parts == {"weights": (4, pytest.approx(0.75)), "biases": (4, pytest.approx(0.75)),
                     "total": (4, pytest.approx(0.5))}
    assert items["rf"].parts == (), "one part: nothing to break down"


def test_untouched_code_stubs_are_blank_and_indices_fold_into_part_names() -> None:
    stub = Score("code", 0.0, 8.0, "0/8 hidden test cases passed; case0: raised NotImplementedError: write this",
                 (Part("case0", 0.0, 1.0),))
    matrix = Score("pool", 1.0, 2.0, "1 of 2 parts wrong", (Part("pooled[0][0]", 1.0, 1.0), Part("why", 0.0, 1.0)))
    code, pool = analyse([student("s1", (stub, matrix))])
    assert (code.answered, code.blank) == (0, 1) and code.mean is None
    assert [p.name for p in pool.parts] == ["pooled", "why"]


def test_misconceptions_and_common_values_are_grouped_per_question_with_shares_of_those_who_answered() -> None:
    wrong = wrong_answers(CLASS, INFO)
    assert [(w.what, w.students, w.answered, w.recognised) for w in wrong["cp"]] == [
        ("bias forgotten", 2, 4, True), ("weights and biases swapped", 1, 4, True)]
    assert wrong["cp"][0].share == pytest.approx(0.5) and wrong["cp"][0].explanation == BIAS.explanation
    assert wrong["cp"][0].topic == TOPIC
    assert [(w.what, w.students, w.recognised) for w in wrong["rf"]] == [("7", 2, False)], "7 and 7.0 alike; 9 alone"


def test_reteach_ranks_misconceptions_by_the_share_of_those_who_answered() -> None:
    ranked = reteach(wrong_answers(CLASS, INFO))
    assert [(w.qid, w.what, w.students) for w in ranked] == [
        ("mlp", "depth forgotten", 2), ("cp", "bias forgotten", 2), ("cp", "weights and biases swapped", 1)]
    assert ranked[0].share == 1.0 and ranked[0].topic == "1. Limitations of Multi-Layer Perceptrons"


def test_the_report_puts_reteach_first_with_names_counts_and_two_decimals(tmp_path: Path) -> None:
    html = write_report(CLASS, tmp_path / "report", None, INFO, NAMES).read_text("utf-8")
    assert html.index("What to reteach") < html.index("Score distribution") < html.index("Common wrong answers")
    reteach_section = html[html.index("What to reteach"):html.index("Score distribution")]
    assert "depth forgotten" in reteach_section and BIAS.explanation in reteach_section and TOPIC in reteach_section
    assert "2 of 4" in reteach_section and "50%" in reteach_section
    assert "<th>answered</th><th>blank</th><th>crashed</th>" in html
    assert "<td>4</td><td>1</td><td>1</td>" in html, "cp: 4 answered, 1 blank, 1 crashed"
    assert "Ada Lovelace" in html and "Alan McCarthy" in html
    assert "2.77" in html and "2.769231" not in html and "7.77/9" in html
    with (tmp_path / "report" / "misconceptions.csv").open(encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    assert rows == [list(CSV_HEADER), ["mlp", "depth forgotten", "2", "1.0000"], ["cp", "bias forgotten", "2", "0.5000"],
                    ["cp", "weights and biases swapped", "1", "0.2500"]]


def write_keys(folder: Path) -> KeyDir:
    """Two students' keys, their questions carrying the templates' lecture topics."""
    folder.mkdir()
    for sid in ("s1", "s2"):
        questions = [{"qid": "cp", "kind": "conv_params", "seed": 1, "points": 3.0, "variable": "answer_cp",
                      "params": {}, "answer": {"weights": 1, "biases": 1, "total": 2}, "title": "Parameters",
                      "topic": TOPIC},
                     {"qid": "rf", "kind": "receptive_field", "seed": 2, "points": 2.0, "variable": "answer_rf",
                      "params": {}, "answer": 5, "title": "Receptive field"}]
        (folder / f"{sid}.json").write_text(json.dumps({"format": 1, "assignment": "hw", "student_id": sid,
                                                        "seed": 1, "questions": questions}), "utf-8")
    return KeyDir.open(folder)


def test_every_batch_writes_the_csv_and_the_questions_and_the_report_command_reads_them_with_the_names(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    keys = write_keys(tmp_path / "key")
    assert question_info(keys, ["cp", "rf", "gone"]) == {
        "cp": QuestionInfo("cp", "conv_params", "Parameters", TOPIC), "rf": QuestionInfo("rf", "receptive_field",
                                                                                         "Receptive field", "")}
    store = Store(tmp_path / "graded")
    for record in CLASS:
        store.save(record, {})
    write_class_outputs(store, Roster(NAMES, {}), CLASS, None, keys)
    report = tmp_path / "graded" / "report"
    assert (report / "misconceptions.csv").read_text("utf-8").splitlines()[:2] == [
        "qid,misconception,students,share", "mlp,depth forgotten,2,1.0000"]
    assert read_question_info(report)["cp"].topic == TOPIC
    gradebook = list(csv.DictReader((tmp_path / "graded" / "gradebook.csv").open(encoding="utf-8")))
    assert [(r["student_id"], r["name"], r["score"]) for r in gradebook[:2]] == [
        ("s1", "Ada Lovelace", "7.77"), ("s2", "Alan McCarthy", "2")]
    assert gradebook[0]["mlp"] == "2.77"
    (report / "misconceptions.csv").unlink()
    assert cnnlab(["report", str(tmp_path / "graded")]) == 0  # no --roster, no --key: what the batch left
    assert "misconceptions.csv" in capsys.readouterr().out
    html = (report / "report.html").read_text("utf-8")
    assert "Ada Lovelace" in html and TOPIC in html and BIAS.explanation in html
    assert (report / "misconceptions.csv").read_text("utf-8").startswith("qid,misconception,students,share\n")


def test_points_show_two_decimals_at_most_in_every_size_and_in_the_summary_table() -> None:
    assert [points_text(p) for p in (70.1465, 88.0, 2.4, 12345.678, -0.001, 0.0)] == ["70.15", "88", "2.4", "12345.68",
                                                                                 "0", "0"]
    console = Console(width=160, record=True)
    console.print(summary_table(CLASS[:1], 0))
    assert "7.77/9" in console.export_text() and "7.769" not in console.export_text()
