"""Commands that only generate load only what they use: no torch (so nothing trains), no matplotlib, and, but for
validate, nothing of the grader. Each runs in a fresh interpreter, through cnnlab.main, on the bundled assignments
with a three-student roster, and reports the top-level packages it imported."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
ASSIGNMENTS = ROOT / "assignments"
PROBLEM_SET, EXAM = ASSIGNMENTS / "cnn-problem-set.yaml", ASSIGNMENTS / "cnn-exam.yaml"
SECRET = ASSIGNMENTS / "demo.secret"
HEAVY = ("torch", "matplotlib")  # what none of these commands may import
PROBE = ("import contextlib, io, json, sys\nimport cnnlab\n"
         "with contextlib.redirect_stdout(io.StringIO()):\n    code = cnnlab.main(json.loads(sys.argv[1]))\n"
         "print(json.dumps({'code': code, 'packages': sorted({name.split('.')[0] for name in sys.modules})}))")
COMMANDS: dict[str, tuple[list[str], bool]] = {  # name -> (arguments, whether the grader may be imported)
    "generate": (["generate", str(PROBLEM_SET), "--roster", "{roster}", "--secret-file", str(SECRET),
                  "--out", "{out}/class"], False),
    "exam": (["exam", str(EXAM), "--roster", "{roster}", "--secret-file", str(SECRET), "--out", "{out}/exam",
              "--forms", "1", "--workers", "1"], False),
    "export-moodle": (["export", "moodle", str(EXAM), "--variants", "2", "--secret-file", str(SECRET),
                       "--out", "{out}/moodle.xml"], False),
    "export-qti": (["export", "qti", str(EXAM), "--variants", "2", "--secret-file", str(SECRET),
                    "--out", "{out}/canvas-qti.zip"], False),
    "preview": (["preview", str(PROBLEM_SET), "--seed", "3"], False),
    "validate": (["validate", str(PROBLEM_SET), "--no-sandbox"], True),
}


def run_command(arguments: list[str]) -> dict[str, object]:
    """Run cnnlab.main(arguments) in a fresh interpreter: its exit code and the top-level packages it imported."""
    done = subprocess.run([sys.executable, "-c", PROBE, json.dumps(arguments)], capture_output=True, text=True,
                          cwd=ROOT, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.splitlines()[-1])


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_command_imports_no_torch(name: str, tmp_path: Path) -> None:
    roster = tmp_path / "roster.csv"
    roster.write_text("student_id,name\ns001,Ada Lovelace\ns002,Alan Turing\ns003,Grace Hopper\n", "utf-8")
    template, grader_allowed = COMMANDS[name]
    arguments = [a.format(roster=roster, out=tmp_path) for a in template]
    report = run_command(arguments)
    packages = set(report["packages"])  # type: ignore[arg-type]
    assert report["code"] == 0
    assert not packages & set(HEAVY), f"cnnlab {' '.join(template[:2])} imported {sorted(packages & set(HEAVY))}"
    assert grader_allowed or "grader" not in packages, f"cnnlab {' '.join(template[:2])} imported the grader"
