"""A 10 GiB zip bomb in a class zip: its entry is rejected on its own, the others grade, and memory stays flat.

The bomb is built by hand in a second: one deflated MiB of zeros, flushed so that it can be repeated 10240 times
into one valid deflate stream, in a zip64 archive (10 MB on disk; `unzip -l` lists 10737418240 bytes).
"""

from __future__ import annotations

import json
import struct
import subprocess
import sys
import zlib
from pathlib import Path
from typing import Any

import pytest

from grader.pipeline.records import GradedSubmission
from grader.pipeline.store import Store
from tests.grader.classroom import correct_class

REPO = Path(__file__).resolve().parents[3]
MIB = 2**20
BOMB = 10 * 1024 * MIB
BOMB_CRC = 0xF41D912F  # zlib.crc32 of 10 GiB of zeros (5 s to compute again, so written down)
LIAR = MIB  # what the second member's header claims: the stream behind it is the same 10 GiB
MEMORY_BOUND = 300 * MIB
MEASURE = """
import json, resource, sys
import cnnlab, cnnlab.commands.grade  # everything the grader imports, torch included, is the baseline
try:  # the peak so far is the imports'; from here on it is grading's (Linux: reset the high-water mark to now)
    with open("/proc/self/clear_refs", "w") as clear:
        clear.write("5")
except OSError:
    pass
baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
code = cnnlab.main(sys.argv[2:])
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
open(sys.argv[1], "w").write(json.dumps({"code": code, "baseline_kib": baseline, "peak_kib": peak}))
"""


def deflated_zeros(size: int) -> bytes:
    """A raw deflate stream of size zero bytes: a full flush makes one compressed MiB repeatable."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    segment = compressor.compress(bytes(MIB)) + compressor.flush(zlib.Z_FULL_FLUSH)
    return segment * (size // MIB) + compressor.flush(zlib.Z_FINISH)


def write_zip64(path: Path, members: list[tuple[str, bytes, int, int, int]]) -> None:
    """(name, data as stored, method, crc, size it inflates to) each -> a zip64 archive, with every size in zip64."""
    out, central = bytearray(), bytearray()
    for name, data, method, crc, size in members:
        raw, extra = name.encode(), struct.pack("<HHQQ", 1, 16, size, len(data))
        fields = (45, 0, method, 0, 0x21, crc, 0xFFFFFFFF, 0xFFFFFFFF, len(raw), len(extra))  # needs zip64
        central += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 45, *fields, 0, 0, 0, 0, len(out)) + raw + extra
        out += struct.pack("<IHHHHHIIIHH", 0x04034B50, *fields) + raw + extra + data
    start, count = len(out), len(members)
    out += central
    end64 = len(out)
    out += struct.pack("<IQHHIIQQQQ", 0x06064B50, 44, 45, 45, 0, 0, count, count, len(central), start)
    out += struct.pack("<IIQI", 0x07064B50, 0, end64, 1)
    out += struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, count, count, len(central), start, 0)
    path.write_bytes(bytes(out))


def _grade_measured(folder: Path, key: Path, out: Path) -> dict[str, Any]:
    """`cnnlab grade` in a fresh process: exit code, and its peak memory before and after grading (KiB)."""
    result = out.parent / f"{out.name}.json"
    subprocess.run([sys.executable, "-c", MEASURE, str(result), "grade", str(folder), "--key", str(key), "--out",
                    str(out)], cwd=REPO, check=True, capture_output=True, timeout=600)
    return json.loads(result.read_text())


@pytest.fixture(scope="module")
def graded(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], dict[str, GradedSubmission]]:
    """A class zip holding the correct notebook, the 10 GiB bomb and a member whose header understates it, graded."""
    root = tmp_path_factory.mktemp("bomb")
    key, good = correct_class(root)
    text = json.dumps(good).encode()
    bomb = deflated_zeros(BOMB)
    folder = root / "submissions"
    folder.mkdir()
    write_zip64(folder / "class.zip", [("s001_correct.ipynb", text, 0, zlib.crc32(text), len(text)),
                                       ("s001_bomb.ipynb", bomb, 8, BOMB_CRC, BOMB),
                                       ("s001_liar.ipynb", bomb, 8, zlib.crc32(bytes(LIAR)), LIAR)])
    assert (folder / "class.zip").stat().st_size < 25 * MIB
    measured = _grade_measured(folder, key, root / "out")
    return measured, {r.filename: r for r in Store(root / "out").records()}


def test_bomb_is_its_own_rejected_record(graded: tuple[dict[str, Any], dict[str, GradedSubmission]]) -> None:
    measured, records = graded
    assert measured["code"] == 0 and set(records) == {"s001_correct.ipynb", "s001_bomb.ipynb", "s001_liar.ipynb"}
    bomb = records["s001_bomb.ipynb"]
    assert bomb.status == "rejected" and bomb.points == 0 and bomb.label == "class.zip:s001_bomb.ipynb"
    assert bomb.notes[0] == "s001_bomb.ipynb: inflates to 10240 MB, over the 512 MB limit"


def test_a_header_that_understates_inflates_no_further(graded: tuple[dict[str, Any],
                                                                     dict[str, GradedSubmission]]) -> None:
    liar = graded[1]["s001_liar.ipynb"]
    assert liar.status == "rejected" and liar.notes[0].startswith("s001_liar.ipynb: not JSON"), liar.notes


def test_other_members_still_grade(graded: tuple[dict[str, Any], dict[str, GradedSubmission]]) -> None:
    correct = graded[1]["s001_correct.ipynb"]
    assert correct.status == "graded" and correct.points == correct.max_points == 28


def test_peak_memory_stays_near_the_baseline(graded: tuple[dict[str, Any], dict[str, GradedSubmission]]) -> None:
    measured = graded[0]
    grown = (measured["peak_kib"] - measured["baseline_kib"]) * 1024
    assert grown < MEMORY_BOUND, f"grading the bomb took {grown / MIB:.0f} MB over the baseline"
