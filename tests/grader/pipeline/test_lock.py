"""One grader per output folder: a second `cnnlab grade` on the same --out stops at once (exit 2, one line naming
the first one's pid) instead of grading everything a second time; the lock ends with its process."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from grader.pipeline.store import LOCK, Store

REPO = Path(__file__).resolve().parents[3]
HOLD = "import sys, time\nfrom pathlib import Path\nfrom grader.pipeline.store import Store\n" \
       "with Store(Path(sys.argv[1])).exclusive():\n    print('held', flush=True)\n    time.sleep(600)\n"


@pytest.fixture()
def keys(tmp_path: Path) -> Path:
    """A key folder that opens (the lock is taken before any key is read)."""
    (tmp_path / "key").mkdir()
    (tmp_path / "key" / "s1.json").write_text("{}")
    return tmp_path / "key"


def test_second_grader_stops_with_one_line_naming_the_first(tmp_path: Path, keys: Path) -> None:
    out = tmp_path / "out"
    (tmp_path / "s1.ipynb").write_text("{}")
    with Store(out).exclusive():
        second = subprocess.run([sys.executable, "-m", "cnnlab", "grade", str(tmp_path / "s1.ipynb"), "--key",
                                 str(keys), "--out", str(out)], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert second.returncode == 2 and second.stdout == ""
    assert second.stderr == (f"cnnlab: error: {out}: another grader (pid {os.getpid()}) is grading into this folder; "
                             "wait for it to finish or choose another --out\n")
    assert sorted(p.name for p in out.iterdir()) == [LOCK], "the second grader wrote nothing"


def test_the_lock_ends_with_its_process(tmp_path: Path) -> None:
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(tmp_path)], cwd=REPO, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "held\n"
        with pytest.raises(OSError, match=rf"another grader \(pid {holder.pid}\)"), Store(tmp_path).exclusive():
            pass
    finally:
        holder.kill()
        holder.wait(timeout=60)
    with Store(tmp_path).exclusive():  # killed, not cleaned up: the lock went with the process
        assert (tmp_path / LOCK).read_text() == f"{os.getpid()}\n"
