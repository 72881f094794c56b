"""How fast does cnnlab grade a class's LeNet-5s on a GPU? N simulated submissions, W sandboxes side by side.

The class is made by the real `cnnlab generate` from the bundled code-lenet5 template (its training block: the
grader trains every student's model with the reference trainer and scores the test accuracy against the bar).
Submissions cycle through four flavours: correct (the worked solution), wrong layer (a global average pool where
flatten belongs: every shape right, the spatial information gone), cannot learn (its layers run under no_grad) and
crash (the process dies mid-training, holding the GPU). Each worker count grades the whole class afresh, through
the real pipeline (`grade_all`, sandbox included); every sandbox's PyTorch is capped at a share of the GPU's memory
(`Limits.gpu_memory_fraction`, set in the sandbox before student code runs). Before grading, one probe job checks
what the sandbox sees of the GPU: CUDA, the cap, and whether an allocation over the cap is refused.

    python benchmarks/gpu_grade_speed.py [--device cuda|cpu] [--students 32] [--workers 4 8] [--json FILE]

It prints students per minute per worker count and the time a class of --extrapolate (500) students would take.
Bars missing from --bars for this budget are measured first (one seed) and added to that file.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import shutil
import sys
import tempfile
import time
from collections import Counter
from dataclasses import replace
from pathlib import Path
from typing import Any

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import cnnlab  # noqa: E402
import grader.pipeline.batch  # noqa: E402
from generator.model import Context  # noqa: E402
from grader.pipeline.collect import collect  # noqa: E402
from grader.pipeline.grade_class import load_env  # noqa: E402
from grader.pipeline.batch import Batch, grade_all  # noqa: E402
from grader.pipeline.records import GradedSubmission  # noqa: E402
from grader.sandbox import Sandbox  # noqa: E402
from grader.sandbox.api import Job  # noqa: E402
from generator.limits import Limits  # noqa: E402
from generator.limits import LIMITS  # noqa: E402
from grader.pipeline.store import Store  # noqa: E402
from solutions import lenet5_bar  # noqa: E402
from solutions.idx import load_dataset  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
TEMPLATE = REPO / "assignments" / "templates" / "code-lenet5.yaml"
FLAVOURS = ("correct", "wrong_layer", "cannot_learn", "crash")
FLATTEN = "x = torch.flatten(x, 1)"
CRASH = """

import os as _os

_forward = LeNet5.forward


def _dies_in_training(self, x, _calls=[0]):
    _calls[0] += 1
    if _calls[0] > 20:
        _os._exit(3)  # the process dies in the middle of training, holding the GPU
    return _forward(self, x)


LeNet5.forward = _dies_in_training
"""
PROBE = """
import json, time
import torch
report = {"cuda": torch.cuda.is_available(), "torch": torch.__version__}
if report["cuda"]:
    started = time.perf_counter()
    torch.zeros(1, device="cuda")
    report["init_seconds"] = round(time.perf_counter() - started, 3)
    report["device"] = torch.cuda.get_device_name()
    total = torch.cuda.get_device_properties(0).total_memory
    report["total_gib"] = round(total / 2**30, 1)
    get = getattr(torch.cuda, "get_per_process_memory_fraction", None)
    report["fraction_seen"] = get() if get is not None else "no get_per_process_memory_fraction in this torch"
    if CAP:
        try:
            block = torch.empty(int(total * min(1.0, CAP * 1.25)), dtype=torch.uint8, device="cuda")
            report["over_cap_allocation"] = "allowed: the cap did not hold"
            del block
        except RuntimeError as error:  # torch.OutOfMemoryError is one
            report["over_cap_allocation"] = "refused: " + type(error).__name__
        block = torch.empty(int(total * CAP * 0.5), dtype=torch.uint8, device="cuda")
        report["half_cap_allocation"] = "allowed"
        del block
else:
    queued = [c for c, _ in getattr(torch.cuda, "_queued_calls", []) if getattr(c, "__name__", "") == "cnnlab_gpu_memory_cap"]
    report["cap_queued"] = bool(queued)
