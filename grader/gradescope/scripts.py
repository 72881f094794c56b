"""The texts of an autograder.zip: setup.sh, run_autograder, constraints.txt and README.md.

setup.sh uses three sources, each for what only it has: Ubuntu's own archive (bubblewrap, and the Python of the base
image's release: python3.11 from jammy-updates on 22.04, python3.12 on 24.04, no PPA), PyTorch's CPU-only index
(the torch wheel alone, `--no-deps`, so no CUDA wheels) and PyPI (everything else), every package pinned by
constraints.txt to the version tested where the zip was exported. Its last step grades the zip's own correct and
blank notebooks (`cnnlab autograde --check`), so an upload that cannot grade fails to build.
"""

from __future__ import annotations

import platform

VENV = "/opt/cnnlab/venv"
TORCH_INDEX = "https://download.pytorch.org/whl/cpu"
PYTHONS = {"22.04": "python3.11", "24.04": "python3.12"}  # Gradescope's Ubuntu base images -> Ubuntu's own Python


def setup_sh(torch_pin: str) -> str:
    """setup.sh: Gradescope runs it once, as root, when it builds the image."""
    cases = "\n".join(f"  {release}) PYTHON={python} ;;" for release, python in PYTHONS.items())
    return f"""#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder image (Ubuntu 22.04 or 24.04): README.md says why
# each step is here and where it downloads from.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
SOURCE=/autograder/source
. /etc/os-release
case "${{VERSION_ID:-}}" in
{cases}
  *) echo "cnnlab: Ubuntu ${{VERSION_ID:-?}} is not a base image this autograder knows (22.04, 24.04)" >&2; exit 1 ;;
esac
apt-get update
apt-get install -y --no-install-recommends bubblewrap ca-certificates "$PYTHON" "$PYTHON-venv"
"$PYTHON" -m venv {VENV}
{VENV}/bin/pip install --no-deps --index-url {TORCH_INDEX} '{torch_pin}'  # the CPU build alone
{VENV}/bin/pip install --constraint "$SOURCE/constraints.txt" "$SOURCE"/cnnlab-*.whl  # PyPI, every version pinned
chmod 0700 "$SOURCE/key" "$SOURCE/check"  # answers: root only, as the sandbox runs student code as another uid
{VENV}/bin/python -m cnnlab autograde --check --root /autograder  # grade the zip's correct and blank notebooks
"""


def run_autograder() -> str:
    """run_autograder: Gradescope runs it for every submission."""
    return f"""#!/usr/bin/env bash
# Gradescope runs this for every submission: grade /autograder/submission into /autograder/results/results.json.
# CNNLAB_AUTOGRADER_ROOT (default /autograder) and CNNLAB_PYTHON (default {VENV}/bin/python) are for tests.
export CNNLAB_AUTOGRADER_ROOT="${{CNNLAB_AUTOGRADER_ROOT:-/autograder}}"
export CNNLAB_DATA="$CNNLAB_AUTOGRADER_ROOT/source/data"  # the training data the zip carries
exec "${{CNNLAB_PYTHON:-{VENV}/bin/python}}" -m cnnlab autograde --root "$CNNLAB_AUTOGRADER_ROOT"
"""


def constraints_txt(pins: list[str]) -> str:
    """constraints.txt: the tested version of every package the grading install pulls in."""
    return (f"# Every package cnnlab's grading install needs, at the version tested with Python "
            f"{platform.python_version()} where this zip was exported (pip freeze, restricted to grading).\n"
            + "".join(f"{pin}\n" for pin in pins))


def readme(wheel: str, torch_pin: str, keys: int, data: list[str], memory_mb: int) -> str:
    """README.md: what the zip holds, what setup.sh does and from where, the Python it uses."""
    pythons = "; ".join(f"Ubuntu {release}: `{python}` from Ubuntu's own archive"
                        for release, python in PYTHONS.items())
    carried = ", ".join(data) if data else "none (no question trains a model)"
    return f"""# cnnlab autograder for Gradescope

Upload this zip as the assignment's autograder (keep it private: it holds {keys} answer key(s)). Choose the
Ubuntu 22.04 or 24.04 base image.

**Python:** {pythons}; a venv in `{VENV}`. The packages were tested with Python {platform.python_version()}.

## What setup.sh does, and where each download comes from

1. `apt-get install bubblewrap ca-certificates python3.X python3.X-venv`: Ubuntu's archive (the sandbox, the Python).
2. `pip install --no-deps {torch_pin}` from {TORCH_INDEX}: the CPU-only torch wheel, nothing else.
3. `pip install --constraint constraints.txt {wheel}`: cnnlab's grading dependencies from PyPI, each pinned in
   constraints.txt (no typst, pandoc or segno: those are the `exam` extra, for printed exams only).
4. `cnnlab autograde --check`: grades `check/correct.ipynb` (full marks expected) and `check/blank.ipynb`
   (0 expected); the build fails if either does not, so a broken upload shows at once.

## What the zip holds

- `run_autograder`: sets `CNNLAB_DATA` to `source/data` and runs `cnnlab autograde`.
- `key/`: the answer keys (made 0700 by setup.sh); `settings.json`: per-question visibility, the sandbox's memory
  ({memory_mb} MB); `roster.csv` when exported with `--roster`.
- `data/`: training data the questions need: {carried}.
- `check/`: the two notebooks of step 4, built from one key.
"""
