"""Values come back as they become final: a fault in one cell costs only what had not come back yet."""
from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest

from generator.calls import Call
from generator.limits import Limits
from grader.sandbox import Job, Outcome, Sandbox
from grader.sandbox.wire import parse_result

LIMITS = Limits(cell_timeout_s=2.0, total_timeout_s=8.0, cpu_s=8.0, memory_mb=512, max_processes=16,
                max_output_bytes=20_000)
X = np.arange(4.0)
ANSWER_A, CODE, ANSWER_B = "a = 1", "def f(x):\n    return x + 1", "b = 2"

# fault -> does the run go on after the faulty cell (the cell alone fails) or stop there
FAULTS = {
    "crash": ("import os\nos._exit(0)", False),
    "kill_group": ("import os, signal\nos.killpg(0, signal.SIGKILL)", False),
    "stubborn_loop": ("import signal\nsignal.signal(signal.SIGALRM, signal.SIG_IGN)\nwhile True:\n    pass", False),
    "loop": ("while True:\n    pass", True),
    "memory_error": ("import numpy as np\nx = np.ones(1 << 31)", True),
    "output_flood": ("print('x' * 2_000_000)", True),
}
STATUS = {"crash": "crashed", "kill_group": "crashed", "stubborn_loop": "timeout", "loop": "timeout",
          "memory_error": "memory", "output_flood": "output_limit"}


def job(fault: str, position: int) -> Job:
    """Answer a, code question f, answer b, with the fault inserted before, between or after them."""
    cells = [ANSWER_A, CODE, ANSWER_B]
    cells.insert(position, FAULTS[fault][0])
    home = {name: cells.index(source) for name, source in (("a", ANSWER_A), ("f/x", CODE), ("b", ANSWER_B))}
    return Job(f"{fault}@{position}", tuple(cells), ("a", "b"), (Call("f/x", "f", (X,)),), checkpoints=home)


@pytest.fixture(scope="module")
def outcomes() -> Iterator[dict[str, Outcome]]:
    jobs = [job(fault, position) for fault in FAULTS for position in range(4)]
    with Sandbox(workers=2, limits=LIMITS) as box:
        yield {o.job_id: o for o in box.map(jobs)}


@pytest.mark.parametrize("position", range(4))
@pytest.mark.parametrize("fault", FAULTS)
def test_a_fault_voids_only_the_values_that_had_not_come_back(outcomes: dict[str, Outcome], fault: str,
                                                              position: int) -> None:
    outcome = outcomes[f"{fault}@{position}"]
    goes_on = FAULTS[fault][1]
    assert outcome.status == STATUS[fault], outcome.reason
    survived = {"a": position > 0 or goes_on, "f/x": position > 1 or goes_on, "b": position > 2 or goes_on}
    assert ("a" in outcome.variables) == survived["a"]
    assert ("b" in outcome.variables) == survived["b"]
    assert ("f/x" in outcome.results) == survived["f/x"]
    if survived["f/x"]:
        np.testing.assert_array_equal(outcome.results["f/x"], X + 1)
    for name, kept in survived.items():
        assert kept or name in outcome.problems
    assert (outcome.stopped_in is None) == goes_on
    if not goes_on:
        assert outcome.stopped_in == ("cell", position)


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    with Sandbox(workers=1, limits=LIMITS) as box:
        yield box


def test_calls_run_after_their_cell_and_again_only_when_redefined_or_failed(sandbox: Sandbox) -> None:
    cells = ("count = [0]\ndef once():\n    count[0] += 1\n    return count[0]",
             "def later():\n    return helper() * 2",
             "def changed():\n    return 1",
             "def helper():\n    return 21\ndef changed():\n    return 2")
    calls = (Call("once", "once"), Call("later", "later"), Call("changed", "changed"), Call("end", "changed"))
    outcome = sandbox.run(Job("calls", cells, calls=calls, checkpoints={"once": 0, "later": 1, "changed": 2}))
    assert outcome.status == "ok", outcome.reason
    assert outcome.results["once"] == 1  # ran once, after its cell: the end did not run it again
    assert outcome.results["later"] == 42  # a NameError after its cell; run again at the end, where it works
    assert outcome.results["changed"] == 2 == outcome.results["end"]  # redefined later: the last definition counts
    assert outcome.problems == {}


def test_the_last_reading_of_a_variable_counts(sandbox: Sandbox) -> None:
    outcome = sandbox.run(Job("last", ("a = 1", "a = 5"), ("a",), checkpoints={"a": 0}))
    assert outcome.variables == {"a": 5}


def test_a_cut_short_or_forged_frame_keeps_the_frames_before_it() -> None:
    job = Job("j", ("a = 1", "b = 2"), ("a", "b"))

    def frame(token: str, **header: object) -> bytes:
        import json

        data = json.dumps({"token": token, "arrays": [], **header}).encode()
        return b"CNNLABR1" + len(data).to_bytes(8, "big") + data

    first = frame("t", cell=0, variables={"a": 1})
    for tail in (frame("t", cell=1, variables={"b": 2})[:-3], frame("forged", cell=1, variables={"a": 9}), b"junk"):
        parsed = parse_result(first + tail, job, "t")
        assert parsed.variables == {"a": 1} and parsed.cells_done == 1
        assert not parsed.finished and parsed.broken
    whole = parse_result(first + frame("t", cell=1, variables={"b": 2}) + frame("t", cell=None, final=True),
                         job, "t")
    assert whole.variables == {"a": 1, "b": 2} and whole.finished and not whole.broken