print("GPU-PROBE " + json.dumps(report))
"""


def bundled_budget(device: str) -> dict[str, Any]:
    """The bundled template's training budget for the device (CPU where it sets none for CUDA)."""
    training = yaml.safe_load(TEMPLATE.read_text("utf-8"))["training"]
    return dict(training.get(device) or training["cpu"])


def write_template(folder: Path, dataset: str, classes: int, styles: list[str], sizes: list[int], device: str,
                   budget: dict[str, Any]) -> Path:
    """The bundled code-lenet5 template with this run's data set, variants and budget for the device."""
    template = yaml.safe_load(TEMPLATE.read_text("utf-8"))
    choice = lambda values: {"choices": values} if len(values) > 1 else {"value": values[0]}  # noqa: E731
    template["params"] = {"input_size": choice(sizes), "num_classes": classes, "style": choice(styles)}
    template.pop("variety", None)
    template["training"] = {**template["training"], "dataset": dataset, device: budget}
    path = folder / "templates" / "code-lenet5.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(template, sort_keys=False), "utf-8")
    return path


def make_class(folder: Path, students: int, template: Path) -> Path:
    """The real `cnnlab generate` for s001..sNNN on a one-question spec; returns the generated folder."""
    (folder / "spec.yaml").write_text(f"id: gpu-grade-speed\ntitle: LeNet-5 on the GPU\ntemplates: [{template.parent}]\n"
                                      "questions:\n  - id: code-lenet5\n", "utf-8")
    (folder / "roster.csv").write_text("student_id\n" + "".join(f"s{i:03d}\n" for i in range(1, students + 1)),
                                       "utf-8")
    (folder / "secret").write_text("cnnlab-gpu-grade-speed-secret", "utf-8")
    out = folder / "generated"
    code = cnnlab.main(["generate", str(folder / "spec.yaml"), "--roster", str(folder / "roster.csv"),
                        "--secret-file", str(folder / "secret"), "--out", str(out)])
    if code != 0:
        raise OSError(f"cnnlab generate failed with exit code {code}")
    return out


def flavoured(solution: str, flavour: str, classes: int) -> str:
    """The worked solution's source, turned into the flavour's submission."""
    if flavour == "correct":
        return solution
    if flavour == "wrong_layer":
        assert FLATTEN in solution
        return solution.replace(FLATTEN, "x = x.mean(dim=(2, 3), keepdim=True).expand(-1, -1, 5, 5).flatten(1)")
    if flavour == "cannot_learn":  # one free bias, so backward() works and the model trains, uselessly
        return (solution.replace("        self.pool =", f"        self.bias = nn.Parameter(torch.zeros({classes}))\n"
                                 "        self.pool =")
                .replace("    def forward(self, x):\n", "    def forward(self, x):\n        return self._frozen(x) + "
                         "self.bias\n\n    @torch.no_grad()\n    def _frozen(self, x):\n"))
    return solution + CRASH


def write_submissions(generated: Path, out: Path, classes: int) -> dict[str, str]:
    """Each student's notebook with its code cell answered in the next flavour; returns student -> flavour."""
    out.mkdir(parents=True, exist_ok=True)
    flavours = {}
    for index, key in enumerate(sorted((generated / "key").glob("*.json"))):
        student, flavour = key.stem, FLAVOURS[index % len(FLAVOURS)]
        notebook = json.loads((generated / "students" / f"{student}.ipynb").read_text("utf-8"))
        instructor = json.loads((generated / "instructor" / f"{student}.ipynb").read_text("utf-8"))
        role = lambda cell: cell.get("metadata", {}).get("cnnlab", {}).get("role")  # noqa: E731
        solution = next(c["source"] for c in instructor["cells"] if role(c) == "code")
        solution = "".join(solution) if isinstance(solution, list) else solution
        for cell in notebook["cells"]:
            if role(cell) == "code":
                cell["source"] = flavoured(solution, flavour, classes)
        (out / f"{student}_{flavour}.ipynb").write_text(json.dumps(notebook, indent=1), "utf-8")
        flavours[student] = flavour
    return flavours


