"""The GPU run's steps, in order of importance, each in its own process under a time cap and one overall budget.

Started by benchmarks/gpu/run.sh (which sets up PYTHONPATH, wheels, bubblewrap and data). A step that fails, hangs
or runs out of time is logged and marked in the table; the others still run. After every step OUT is brought up to
date (at most 8 files, a handful to copy back from the CUDA machine):

    OUT/summary.json     every step: command, status, seconds, parsed results; the environment
    OUT/table.txt        the short table printed last
    OUT/results.tar.gz   every step's log, JSON and PNG (the work folder)
    OUT/lenet5-DATASET-DEVICE.json/.png      the canonical run (modern, eager, batch 256), as committed
    OUT/lenet5-speed-DATASET-DEVICE.txt      benchmarks/lenet5_speed.py's output, as committed
    OUT/lenet5-grading-bars.json             the committed bars plus those measured here
    (run.sh adds OUT/run.log, the console)

--smoke runs the same steps at toy sizes on a synthetic data set (on the CPU where there is no GPU), so this file
is exercised by the tests before a GPU turns up.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import tarfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
BARS = REPO / "solutions" / "benchmarks" / "lenet5-grading-bars.json"
TEMPLATE_CUDA_BUDGET = ("--epochs", "5", "--batch-size", "256", "--train-subset", "60000", "--test-subset", "10000")


@dataclass
class Step:
    """One process of the run."""

    name: str
    kind: str  # env | bench | speed | bar | grade
    argv: list[str]
    cap: float  # seconds this step may take at most
    least: float  # seconds that must be left in the budget to start it
    cuda_only: bool = False
    env: dict[str, str] = field(default_factory=dict)
    label: str = ""  # what the table says it measures
    status: str = "pending"
    seconds: float = 0.0
    result: dict[str, Any] = field(default_factory=dict)
    summary: str = ""


def bench(name: str, device: str, data: list[str], epochs: int, variant: str, batch: int, extra: tuple[str, ...],
          cap: float, least: float, work: Path, label: str, env: dict[str, str] | None = None) -> Step:
    """`cnnlab bench lenet5` into its own folder (the file name does not say variant, batch or compile)."""
    argv = [sys.executable, "-m", "cnnlab", "bench", "lenet5", "--device", device, *data, "--epochs", str(epochs),
            "--variant", variant, "--batch-size", str(batch), *extra, "--out", str(work / "bench" / name)]
    return Step(name, "bench", argv, cap, least, cuda_only="--cuda-graphs" in extra, env=env or {}, label=label)


def plan(smoke: bool, device: str, work: Path, dataset: str, data_root: str | None) -> list[Step]:
    """Every step, most important first: what a short budget must not lose comes first."""
    py = sys.executable
    data = ["--dataset", dataset] + (["--data", data_root] if data_root else [])
    env_step = Step("env", "env", [py, str(HERE / "env_info.py")], 60, 5, label="machine, torch, sandbox")
    if smoke:
        epochs, compile_env = 1, ({"TORCH_COMPILE_DISABLE": "1"} if device == "cpu" else {})
        note = " (compile disabled: smoke on CPU)" if compile_env else ""
        return [
            env_step,
            bench("bench-eager-modern-b256", device, data, epochs, "modern", 256, (), 120, 5, work, "eager, modern, batch 256"),
            Step("lenet5-speed", "speed", [py, str(REPO / "benchmarks" / "lenet5_speed.py"), "--device", device, *data,
                                           "--threshold", "0.3", "--epochs", "1", "--eval-every", "512", "--repeats", "1"],
                 120, 5, label="ours vs DataLoader loop"),
            Step("bar", "bar", [py, "-m", "cnnlab", "bench", "lenet5-bar", "--device", device, *data, "--epochs", "1",
                                "--batch-size", "64", "--train-subset", "1024", "--test-subset", "256", "--styles",
                                "modern", "--input-sizes", "28", "--seeds", "0", "--bars", str(work / "lenet5-grading-bars.json")],
                 120, 5, label="grading bar"),
            Step("grade", "grade", [py, str(REPO / "benchmarks" / "gpu_grade_speed.py"), "--device", device, *data,
                                    "--students", "4", "--workers", "2", "--epochs", "1", "--train-subset", "1024",
                                    "--test-subset", "256", "--batch-size", "64", "--styles", "modern", "--input-sizes",
                                    "28", "--gpu-memory-fraction", "0.25", "--bars",
                                    str(work / "lenet5-grading-bars.json"), "--json", str(work / "gpu-grade-speed.json")],
                 180, 5, label="grading a class"),
            bench("bench-graphs-modern-b256", device, data, epochs, "modern", 256, ("--cuda-graphs",), 120, 5, work,
                  "CUDA graphs, modern, batch 256"),
            bench("bench-compile-classic-b1024", device, data, epochs, "classic", 1024, ("--compile",), 120, 5, work,
                  "compile, classic, batch 1024" + note, compile_env),
        ]
    return [
        env_step,
        bench("bench-eager-modern-b256", device, data, 10, "modern", 256, (), 120, 20, work, "eager, modern, batch 256"),
        Step("lenet5-speed", "speed", [py, str(REPO / "benchmarks" / "lenet5_speed.py"), "--device", device, *data],
             150, 30, label="ours vs DataLoader loop"),
        Step("bar", "bar", [py, "-m", "cnnlab", "bench", "lenet5-bar", "--device", device, *data,
                            *TEMPLATE_CUDA_BUDGET, "--bars", str(work / "lenet5-grading-bars.json")],
             180, 40, label="grading bars (template's CUDA budget)"),
        Step("grade", "grade", [py, str(REPO / "benchmarks" / "gpu_grade_speed.py"), "--device", device, *data,
                                "--students", "32", "--workers", "4", "8", "--bars",
                                str(work / "lenet5-grading-bars.json"), "--json", str(work / "gpu-grade-speed.json")],
             240, 60, label="grading 32 LeNet-5s"),
        bench("bench-eager-classic-b256", device, data, 10, "classic", 256, (), 90, 20, work, "eager, classic, batch 256"),
        bench("bench-compile-modern-b256", device, data, 10, "modern", 256, ("--compile",), 180, 60, work,
              "compile, modern, batch 256"),
        bench("bench-graphs-modern-b256", device, data, 10, "modern", 256, ("--cuda-graphs",), 180, 60, work,
              "CUDA graphs, modern, batch 256"),
        bench("bench-eager-modern-b512", device, data, 10, "modern", 512, (), 90, 20, work, "eager, modern, batch 512"),
        bench("bench-eager-modern-b1024", device, data, 10, "modern", 1024, (), 90, 20, work,
              "eager, modern, batch 1024"),
        bench("bench-compile-classic-b256", device, data, 10, "classic", 256, ("--compile",), 180, 60, work,
              "compile, classic, batch 256"),
        bench("bench-graphs-classic-b256", device, data, 10, "classic", 256, ("--cuda-graphs",), 180, 60, work,
              "CUDA graphs, classic, batch 256"),
    ]


def run_process(step: Step, timeout: float, log: Path) -> tuple[str, str]:
    """Run the step's process in its own session, output to its log; (status, stdout). Kills the group at timeout."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1", **step.env}
    with open(log, "w", encoding="utf-8") as handle:
        handle.write(f"$ {' '.join(step.argv)}\n")
        handle.flush()
        process = subprocess.Popen(step.argv, stdout=subprocess.PIPE, stderr=handle, cwd=REPO, env=env, text=True,
                                   start_new_session=True)
        try:
            stdout, _ = process.communicate(timeout=timeout)
            status = "ok" if process.returncode == 0 else f"failed (exit {process.returncode})"
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            stdout, _ = process.communicate()
            status = f"timeout ({timeout:.0f} s)"
        handle.write("\n--- stdout ---\n" + (stdout or ""))
    return status, stdout or ""


