"""Every benchmark script still runs end to end and prints its figures (tiny sizes; timings are not checked)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from solutions.idx import write_folder
from tests.solutions.test_train import quadrant_split

REPO = Path(__file__).resolve().parents[2]


def run_script(name: str, *args: str, timeout: int = 240) -> str:
    """Run benchmarks/NAME with args; fail with its output unless it exits 0."""
    done = subprocess.run([sys.executable, str(REPO / "benchmarks" / name), *args], capture_output=True, text=True,
                          timeout=timeout, cwd=REPO, env={**os.environ, "PYTHONUNBUFFERED": "1"}, check=False)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return done.stdout


def test_conv_speed_prints_both_ratios() -> None:
    out = run_script("conv_speed.py", "--repeats", "1", "--threads", "1")
    assert "numpy/torch =" in out and "loops/numpy =" in out and "worst numpy/torch" in out


def test_generate_speed_prints_rate_and_per_notebook_time() -> None:
    out = run_script("generate_speed.py", "--students", "5", "--nbgrader-runs", "0")
    assert "notebooks/s" in out and "ms per notebook" in out


def test_grade_speed_prints_rate_and_ratio() -> None:
    out = run_script("grade_speed.py", "--submissions", "8", "--sample", "2")
    assert "submissions/s" in out and "ratio:" in out and "8 submissions" in out


def test_sandbox_speed_prints_rate_and_ratio() -> None:
    out = run_script("sandbox_speed.py", "--jobs", "8", "--nbclient-sample", "1")
    assert "jobs/s" in out


def test_lenet5_speed_prints_both_times_and_the_ratio(tmp_path: Path) -> None:
    # 2,048 images: 8 batches of 256 per epoch, enough steps for the trainer's OneCycle schedule
    folder = write_folder(tmp_path / "quadrants", quadrant_split(2048, 1), quadrant_split(128, 2))
    out = run_script("lenet5_speed.py", "--dataset", str(folder), "--threshold", "0.4", "--epochs", "3",
                     "--eval-every", "512", "--repeats", "1", "--device", "cpu")
    assert "solutions.train: 40.0% after" in out and "DataLoader loop: 40.0% after" in out and "speed-up:" in out


@pytest.mark.parametrize("name", sorted(p.name for p in (REPO / "benchmarks").glob("*.py")))
def test_every_benchmark_is_covered_here(name: str) -> None:
    assert f'"{name}"' in Path(__file__).read_text(encoding="utf-8")


def test_scan_digits_prints_accuracy_per_digit_review_share_and_accepted_wrong() -> None:
    out = run_script("scan_digits.py", "--digits", "300")
    assert "held-out accuracy" in out and "per digit  0:" in out and "to review" in out and "of accepted wrong" in out
    assert "by digits per box: 1:" in out and "per cell: preprocessing" in out


def test_scan_speed_prints_every_figure_against_its_target() -> None:
    # two students on one form: the midterm printed, filled, scanned and read (12 pages)
    out = run_script("scan_speed.py", "--students", "2", "--forms", "1")
    for figure in ("pages identified:", "letters read right:", "digits read right:", "accepted wrong:",
                   "to review:", "silent wrong readings", "pages/s, QR to marks.csv"):
        assert figure in out, out
    assert "misidentified 0" in out and "pages handled: True" in out, out


def test_cli_speed_prints_start_up_and_that_torch_stays_out() -> None:
    out = run_script("cli_speed.py")
    assert "cnnlab --help" in out and "torch imported by the top-level parser: False" in out


def test_exam_speed_prints_pdfs_per_second_and_the_first_page() -> None:
    out = run_script("exam_speed.py", "--students", "3")
    assert "PDFs/s (target >= 20)" in out and "first page of form A" in out
    assert "Typst is" in out or "pdflatex not installed" in out


def test_gpu_grade_speed_prints_rate_and_extrapolation(tmp_path: Path) -> None:
    # on the CPU at tiny sizes: a 10-class synthetic set, 4 students (one of each flavour), 1 worker
    sys.path.insert(0, str(REPO / "benchmarks" / "gpu"))
    from toy_data import split

    folder = write_folder(tmp_path / "toy", split(1024, 1), split(256, 2))
    out = run_script("gpu_grade_speed.py", "--device", "cpu", "--dataset", str(folder), "--students", "4",
                     "--workers", "1", "--epochs", "1", "--train-subset", "1024", "--test-subset", "256",
                     "--batch-size", "64", "--styles", "modern", "--input-sizes", "28", "--bars",
                     str(tmp_path / "bars.json"), "--json", str(tmp_path / "g.json"))
    assert "measured missing bar modern 28x28" in out and "workers 1: 4 students in" in out, out
    assert "students/min" in out and "500 students" in out and "NOT AS EXPECTED" not in out


def test_dask_grade_speed_prints_the_overhead_and_the_ratio() -> None:
    out = run_script("dask_grade_speed.py", "--submissions", "4", "--null-tasks", "50")
    assert "one machine" in out and "dask local:2" in out and "dask scheduler, warm" in out
    assert "overhead" in out and "throughput ratio" in out and "ms per task through the scheduler" in out


def test_copy_detection_prints_detection_false_alarms_and_time() -> None:
    out = run_script("copy_detection.py", "--students", "40", "--copiers", "2", "--classes", "1", "--large", "60",
                     "--workers", "1", "--small", "20")
    assert "detection:" in out and "false alarms:" in out and "large class: 60 students" in out, out
    assert "small class of 20: threshold" in out and "in 20 classes" in out, out


def test_code_similarity_prints_detection_false_alarms_and_the_sweep() -> None:
    out = run_script("code_similarity.py", "--students", "40", "--copiers", "2", "--classes", "1", "--workers", "1")
    assert "detection:" in out and "false alarms:" in out and "similarity: copied pairs" in out, out
    assert "sweep" in out and "0.90 " in out, out


def test_autograde_memory_prints_the_peaks_and_both_checks() -> None:
    out = run_script("autograde_memory.py", "--memory", "512")
    assert "correct.ipynb scored 88/88" in out and "blank.ipynb scored 0/88" in out and "peak PSS" in out