def ensure_bars(bars: Path, dataset: str, data: str | None, device: str, budget: lenet5_bar.Budget,
                styles: list[str], sizes: list[int], classes: int) -> list[str]:
    """Measure (one seed) and save every bar this class needs that the file lacks; returns what was measured."""
    import torch

    if device == "cpu":
        torch.set_num_threads(1)  # as the sandbox trains
    measured = []
    for size in sizes:
        arrays = lenet5_bar.training_data(dataset, budget, size, data)
        for style in styles:
            architecture = lenet5_bar.Architecture(style, size, classes)
            key = lenet5_bar.bar_key(arrays, device, budget, architecture)
            if lenet5_bar.find_bar(lenet5_bar.load_bars(bars), key) is not None:
                continue
            name = torch.cuda.get_device_name() if device == "cuda" else "cpu"
            entry = lenet5_bar.measure_bar(arrays, architecture, budget, device, name, None, seeds=(0,))
            lenet5_bar.save_bar(entry, bars)
            measured.append(f"{style} {size}x{size}: {entry['accuracy']:.2f}% (seed 0, {entry['seconds'][0]:.1f} s)")
    return measured


def probe(limits: Limits, gpu: bool, mode: str) -> dict[str, Any]:
    """One job in the sandbox that reports what it sees of the GPU, and the isolation it ran under."""
    started = time.perf_counter()
    try:
        with Sandbox(workers=1, limits=limits, gpu=gpu, mode=mode) as sandbox:  # type: ignore[arg-type]
            (outcome,) = sandbox.map([Job("gpu-probe", (PROBE.replace("CAP", repr(limits.gpu_memory_fraction)),))])
    except (RuntimeError, OSError) as error:
        return {"mode": mode, "ok": False, "error": str(error)}
    line = next((ln for ln in outcome.stdout.splitlines() if ln.startswith("GPU-PROBE ")), None)
    report = json.loads(line.split(" ", 1)[1]) if line else {}
    return {"mode": mode, "ok": outcome.status == "ok" and line is not None, "status": outcome.status,
            "reason": outcome.reason, "isolation": outcome.isolation, "seconds": round(time.perf_counter() - started, 2),
            "report": report, "stdout_tail": outcome.stdout[-600:] if line is None else ""}


def choose_mode(asked: str, limits: Limits, device: str) -> tuple[str, list[dict[str, Any]]]:
    """The sandbox mode to grade in: as asked, except that 'auto' falls back to weak when bubblewrap's sandbox
    cannot reach the GPU (and says so in the probes)."""
    gpu = device == "cuda"
    probes = [probe(limits, gpu, asked)]
    works = lambda p: p["ok"] and (not gpu or p["report"].get("cuda"))  # noqa: E731
    if asked == "auto" and not works(probes[0]) and not probes[0].get("isolation", "").startswith("WEAK"):
        probes.append(probe(limits, gpu, "weak"))
        if works(probes[-1]):
            return "weak", probes
    return asked, probes


def summarise(records: list[GradedSubmission], flavours: dict[str, str]) -> dict[str, Any]:
    """Per flavour: statuses, mean score, whether each came out as it should, and one feedback line."""
    out: dict[str, Any] = {}
    for flavour in FLAVOURS:
        mine = [r for r in records if flavours.get(r.student_id or "") == flavour]
        if not mine:
            continue
        training = [next((p for p in s.parts if p[0] == "training accuracy"), None) for r in mine for s in r.scores]
        full = [p is not None and p[1] == p[2] for p in training]
        none = [p is None or p[1] == 0 for p in training]
        expected = {"correct": all(full) and all(r.status == "graded" for r in mine),
                    "wrong_layer": not any(full), "cannot_learn": all(none),
                    "crash": all(none) and all(r.status != "graded" for r in mine)}[flavour]
        out[flavour] = {"count": len(mine), "statuses": dict(Counter(r.status for r in mine)),
                        "mean_percent": round(sum(r.percent for r in mine) / len(mine), 1),
                        "mean_sandbox_seconds": round(sum(r.seconds for r in mine) / len(mine), 2),
                        "as_expected": expected,
                        "feedback": (mine[0].scores[0].feedback if mine[0].scores else "")[:600],
                        "notes": list(mine[0].notes)[:3]}
    return out