def first_reaching(history: list[dict[str, Any]], threshold: float) -> float | None:
    """Training seconds at the first evaluation at or above the threshold."""
    return next((c["seconds"] for c in history if c["test_accuracy"] >= threshold), None)


def parse(step: Step, stdout: str, work: Path) -> None:
    """Read the step's results into step.result and a one-line step.summary."""
    if step.kind == "env":
        step.result = json.loads(stdout.strip().splitlines()[-1])
        r = step.result
        gpu = r.get("device_name") or ("no CUDA" if "torch" in r else r.get("torch_error", "?"))
        sandbox = r.get("sandbox", {})
        mode = sandbox.get("mode", "?") + (f" ({sandbox['weak_reason']})" if sandbox.get("weak_reason") else "")
        missing = [m for m, v in r.get("modules", {}).items() if v.startswith("MISSING")]
        step.summary = (f"{gpu}; torch {r.get('torch', '?')}, Python {r.get('python')}, {r.get('cpus')} CPUs; "
                        f"sandbox {mode}" + (f"; missing {', '.join(missing)}" if missing else ""))
    elif step.kind == "bench":
        (path,) = sorted((work / "bench" / step.name).glob("*.json"))
        r = json.loads(path.read_text("utf-8"))
        reached = first_reaching(r["history"], 0.905)
        step.result = {"file": str(path.relative_to(work)), "final_test_accuracy": r["final_test_accuracy"],
                       "test_accuracy_per_epoch": r["test_accuracy_per_epoch"], "train_seconds": r["train_seconds"],
                       "warmup_seconds": r["warmup_seconds"], "eval_seconds": r["eval_seconds"],
                       "images_per_second": r["images_per_second"], "seconds_to_90.5": reached,
                       "device_name": r["device_name"], "torch": r["torch"], "config": r["config"]}
        step.summary = (f"{100 * r['final_test_accuracy']:.2f}% in {r['train_seconds']:.1f} s "
                        f"(+{r['warmup_seconds']:.1f} s warm-up), {r['images_per_second']:,.0f} img/s; 90.5% "
                        + (f"at {reached:.1f} s" if reached is not None else "not reached"))
    elif step.kind == "speed":
        speedup = re.search(r"speed-up: ([\d.]+)x", stdout)
        best = dict(re.findall(r"^\s*(solutions\.train|DataLoader loop): \S+ after ([\d.]+) s", stdout, re.M))
        step.result = {"speed_up": float(speedup.group(1)) if speedup else None, "best_seconds": best}
        step.summary = (f"speed-up {speedup.group(1)}x" if speedup else "no speed-up figure") + \
            (f" (ours {best.get('solutions.train')} s, DataLoader {best.get('DataLoader loop')} s)" if best else "")
    elif step.kind == "bar":
        bars = re.findall(r"^bar ([\d.]+)% \(seeds (\[.*?\])\) for (\w+) (\d+)x\d+ .*?; ([\d.]+) s$", stdout, re.M)
        step.result = {"bars": [{"style": s, "input_size": int(n), "accuracy": float(a), "seeds": json.loads(seeds),
                                 "seconds": float(t)} for a, seeds, s, n, t in bars]}
        step.summary = ", ".join(f"{s} {n}: {a}%" for a, _, s, n, _ in bars) or "no bar printed"
    elif step.kind == "grade":
        path = work / "gpu-grade-speed.json"
        step.result = json.loads(path.read_text("utf-8")) if path.is_file() else {}
        runs = step.result.get("runs", [])
        parts = []
        for run in runs:
            extrapolated = next((v for k, v in run.items() if k.startswith("extrapolated_")), None)
            expected = all(f["as_expected"] for f in run["flavours"].values())
            parts.append(f"W={run['workers']}: {run['students_per_minute']}/min, 500 in "
                         f"{extrapolated / 60:.1f} min" + ("" if expected else " (NOT AS EXPECTED)"))
        isolation = runs[0]["isolation"].split(":")[0] if runs else "?"
        probes = [p for ps in step.result.get("probes", {}).values() for p in ps]
        cap = next((p["report"].get("over_cap_allocation") for p in probes if p.get("report", {}).get("cuda")), None)
        step.summary = "; ".join(parts) + f"; sandbox {isolation}" + (f"; over-cap allocation {cap}" if cap else "") \
            if parts else "no result"


