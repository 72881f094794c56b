"""The GPU run (benchmarks/gpu/run.sh) still runs end to end, at toy sizes on the CPU, so it cannot rot before a GPU
turns up; its plan asks only for options the commands have; failures and the time budget are handled step by step;
and the sandbox's GPU memory cap is set before student code runs without starting CUDA."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import tarfile
import time
from pathlib import Path
from types import ModuleType

import pytest

import cnnlab
from grader.sandbox import Sandbox
from generator.limits import Limits
from grader.sandbox.api import Job

REPO = Path(__file__).resolve().parents[2]
RUN_SH = REPO / "benchmarks" / "gpu" / "run.sh"


def load(path: Path) -> ModuleType:
    """A script of benchmarks/ as a module (they are not a package)."""
    spec = importlib.util.spec_from_file_location(f"cnnlab_bench_{path.stem}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def run_sh(out: Path, *args: str, timeout: int = 300) -> subprocess.CompletedProcess[str]:
    """bash benchmarks/gpu/run.sh ARGS with OUT=out and this interpreter."""
    env = {**os.environ, "OUT": str(out), "PYTHON": sys.executable, "PYTHONUNBUFFERED": "1"}
    env.pop("CNNLAB_DATA", None)
    return subprocess.run(["bash", str(RUN_SH), *args], capture_output=True, text=True, timeout=timeout, cwd=REPO,
                          env=env, check=False)


@pytest.fixture(scope="module")
def smoke(tmp_path_factory: pytest.TempPathFactory) -> tuple[subprocess.CompletedProcess[str], Path, float]:
    """One smoke run for the tests below: (the process, OUT, seconds)."""
    out = tmp_path_factory.mktemp("gpu-run") / "out"
    started = time.monotonic()
    done = run_sh(out, "--smoke")
    return done, out, time.monotonic() - started


def test_smoke_run_exits_0_and_prints_the_table_last(smoke: tuple[subprocess.CompletedProcess[str], Path, float]
                                                     ) -> None:
    done, _, seconds = smoke
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    lines = done.stdout.strip().splitlines()
    header = max(i for i, line in enumerate(lines) if line.startswith("step "))
    rows = {line.split()[0]: line for line in lines[header + 2:]}
    assert set(rows) == {"env", "bench-eager-modern-b256", "lenet5-speed", "bar", "grade", "bench-graphs-modern-b256",
                         "bench-compile-classic-b1024"}, lines[header:]
    assert all(" ok " in row for name, row in rows.items() if name != "bench-graphs-modern-b256"), rows
    assert "skipped" in rows["bench-graphs-modern-b256"] and "needs CUDA" in rows["bench-graphs-modern-b256"]
    assert seconds < 240, f"the smoke run took {seconds:.0f} s"  # about 45 s on an idle 2-core machine


def test_smoke_run_writes_what_the_device_brings_back(smoke: tuple[subprocess.CompletedProcess[str], Path, float]
                                                      ) -> None:
    _, out, _ = smoke
    names = {p.name for p in out.iterdir()}
    assert names == {"summary.json", "table.txt", "results.tar.gz", "run.log", "lenet5-toy-cpu.json",
                     "lenet5-toy-cpu.png", "lenet5-speed-toy-cpu.txt", "lenet5-grading-bars.json"}
    assert len(names) <= 8 and all(p.is_file() for p in out.iterdir())  # a handful of files to copy back
    assert (out / "lenet5-toy-cpu.png").read_bytes().startswith(b"\x89PNG")
    assert "speed-up:" in (out / "lenet5-speed-toy-cpu.txt").read_text()
    assert "bench-compile-classic-b1024" in (out / "table.txt").read_text()
    assert "cnnlab GPU run" in (out / "run.log").read_text()
    bars = json.loads((out / "lenet5-grading-bars.json").read_text())["bars"]
    assert any(b["dataset"] == "toy" for b in bars) and any(b["dataset"] == "fashion-mnist" for b in bars)
    with tarfile.open(out / "results.tar.gz") as tar:
        members = set(tar.getnames())
    assert {"gpu-run/logs/env.log", "gpu-run/logs/grade.log", "gpu-run/gpu-grade-speed.json", "gpu-run/env.json",
            "gpu-run/bench/bench-eager-modern-b256/lenet5-toy-cpu.png"} <= members


def test_smoke_summary_holds_every_step_result(smoke: tuple[subprocess.CompletedProcess[str], Path, float]) -> None:
    _, out, _ = smoke
    summary = json.loads((out / "summary.json").read_text())
    assert summary["smoke"] is True and summary["device"] == "cpu"
    steps = {s["name"]: s for s in summary["steps"]}
    assert steps["env"]["result"]["torch"] and steps["env"]["result"]["features"]["torch.compile"]
    bench = steps["bench-eager-modern-b256"]["result"]
    assert 0 < bench["final_test_accuracy"] <= 1 and bench["images_per_second"] > 0 and bench["config"]["batch_size"] == 256
    assert steps["bench-compile-classic-b1024"]["env"] == {"TORCH_COMPILE_DISABLE": "1"}
    assert steps["bench-compile-classic-b1024"]["result"]["config"]["compile"] is True
    assert steps["lenet5-speed"]["result"]["speed_up"] > 0
    assert steps["bar"]["result"]["bars"][0]["style"] == "modern"
    grade = steps["grade"]["result"]
    (run,) = grade["runs"]
    assert run["workers"] == 2 and run["students"] == 4 and run["students_per_minute"] > 0
    assert run["extrapolated_500_seconds"] > 0
    assert all(f["as_expected"] for f in run["flavours"].values()), run["flavours"]
    assert set(run["flavours"]) == {"correct", "wrong_layer", "cannot_learn", "crash"}
    (probe,) = grade["probes"]["2"]
    assert probe["ok"] and probe["report"] == {**probe["report"], "cuda": False, "cap_queued": True}


def test_the_gpu_plan_asks_only_for_options_the_commands_have(tmp_path: Path) -> None:
    run = load(REPO / "benchmarks" / "gpu" / "run.py")
    steps = run.plan(False, "cuda", tmp_path, "fashion-mnist", None)
    names = [s.name for s in steps]
    assert names[:5] == ["env", "bench-eager-modern-b256", "lenet5-speed", "bar", "grade"]  # what must not be lost
    for mode in ("eager", "compile", "graphs"):
        for variant in ("modern", "classic"):
            assert f"bench-{mode}-{variant}-b256" in names
    assert {"bench-eager-modern-b512", "bench-eager-modern-b1024"} <= set(names)
    parser = cnnlab.build_parser("bench")
    for step in steps:
        if step.argv[1:3] == ["-m", "cnnlab"]:
            args = parser.parse_args(step.argv[3:])
            assert args.device == "cuda" and args.dataset == "fashion-mnist"
    by_name = {s.name: s for s in steps}
    assert "--cuda-graphs" in by_name["bench-graphs-classic-b256"].argv and by_name["bench-graphs-classic-b256"].cuda_only
    bar = parser.parse_args(by_name["bar"].argv[3:])
    assert (bar.epochs, bar.batch_size, bar.train_subset, bar.test_subset) == (5, 256, 60000, 10000)
    grade = load(REPO / "benchmarks" / "gpu_grade_speed.py").build_parser().parse_args(by_name["grade"].argv[2:])
    assert grade.device == "cuda" and grade.workers == [4, 8] and grade.students == 32
    total_caps = sum(s.cap for s in steps)
    assert total_caps > 420  # the budget, not the caps, bounds the run: later steps are skipped when time runs out


def test_a_failing_step_does_not_stop_the_next_and_marks_the_table(tmp_path: Path) -> None:
    done = run_sh(tmp_path / "out", "--smoke", "--dataset", "nowhere", "--only", "bench-eager-modern,bar")
    assert done.returncode == 1
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    status = {s["name"]: s["status"] for s in summary["steps"]}
    assert status["bench-eager-modern-b256"].startswith("failed") and status["bar"].startswith("failed"), status
    assert status["grade"] == "not asked" and status["env"] == "ok"
    assert "data set 'nowhere' not found" in done.stdout  # the failing log's tail is printed


def test_out_of_time_steps_are_skipped_not_failed(tmp_path: Path) -> None:
    done = run_sh(tmp_path / "out", "--smoke", "--budget", "0.01", "--only", "bench,bar", "--grade-args",
                  "--memory 4096 --workers 3")
    assert done.returncode == 0, done.stdout[-3000:]
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    (grade,) = [s for s in summary["steps"] if s["name"] == "grade"]
    assert grade["status"] == "not asked" and grade["command"].endswith("--memory 4096 --workers 3")
    skipped = [s for s in summary["steps"] if s["name"].startswith(("bench", "bar"))]
    assert skipped and all(s["status"] == "skipped" for s in skipped)
    assert any("out of time" in s["summary"] for s in skipped)


def test_the_gpu_memory_cap_is_queued_before_student_code_without_starting_cuda() -> None:
    cell = ("import torch\nnames = [getattr(c, '__name__', '') for c, _ in getattr(torch.cuda, '_queued_calls', [])]\n"
            "print('cap queued:', 'cnnlab_gpu_memory_cap' in names, 'cuda started:', torch.cuda.is_initialized())\n")
    with Sandbox(workers=1, limits=Limits(gpu_memory_fraction=0.25)) as sandbox:
        (outcome,) = sandbox.map([Job("cap", (cell,))])
    assert outcome.status == "ok", outcome.reason + outcome.stdout
    assert "cap queued: True cuda started: False" in outcome.stdout