def grade(submissions: Path, key: Path, out: Path, context: Context, workers: int, limits: Limits, gpu: bool,
          mode: str, flavours: dict[str, str], extrapolate: int) -> dict[str, Any]:
    """Grade the class once with this many workers; time it, and extrapolate to a class of `extrapolate`."""
    finished: list[float] = []
    original = grader.pipeline.batch.Sandbox
    grader.pipeline.batch.Sandbox = functools.partial(Sandbox, mode=mode)  # type: ignore[misc]  # the mode chosen above
    try:
        started = time.perf_counter()
        records = grade_all(collect([submissions]), Batch(load_env(str(key), None, context), Store(out), workers,
                                                           limits, True, gpu),
                            lambda record, reused: finished.append(time.perf_counter()))
        seconds = time.perf_counter() - started
    finally:
        grader.pipeline.batch.Sandbox = original  # type: ignore[misc]
    count = len(records)
    first = (finished[0] - started) if finished else seconds
    steady = (finished[-1] - finished[0]) / (count - 1) if count > 1 else seconds  # seconds per student, warm
    return {"workers": workers, "students": count, "seconds": round(seconds, 2),
            "students_per_minute": round(60 * count / seconds, 1) if seconds else None,
            "first_result_seconds": round(first, 2), "steady_seconds_per_student": round(steady, 3),
            f"extrapolated_{extrapolate}_seconds": round(first + steady * (extrapolate - 1), 1),
            "gpu_memory_fraction": limits.gpu_memory_fraction, "isolation": records[0].isolation if records else "",
            "flavours": summarise(records, flavours)}