def table(steps: list[Step]) -> str:
    """The short table: one row per step."""
    width = max(len(s.name) for s in steps)
    lines = [f"{'step':<{width}}  {'status':<16} {'wall s':>7}  result", "-" * (width + 60)]
    for s in steps:
        lines.append(f"{s.name:<{width}}  {s.status:<16} {s.seconds:7.1f}  {s.summary}")
    return "\n".join(lines)


def publish(steps: list[Step], out: Path, work: Path, meta: dict[str, Any]) -> None:
    """Bring OUT up to date: summary, table, the work folder as a tarball, and the files to commit."""
    out.mkdir(parents=True, exist_ok=True)
    document = {**meta, "steps": [{"name": s.name, "label": s.label, "status": s.status, "seconds": round(s.seconds, 1),
                                   "command": " ".join(s.argv), "env": s.env, "summary": s.summary,
                                   "result": s.result} for s in steps]}
    (out / "summary.json").write_text(json.dumps(document, indent=1) + "\n", "utf-8")
    (out / "table.txt").write_text(table(steps) + "\n", "utf-8")
    canonical = next((s for s in steps if s.name == "bench-eager-modern-b256" and s.status == "ok"), None)
    if canonical is not None:
        for path in (work / "bench" / canonical.name).glob("lenet5-*"):
            shutil.copyfile(path, out / path.name)
    for path in work.glob("lenet5-speed-*.txt"):
        shutil.copyfile(path, out / path.name)
    bars = work / "lenet5-grading-bars.json"
    if bars.is_file():
        shutil.copyfile(bars, out / bars.name)
    partial = out / "results.tar.gz.part"
    with tarfile.open(partial, "w:gz") as tar:
        for name in ("logs", "bench", "gpu-grade-speed.json", "lenet5-grading-bars.json", "env.json"):
            if (work / name).exists():
                tar.add(work / name, arcname=f"gpu-run/{name}")
        for path in work.glob("lenet5-speed-*.txt"):
            tar.add(path, arcname=f"gpu-run/{path.name}")
    os.replace(partial, out / "results.tar.gz")


