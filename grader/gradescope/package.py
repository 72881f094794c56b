"""`cnnlab export gradescope`: an autograder.zip laid out as Gradescope's autograder specification asks.

The zip's root holds setup.sh (Python >= 3.11, the CPU torch, bubblewrap and cnnlab on Gradescope's Ubuntu image),
run_autograder (runs `cnnlab autograde`: grader/gradescope/autograder.py), cnnlab as a wheel built from this checkout (`pip wheel --no-deps`,
or --wheel), key/ (every answer key: Gradescope keeps the autograder's files from students), settings.json
(per-question visibility from the spec) and, with --roster, roster.csv. The zip is written 0600: it holds the keys.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from generator.files import PRIVATE, atomic_path
from grader.pipeline.answer_key import KeyDir
from grader.pipeline.roster import read_roster

TORCH = "torch==2.13.0"
TORCH_INDEX = "https://download.pytorch.org/whl/cpu"
VENV = "/opt/cnnlab/venv"
SETUP = f"""#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder image (Ubuntu): everything cnnlab needs.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y --no-install-recommends bubblewrap ca-certificates python3 python3-venv python3-pip
PYTHON=python3
if ! python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then  # Ubuntu 22.04 has 3.10
  apt-get install -y --no-install-recommends software-properties-common
  add-apt-repository -y ppa:deadsnakes/ppa
  apt-get update
  apt-get install -y --no-install-recommends python3.12 python3.12-venv
  PYTHON=python3.12
fi
"$PYTHON" -m venv {VENV}
{VENV}/bin/pip install --upgrade pip
{VENV}/bin/pip install {TORCH} --index-url {TORCH_INDEX}  # the CPU build first, so no CUDA wheels are pulled
{VENV}/bin/pip install /autograder/source/cnnlab-*.whl
chmod 0700 /autograder/source/key
"""
RUN = f"""#!/usr/bin/env bash
# Gradescope runs this for every submission: grade /autograder/submission into /autograder/results/results.json.
# CNNLAB_AUTOGRADER_ROOT (default /autograder) and CNNLAB_PYTHON (default {VENV}/bin/python) are for tests.
export CNNLAB_AUTOGRADER_ROOT="${{CNNLAB_AUTOGRADER_ROOT:-/autograder}}"
exec "${{CNNLAB_PYTHON:-{VENV}/bin/python}}" -m cnnlab autograde --root "$CNNLAB_AUTOGRADER_ROOT"
"""


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
                     wheel: str | None = None) -> str:
    """Check the inputs, then write the zip atomically; returns one line saying what it holds."""
    keys = KeyDir.open(Path(key))
    if roster:
        read_roster(Path(roster))  # a bad roster fails here, not on Gradescope
    visibility: dict[str, str] = {}
    if spec:
        from generator.spec import load_spec

        visibility = load_spec(spec).visibility_of()
    if wheel and not (Path(wheel).is_file() and Path(wheel).name.startswith("cnnlab-") and wheel.endswith(".whl")):
        raise OSError(f"{wheel}: not a cnnlab wheel file (cnnlab-*.whl)")
    with tempfile.TemporaryDirectory(prefix="cnnlab-wheel-") as folder:
        shipped = Path(wheel) if wheel else build_wheel(Path(folder))
        with atomic_path(Path(out), mode=PRIVATE) as temporary, zipfile.ZipFile(temporary, "w") as archive:
            _add(archive, "setup.sh", SETUP.encode(), 0o755)
            _add(archive, "run_autograder", RUN.encode(), 0o755)
            _add(archive, shipped.name, shipped.read_bytes())
            _add(archive, "settings.json", json.dumps({"visibility": visibility}, indent=1, sort_keys=True).encode())
            for student, path in keys.paths.items():
                _add(archive, f"key/{student}.json", path.read_bytes(), 0o600)
            if roster:
                _add(archive, "roster.csv", Path(roster).read_bytes())
    return (f"{out}: Gradescope autograder with {len(keys.paths)} answer key(s), {shipped.name}"
            f"{', roster.csv' if roster else ''}; upload it as the assignment's autograder (keep it private)")
