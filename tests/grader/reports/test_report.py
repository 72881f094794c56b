"""Item analysis and the HTML report."""

from pathlib import Path

import pytest

from cnnlab import main as cnnlab
from grader.reports.item_analysis import analyse
from grader.pipeline.records import GradedSubmission, Score
from grader.pipeline.store import Store


def _record(student: str, q1: float, q2: float) -> GradedSubmission:
    return GradedSubmission(student * 8, student, f"{student}.ipynb", student, "hw", "k", "graded",
                            (Score("q1", q1, 1.0, ""), Score("q2", q2, 2.0, "")), (), 0.1)


CLASS = [_record("a", 1, 2), _record("b", 1, 2), _record("c", 0, 0), _record("d", 0, 1), _record("e", 1, 0)]


def test_item_statistics() -> None:
    q1, q2 = analyse(CLASS)
    assert q1.mean == pytest.approx(0.6) and q1.full_marks == pytest.approx(0.6)
    assert q2.mean == pytest.approx(0.5) and q2.full_marks == pytest.approx(0.4)
    # groups of ceil(0.27 * 5) = 2: top a, b (q2 share 1, 1); bottom c, d (ties keep order; shares 0, 0.5)
    assert q2.upper_lower == pytest.approx(0.75)
    assert q1.point_biserial is not None and q1.point_biserial > 0
    assert analyse(CLASS[:1])[0].point_biserial is None, "undefined without variance"


def test_report_command_writes_html_and_pngs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    store = Store(tmp_path)
    for r in CLASS:
        store.save(r, {})
    assert cnnlab(["report", str(tmp_path)]) == 0
    html = (tmp_path / "report" / "report.html").read_text()
    assert "histogram.png" in html and "point-biserial" in html and "<td class=\"text\">q2</td>" in html
    assert (tmp_path / "report" / "histogram.png").read_bytes()[:4] == b"\x89PNG"
    assert (tmp_path / "report" / "items.png").read_bytes()[:4] == b"\x89PNG"
    assert "report.html" in capsys.readouterr().out


def test_report_on_a_non_grading_folder_is_one_line_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cnnlab(["report", str(tmp_path)]) == 2
    assert "not a cnnlab grade output folder" in capsys.readouterr().err