def build_parser() -> argparse.ArgumentParser:
    """The command line (benchmarks/gpu/run.py's plan is checked against it)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", choices=["cuda", "cpu"], default=None, help="default: cuda when available")
    parser.add_argument("--students", type=int, default=32)
    parser.add_argument("--workers", type=int, nargs="+", default=[4, 8], help="sandboxes side by side, one run each")
    parser.add_argument("--dataset", default="fashion-mnist")
    parser.add_argument("--data", default=None, help="data root holding named sets (default: $CNNLAB_DATA)")
    parser.add_argument("--bars", default=None, help="bars file (default: a copy of the committed one); missing "
                                                      "bars for this budget are measured (one seed) and added")
    parser.add_argument("--styles", nargs="+", choices=["classic", "modern"], default=["classic", "modern"])
    parser.add_argument("--input-sizes", nargs="+", type=int, choices=[28, 32], default=[28, 32])
    budget_help = "training budget (default: the bundled template's for the device)"
    for name in ("epochs", "train-subset", "test-subset", "batch-size"):
        parser.add_argument(f"--{name}", type=int, default=None, help=budget_help)
    parser.add_argument("--timeout", type=float, default=None, help="the training call's cap, seconds")
    parser.add_argument("--gpu-memory-fraction", type=float, default=None,
                        help="each sandbox's share of the GPU's memory (default 0.9 / workers on cuda; 0: no cap)")
    parser.add_argument("--memory", type=int, default=LIMITS.memory_mb, help="host memory per submission, MB")
    parser.add_argument("--mode", choices=["auto", "bubblewrap", "weak"], default="auto",
                        help="sandbox isolation; auto falls back to weak when bubblewrap's sandbox cannot reach the GPU")
    parser.add_argument("--extrapolate", type=int, default=500, help="class size to extrapolate to")
    parser.add_argument("--json", default=None, help="also write the results here")
    return parser


def main() -> int:
    """Build the class, make sure the bars exist, probe the GPU in the sandbox, grade once per worker count."""
    args = build_parser().parse_args()

    import torch

    device = args.device or ("cuda" if torch.cuda.is_available() else "cpu")
    if device == "cuda" and not torch.cuda.is_available():
        raise SystemExit(f"--device cuda, but torch {torch.__version__} sees no CUDA GPU")
    raw = {**bundled_budget(device), **{k: v for k, v in (("epochs", args.epochs), ("train_subset", args.train_subset),
                                                          ("test_subset", args.test_subset),
                                                          ("batch_size", args.batch_size), ("timeout_s", args.timeout))
                                        if v is not None}}
    budget = lenet5_bar.Budget(**raw)
    classes = load_dataset(args.dataset, args.data).num_classes
    work = Path(tempfile.mkdtemp(prefix="cnnlab-gpu-grade-"))
    try:
        bars = Path(args.bars) if args.bars else work / "bars.json"
        if not args.bars and lenet5_bar.BARS.is_file():
            shutil.copyfile(lenet5_bar.BARS, bars)
        started = time.perf_counter()
        measured = ensure_bars(bars, args.dataset, args.data, device, budget, args.styles, args.input_sizes, classes)
        bar_seconds = time.perf_counter() - started
        for line in measured:
            print(f"measured missing bar {line}", flush=True)
        template = write_template(work / "class", args.dataset, classes, args.styles, args.input_sizes, device, raw)
        generated = make_class(work / "class", args.students, template)
        flavours = write_submissions(generated, work / "submissions", classes)
        context = Context(args.data, bars, device)
        results: list[dict[str, Any]] = []
        document = {"benchmark": "gpu_grade_speed", "device": device,
                    "device_name": torch.cuda.get_device_name() if device == "cuda" else "cpu",
                    "torch": torch.__version__, "cpu_count": os.cpu_count(), "dataset": args.dataset,
                    "classes": classes, "budget": raw, "styles": args.styles, "input_sizes": args.input_sizes,
                    "bars_measured_here": measured, "bar_seconds": round(bar_seconds, 1), "probes": {}, "runs": results}
        mode = None
        for workers in args.workers:
            fraction = args.gpu_memory_fraction if args.gpu_memory_fraction is not None else (
                round(0.9 / workers, 3) if device == "cuda" else 0.0)
            limits = replace(LIMITS, memory_mb=args.memory, gpu_memory_fraction=fraction)
            if mode is None:  # probed once, with the first worker count's cap
                mode, probes = choose_mode(args.mode, limits, device)
                document["probes"][str(workers)] = probes
                for p in probes:
                    print(f"probe ({p['mode']}): {'ok' if p['ok'] else 'FAILED'} {json.dumps(p.get('report', {}))} "
                          f"{p.get('reason') or p.get('error') or ''}; {p.get('isolation', '')}", flush=True)
                if mode != args.mode:
                    print(f"WEAK MODE: bubblewrap's sandbox could not reach the GPU; grading with mode={mode}",
                          flush=True)
            result = grade(work / "submissions", generated / "key", work / f"graded-{workers}", context, workers,
                           limits, device == "cuda", mode, flavours, args.extrapolate)
            result["mode"] = mode
            results.append(result)
            if args.json:  # after every worker count: a run cut short keeps what it measured
                Path(args.json).write_text(json.dumps(document, indent=1) + "\n", "utf-8")
            print(f"workers {workers}: {result['students']} students in {result['seconds']:.1f} s -> "
                  f"{result['students_per_minute']:.1f} students/min; {args.extrapolate} students: "
                  f"~{result[f'extrapolated_{args.extrapolate}_seconds'] / 60:.1f} min "
                  f"(first result {result['first_result_seconds']:.1f} s, then "
                  f"{result['steady_seconds_per_student']:.2f} s per student); memory fraction {fraction:g}; "
                  f"{result['isolation']}", flush=True)
            for flavour, summary in result["flavours"].items():
                print(f"  {flavour:>12}: {summary['count']} {summary['statuses']}, mean {summary['mean_percent']}%, "
                      f"{summary['mean_sandbox_seconds']} s in the sandbox, "
                      f"{'as expected' if summary['as_expected'] else 'NOT AS EXPECTED'}", flush=True)
        best = max(results, key=lambda r: r["students_per_minute"] or 0)
        print(f"best: {best['workers']} workers, {best['students_per_minute']:.1f} students/min on {device} "
              f"({document['device_name']}); {args.extrapolate} students in "
              f"~{best[f'extrapolated_{args.extrapolate}_seconds'] / 60:.1f} min")
        bad = [f"{r['workers']} workers: {name}" for r in results for name, s in r["flavours"].items()
               if not s["as_expected"]]
        if bad:
            print(f"NOT AS EXPECTED: {'; '.join(bad)}")
        return 1 if bad else 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
