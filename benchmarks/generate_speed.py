"""How fast `cnnlab generate` personalises notebooks, and how that compares with nbgrader's generate_assignment.

Generates the bundled problem set for 1,000 synthetic students (each: student notebook, instructor notebook and
answer key, written atomically, as `cnnlab generate` does), pinned to one CPU core, and prints notebooks per second
and milliseconds per notebook. Then times nbgrader's generate_assignment on one notebook of the same size (this
student's instructor notebook with nbgrader solution and test cells) and prints the per-notebook ratio. nbgrader is
an optional extra (`pip install nbgrader`); without it the script says so and still prints our figures.

Usage: .venv/bin/python benchmarks/generate_speed.py [--students 1000] [--nbgrader-runs 5]
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from generator.build import FOLDERS, build_student, write_student  # noqa: E402
from generator.roster import Student  # noqa: E402
from generator.spec import load_spec  # noqa: E402

SPEC = ROOT / "assignments" / "cnn-problem-set.yaml"
SECRET = b"benchmark-course-secret-0123456789"


def pin_to_one_core() -> str:
    """Run on a single CPU so the figure is per core; says which (or why not)."""
    if hasattr(os, "sched_setaffinity"):
        core = min(os.sched_getaffinity(0))
        os.sched_setaffinity(0, {core})
        return f"pinned to CPU {core}"
    return "not pinned (no sched_setaffinity here)"


@dataclass
class Timing:
    """Seconds spent building files in memory and writing them, wall clock and CPU."""

    build_wall: float = 0.0
    build_cpu: float = 0.0
    write_wall: float = 0.0
    write_cpu: float = 0.0

    @property
    def wall(self) -> float:
        """Everything, wall clock."""
        return self.build_wall + self.write_wall


def time_ours(students: int, out: Path) -> tuple[Timing, int]:
    """Time building and writing every student's files; also the bytes of one student notebook."""
    spec = load_spec(SPEC)
    roster = [Student(f"s{i:05d}", f"Student {i}") for i in range(students)]
    for folder in ("student", "instructor", "key"):
        (out / FOLDERS[folder]).mkdir(parents=True, exist_ok=True)
    write_student(out, build_student(spec, roster[0], SECRET))  # warm-up: imports, template caches
    timing = Timing()
    for student in roster:
        wall, cpu = time.perf_counter(), time.process_time()
        files = build_student(spec, student, SECRET)
        middle, middle_cpu = time.perf_counter(), time.process_time()
        write_student(out, files)
        end, end_cpu = time.perf_counter(), time.process_time()
        timing.build_wall += middle - wall
        timing.build_cpu += middle_cpu - cpu
        timing.write_wall += end - middle
        timing.write_cpu += end_cpu - middle_cpu
    return timing, (out / FOLDERS["student"] / f"{roster[0].student_id}.ipynb").stat().st_size


def nbgrader_notebook(instructor_text: str) -> dict[str, Any]:
    """Our instructor notebook marked up for nbgrader: answers as solution cells, sanity checks as test cells."""
    notebook = json.loads(instructor_text)
    for cell in notebook["cells"]:
        meta, role = cell["metadata"].get("cnnlab", {}), cell["metadata"].get("cnnlab", {}).get("role")
        grade_id = f"{meta.get('qid', 'cell')}-{role}"
        if role in ("answer", "code"):
            cell["source"] = f"### BEGIN SOLUTION\n{cell['source']}\n### END SOLUTION"
            cell["metadata"]["nbgrader"] = {"grade": False, "grade_id": grade_id, "locked": False,
                                            "schema_version": 3, "solution": True, "task": False}
        elif role == "check":
            cell["metadata"]["nbgrader"] = {"grade": True, "grade_id": grade_id, "locked": True, "points": 1,
                                            "schema_version": 3, "solution": False, "task": False}
    return notebook


def time_nbgrader(notebook: dict[str, Any], runs: int) -> float | None:
    """Median seconds of nbgrader's generate_assignment on this one notebook (after one warm-up run)."""
    try:
        from nbgrader.apps import NbGraderAPI
        from traitlets.config import Config
    except ImportError:
        return None
    logging.getLogger("traitlets").setLevel(logging.ERROR)
    # nbgrader migrates its gradebook by running the `alembic` command, installed next to this Python
    os.environ["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
    with tempfile.TemporaryDirectory() as course:
        source = Path(course) / "source" / "ps1"
        source.mkdir(parents=True)
        (source / "ps1.ipynb").write_text(json.dumps(notebook), encoding="utf-8")
        config = Config()
        config.CourseDirectory.root = course
        config.CourseDirectory.course_id = "bench"
        api = NbGraderAPI(config=config)
        times = []
        for run in range(runs + 1):
            start = time.perf_counter()
            result = api.generate_assignment("ps1", force=True)
            if not result.get("success"):
                raise RuntimeError(f"nbgrader generate_assignment failed:\n{result.get('log')}\n{result.get('error')}")
            if run:  # the first run is a warm-up
                times.append(time.perf_counter() - start)
        return statistics.median(times)


def main() -> int:
    """Time both and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=1000)
    parser.add_argument("--nbgrader-runs", type=int, default=5)
    parser.add_argument("--out", default=None, help="folder for the (temporary) output; default the system temp")
    args = parser.parse_args()
    pinned = pin_to_one_core()
    with tempfile.TemporaryDirectory(dir=args.out) as out:
        timing, size = time_ours(args.students, Path(out))
        where = Path(out).parent
    n = args.students
    per_notebook = timing.wall / n
    print(f"cnnlab generate ({pinned}, load {os.getloadavg()[0]:.1f}): {n} personalised notebooks, each a student "
          f"notebook ({size / 1024:.0f} KiB) + instructor notebook + answer key, written atomically under {where}")
    print(f"  {n / timing.wall:,.0f} notebooks/s, {per_notebook * 1000:.2f} ms per notebook "
          f"({timing.wall:.2f} s wall in all)")
    print(f"  of which building in memory: {timing.build_wall / n * 1000:.2f} ms wall, "
          f"{timing.build_cpu / n * 1000:.2f} ms CPU ({n / timing.build_wall:,.0f}/s); writing the 3 files: "
          f"{timing.write_wall / n * 1000:.2f} ms wall, {timing.write_cpu / n * 1000:.2f} ms CPU "
          f"(file-system bound: compare with --out /dev/shm)")
    if args.nbgrader_runs < 1:
        return 0
    instructor = build_student(load_spec(SPEC), Student("s00000", "Student 0"), SECRET).texts["instructor"]
    theirs = time_nbgrader(nbgrader_notebook(instructor), args.nbgrader_runs)
    if theirs is None:
        print("nbgrader: not installed, so no comparison (it is optional: `.venv/bin/pip install nbgrader`)")
        return 0
    import nbgrader
    print(f"nbgrader {nbgrader.__version__} generate_assignment on one notebook of the same size "
          f"(median of {args.nbgrader_runs} runs after a warm-up): {theirs * 1000:.1f} ms per notebook")
    print(f"  ratio: cnnlab is {theirs / per_notebook:,.0f}x faster per notebook")
    return 0


if __name__ == "__main__":
    sys.exit(main())