def main() -> int:
    """Run the plan within the budget; print the table last."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True)
    parser.add_argument("--work", required=True, help="scratch folder for logs and per-step outputs")
    parser.add_argument("--smoke", action="store_true", help="toy sizes on a synthetic data set (CPU if no GPU)")
    parser.add_argument("--budget", type=float, default=None, help="seconds for all steps (default 420; smoke 300)")
    parser.add_argument("--only", default="", help="comma-separated step names (or prefixes) to run; env always runs")
    parser.add_argument("--dataset", default=None, help="default: fashion-mnist (smoke: a synthetic set 'toy')")
    parser.add_argument("--data", default=None, help="data root (default: $CNNLAB_DATA)")
    parser.add_argument("--grade-args", default="", help="extra arguments for benchmarks/gpu_grade_speed.py, e.g. "
                                                          "'--memory 8192 --mode weak --workers 2 4 8'")
    args = parser.parse_args()
    budget = args.budget or (300.0 if args.smoke else 420.0)
    out, work = Path(args.out), Path(args.work)
    (work / "logs").mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    data_root, dataset = args.data or os.environ.get("CNNLAB_DATA") or None, args.dataset or "fashion-mnist"
    if args.smoke and args.dataset is None:
        data_root, dataset = str(work / "data"), "toy"
        subprocess.run([sys.executable, str(HERE / "toy_data.py"), data_root, "--train", "1024", "--test", "256"],
                       check=True, cwd=REPO,
                       stdout=subprocess.DEVNULL)
    if BARS.is_file() and not (work / "lenet5-grading-bars.json").exists():
        shutil.copyfile(BARS, work / "lenet5-grading-bars.json")  # the bar step adds the new ones to the committed
    meta: dict[str, Any] = {"smoke": args.smoke, "budget_seconds": budget, "dataset": dataset, "data_root": data_root}

    env_step = plan(args.smoke, "cpu", work, dataset, data_root)[0]
    steps = [env_step]
    print(f"[{0:6.1f}s] env: {' '.join(env_step.argv)}", flush=True)
    clock = time.monotonic()
    env_step.status, stdout = run_process(env_step, env_step.cap, work / "logs" / "env.log")
    env_step.seconds = time.monotonic() - clock
    try:
        parse(env_step, stdout, work)
        (work / "env.json").write_text(json.dumps(env_step.result, indent=1) + "\n", "utf-8")
    except (ValueError, IndexError) as error:
        env_step.status, env_step.summary = "failed (parse)", str(error)
    device = "cuda" if env_step.result.get("cuda_available") else "cpu"
    meta["device"] = device
    print(f"[{time.monotonic() - started:6.1f}s] env -> {env_step.status}: {env_step.summary}", flush=True)
    steps = [env_step, *plan(args.smoke, device, work, dataset, data_root)[1:]]
    for step in steps:
        if step.kind == "grade" and args.grade_args:
            step.argv += shlex.split(args.grade_args)  # later options win over the plan's
    wanted = [w for w in args.only.split(",") if w]
    for step in steps[1:]:
        if wanted and not any(step.name == w or step.name.startswith(w) for w in wanted):
            step.status = "not asked"
            continue
        if not args.smoke and device != "cuda":
            step.status, step.summary = "skipped", "no CUDA GPU: the full run is for a GPU (use --smoke here)"
            continue
        if step.cuda_only and device != "cuda":
            step.status, step.summary = "skipped", "needs CUDA"
            continue
        left = budget - (time.monotonic() - started)
        if left < step.least:
            step.status, step.summary = "skipped", f"out of time ({left:.0f} s left of {budget:.0f})"
            print(f"[{time.monotonic() - started:6.1f}s] {step.name}: skipped, {step.summary}", flush=True)
            publish(steps, out, work, meta)
            continue
        timeout = min(step.cap, left)
        print(f"[{time.monotonic() - started:6.1f}s] {step.name}: {' '.join(step.argv)}", flush=True)
        clock = time.monotonic()
        log = work / "logs" / f"{step.name}.log"
        step.status, stdout = run_process(step, timeout, log)
        step.seconds = time.monotonic() - clock
        if step.kind == "speed" and stdout:
            device_name = env_step.result.get("device_name") or "CPU"
            (work / f"lenet5-speed-{dataset}-{device}.txt").write_text(
                f"$ python benchmarks/lenet5_speed.py --device {device}   # {device_name}, "
                f"torch {env_step.result.get('torch', '?')}\n{stdout}", "utf-8")
        try:
            parse(step, stdout, work)
        except (ValueError, KeyError, IndexError, TypeError, OSError) as error:
            step.summary = step.summary or f"no result ({type(error).__name__}: {error})"
            if step.status == "ok":
                step.status = "failed (parse)"
        print(f"[{time.monotonic() - started:6.1f}s] {step.name} -> {step.status} in {step.seconds:.1f} s: "
              f"{step.summary}", flush=True)
        if step.status != "ok":
            tail = log.read_text("utf-8", "replace").splitlines()[-15:]
            print("    " + "\n    ".join(tail), flush=True)
        publish(steps, out, work, meta)
    meta["total_seconds"] = round(time.monotonic() - started, 1)
    publish(steps, out, work, meta)
    print(f"\nGPU run ({'smoke, ' if args.smoke else ''}{device}, {meta['total_seconds']:.0f} s of a {budget:.0f} s "
          f"budget); files in {out}:")
    print(table(steps), flush=True)
    failed = [s.name for s in steps if s.status.startswith(("failed", "timeout"))]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
