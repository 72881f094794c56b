"""The wheel is the product: built, installed into a fresh venv outside the checkout, it generates and grades.

The fresh venv shares this interpreter's packages (torch included) through a .pth file, so the test installs only
the wheel itself (`--no-deps`): what it proves is that the wheel carries everything cnnlab reads at run time and
imports nothing from the repository.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
TEMPLATES = REPO / "assignments" / "templates"
PACKAGES = {"cnnlab", "generator", "grader", "solutions"}
TEST_CODE = ("simulate", "_sim.py", "demo", "tests/", "benchmarks/")  # class simulators, the demo, tests' support


def run(*command: str | Path, cwd: Path) -> str:
    """Run a command; its output on success, the whole of it in the failure message otherwise."""
    done = subprocess.run([str(c) for c in command], cwd=cwd, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, f"{command}: exit {done.returncode}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done.stdout


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv, outside the checkout, holding only the built wheel (dependencies shared, not reinstalled)."""
    root = tmp_path_factory.mktemp("wheel")
    run(sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", "-w", root / "dist", REPO,
        cwd=root)
    (wheel,) = (root / "dist").glob("cnnlab-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    committed = {f"solutions/benchmarks/{p.name}" for p in (REPO / "solutions" / "benchmarks").iterdir() if p.is_file()}
    assert "grader/reports/templates/report.html.j2" in names and committed <= set(names), committed - set(names)
    assert {"grader/scan/digits_lenet5.pt", "grader/scan/digits_lenet5.json"} <= set(names), "the digit reader ships"
    course = {f"generator/course/{p.relative_to(REPO / 'assignments')}" for p in (REPO / "assignments").rglob("*.yaml")}
    assert course <= set(names) and "generator/course/roster.csv" in names, course - set(names)
    assert not [n for n in names if n.endswith(".secret")], "the demo secret never ships"
    requires = [line for line in zipfile.ZipFile(wheel).read(next(n for n in names if n.endswith("METADATA")))
                .decode().splitlines() if line.startswith("Requires-Dist: typst")]
    assert requires and all("extra == \"exam\"" in line for line in requires), "grading installs no typst"
    shipped_code = {n for n in names if n.endswith(".py")}
    assert not {n for n in shipped_code if n.split("/")[0] not in PACKAGES}, "only the four packages ship"
    assert not {n for n in shipped_code if any(part in n for part in TEST_CODE)}, "simulators stay in tests/"
    run(sys.executable, "-m", "venv", root / "venv", cwd=root)
    python = root / "venv" / "bin" / "python"
    purelib = run(python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])", cwd=root).strip()
    (Path(purelib) / "shared-deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    run(python, "-m", "pip", "install", "-q", "--no-deps", wheel, cwd=root)
    return root


def test_the_installed_command_helps_generates_grades_and_reports(installed: Path) -> None:
    work = installed / "course"
    (work / "templates").mkdir(parents=True)
    for name in ("output-size.yaml", "code-maxpool.yaml"):
        shutil.copy(TEMPLATES / name, work / "templates" / name)
    (work / "spec.yaml").write_text("id: w\ntitle: W\ntemplates: templates\nquestions: [output-size, code-maxpool]\n")
    (work / "roster.csv").write_text("student_id\ns1\n")
    (work / "secret").write_text("a-wheel-test-secret-of-enough-bytes")
    cnnlab = installed / "venv" / "bin" / "cnnlab"
    where = run(installed / "venv" / "bin" / "python", "-c", "import cnnlab, grader; print(cnnlab.__file__, "
                "grader.__file__)", cwd=work)
    assert str(REPO) not in where and str(installed / "venv") in where, where
    assert "generate" in run(cnnlab, "--help", cwd=work)
    run(cnnlab, "generate", "spec.yaml", "--roster", "roster.csv", "--secret-file", "secret", "--out", "gen", cwd=work)
    shutil.copy(work / "gen" / "instructor" / "s1.ipynb", work / "s1.ipynb")
    run(cnnlab, "grade", "s1.ipynb", "--key", "gen/key", "--out", "graded", cwd=work)
    results = json.loads((work / "graded" / "results.json").read_text())
    assert results["score"] == sum(t["max_score"] for t in results["tests"]) > 0
    run(cnnlab, "report", "graded", cwd=work)
    assert (work / "graded" / "report" / "report.html").stat().st_size > 0
    run(cnnlab, "exam", "spec.yaml", "--roster", "roster.csv", "--secret-file", "secret", "--out", "exam",
        "--forms", "1", "--workers", "1", cwd=work)
    assert (work / "exam" / "exams" / "form-A.pdf").read_bytes().startswith(b"%PDF")
    run(cnnlab, "export", "moodle", "spec.yaml", "--variants", "2", "--secret-file", "secret", "--out", "q.xml",
        cwd=work)
    assert b"<quiz>" in (work / "q.xml").read_bytes()


def test_init_then_generate_from_any_folder(installed: Path) -> None:
    cnnlab = installed / "venv" / "bin" / "cnnlab"
    anywhere = installed / "anywhere"
    anywhere.mkdir()
    run(cnnlab, "init", "course", cwd=anywhere)
    course = anywhere / "course"
    assert (course / "course.secret").stat().st_mode & 0o777 == 0o600
    assert len((course / "course.secret").read_text().strip()) == 64, "256 bits as hex"
    assert "cnnlab generate" in (course / "README.md").read_text()
    run(cnnlab, "generate", "cnn-problem-set.yaml", "--roster", "roster.csv", "--secret-file", "course.secret",
        "--out", "out", cwd=course)
    assert len(list((course / "out" / "students").glob("*.ipynb"))) == len((course / "roster.csv").read_text()
                                                                           .splitlines()) - 1
