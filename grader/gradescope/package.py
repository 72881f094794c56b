"""`cnnlab export gradescope`: an autograder.zip laid out as Gradescope's autograder specification asks.

The zip's root holds setup.sh and run_autograder (grader/gradescope/scripts.py), README.md, constraints.txt (the
grading install's tested versions), cnnlab as a wheel built from this checkout (`pip wheel --no-deps`, or --wheel),
key/ (every answer key: Gradescope keeps the autograder's files from students), data/ (the training data the keys'
questions need), check/ (a correct and a blank notebook for the upload-time check), settings.json (per-question
visibility from the spec, the sandbox's memory) and, with --roster, roster.csv. The zip is written 0600: it holds
the keys.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from generator.files import PRIVATE, atomic_path
from generator.limits import LIMITS
from grader.gradescope.bundle import check_notebooks, data_files, data_needs, grading_pins
from grader.gradescope.scripts import constraints_txt, readme, run_autograder, setup_sh
from grader.pipeline.answer_key import KeyDir
from grader.pipeline.roster import read_roster

def build_wheel(folder: Path) -> Path:
    """cnnlab's wheel, built from the checkout this module runs from, without touching the network."""
    checkout = Path(__file__).resolve().parents[2]
    if not (checkout / "pyproject.toml").is_file():
        raise OSError(f"{checkout}: not a cnnlab checkout (no pyproject.toml); pass --wheel")
    done = subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", "-w",
                           str(folder), str(checkout)], capture_output=True, text=True, timeout=600)
    wheels = sorted(folder.glob("cnnlab-*.whl"))
    if done.returncode != 0 or not wheels:
        raise OSError(f"building the cnnlab wheel failed: {(done.stderr or done.stdout).strip()[-300:]}")
    return wheels[0]


def _add(archive: zipfile.ZipFile, name: str, data: bytes, mode: int = 0o644) -> None:
    """One member with its Unix mode (run_autograder and setup.sh must be executable)."""
    info = zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0))
    info.external_attr = (0o100000 | mode) << 16
    info.compress_type = zipfile.ZIP_DEFLATED
    archive.writestr(info, data)


def write_autograder(*, key: str, out: str, spec: str | None = None, roster: str | None = None,
                     wheel: str | None = None, data: str | None = None, memory_mb: int = LIMITS.memory_mb) -> str:
    """Check the inputs, then write the zip atomically; returns one line saying what it holds."""
    keys = KeyDir.open(Path(key))
    if roster:
        read_roster(Path(roster))  # a bad roster fails here, not on Gradescope
    if memory_mb < 64:
        raise ValueError(f"--memory {memory_mb}: give at least 64 MB")
    visibility: dict[str, str] = {}
    if spec:
        from generator.spec import load_spec

        visibility = load_spec(spec).visibility_of()
    carried = data_files(data_needs(keys), data)  # before the wheel: a missing data set fails fast
    if wheel and not (Path(wheel).is_file() and Path(wheel).name.startswith("cnnlab-") and wheel.endswith(".whl")):
        raise OSError(f"{wheel}: not a cnnlab wheel file (cnnlab-*.whl)")
    settings = {"visibility": visibility, "memory_mb": memory_mb}
    with tempfile.TemporaryDirectory(prefix="cnnlab-wheel-") as folder:
        shipped = Path(wheel) if wheel else build_wheel(Path(folder))
        pins = grading_pins(shipped)
        torch_pin = next((pin for pin in pins if pin.startswith("torch==")), None)
        if torch_pin is None:
            raise OSError(f"{shipped.name} does not require torch; not a cnnlab wheel this autograder can install")
        sets = sorted({name.split("/")[1] for name in carried})
        with atomic_path(Path(out), mode=PRIVATE) as temporary, zipfile.ZipFile(temporary, "w") as archive:
            _add(archive, "setup.sh", setup_sh(torch_pin).encode(), 0o755)
            _add(archive, "run_autograder", run_autograder().encode(), 0o755)
            _add(archive, "README.md", readme(shipped.name, torch_pin, len(keys.paths), sets, memory_mb).encode())
            _add(archive, "constraints.txt", constraints_txt(pins).encode())
            _add(archive, shipped.name, shipped.read_bytes())
            _add(archive, "settings.json", json.dumps(settings, indent=1, sort_keys=True).encode())
            for student, path in keys.paths.items():
                _add(archive, f"key/{student}.json", path.read_bytes(), 0o600)
            for name, content in {**carried, **check_notebooks(keys)}.items():
                _add(archive, name, content, 0o600 if name.startswith("check/") else 0o644)
            if roster:
                _add(archive, "roster.csv", Path(roster).read_bytes())
    held = f"{len(keys.paths)} answer key(s), {shipped.name}{', roster.csv' if roster else ''}"
    held += f", training data ({', '.join(sets)})" if sets else ""
    return (f"{out}: Gradescope autograder with {held}; upload it as the assignment's autograder (keep it private; "
            "README.md inside says what setup.sh installs)")
