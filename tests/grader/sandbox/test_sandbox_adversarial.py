"""Hostile submissions: each attack is contained, earns nothing, and leaves the rest of its batch alone."""
from __future__ import annotations

import json
import os
import socket
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from generator.calls import Call
from generator.limits import Limits
from grader.sandbox import Job, Outcome, Sandbox

REPO = Path(__file__).resolve().parents[3]
SOLUTION = REPO / "solutions" / "numpy_ref" / "conv.py"
# a shared-memory bomb must fill the 256 MB cap inside one cell's 3 s, also on a loaded machine three times slower
LIMITS = Limits(cell_timeout_s=3.0, total_timeout_s=8.0, cpu_s=8.0, memory_mb=256, max_processes=16,
                max_output_bytes=20_000)
HIDDEN = np.random.default_rng(99).random(5)
FORGED = b"CNNLABR1"

CONTROL = Job("control", ("import numpy as np\ndef f(x):\n    return x + 1", "answer = 156"), ("answer",),
              (Call("f", "f", (HIDDEN,)),))


def attack_jobs(key_file: Path, port: int) -> list[Job]:
    """One job per attack; see the tests below for what each must (not) achieve."""
    secrets = [str(SOLUTION), str(key_file), str(key_file.parent), "/proc/1/root" + str(SOLUTION)]
    return [
        Job("loop", ("x = 1", "while True:\n    pass", "y = 2"), ("x", "y")),
        Job("loop_ignoring_alarm", ("import signal\nsignal.signal(signal.SIGALRM, signal.SIG_IGN)\n"
                                    "while True:\n    pass",)),
        Job("fork_bomb", ("import os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        pass",)),
        Job("memory_bomb", ("import numpy as np\nx = np.ones(1 << 31)", "survived = True"), ("survived",)),
        Job("shared_memory_bomb", ("import mmap, numpy as np\nm = mmap.mmap(-1, 2 << 30)\n"
                                   "np.frombuffer(m, dtype=np.uint8)[::4096] = 1",)),
        Job("huge_print", ("print('x' * 5_000_000)", "after = 1"), ("after",)),
        Job("endless_print", ("while True:\n    print('y' * 1000)",)),
        Job("sys_exit", ("a = 1", "import sys\nsys.exit(0)", "b = 2"), ("a", "b")),
        Job("os_exit", ("a = 1", "import os\nos._exit(0)", "b = 2"), ("a", "b")),
        Job("exit_in_call", ("import os, sys\ndef quit_():\n    sys.exit(0)\ndef die():\n    os._exit(0)",),
            calls=(Call("quit", "quit_"), Call("die", "die"))),
        Job("read_secrets", ("import os\nfound = {}\n"
                             f"for p in {secrets!r}:\n"
                             "    try:\n        found[p] = open(p).read()[:80] if not os.path.isdir(p) "
                             "else os.listdir(p)\n    except OSError as e:\n        found[p] = type(e).__name__\n"
                             f"try:\n    listing = os.listdir({str(REPO)!r})\nexcept OSError:\n    listing = []\n"
                             "hits = []\nfor d, ds, fs in os.walk('/'):\n"
                             "    ds[:] = [n for n in ds if n not in ('usr', 'proc', 'sys', 'dev', 'site-packages')"
                             " and not n.startswith('python3')]\n"
                             "    hits += [d for n in fs if n in ('conv.py', 'key.json', 'CONTRACT.md')]",),
            ("found", "listing", "hits")),
        Job("import_private", ("import solutions", "import grader", "import generator",
                               "from solutions.numpy_ref import conv", "import cnnlab")),
        Job("monkeypatch", ("import numpy as np, torch, json\nnp.allclose = lambda *a, **k: True\n"
                            "np.array_equal = lambda *a, **k: True\ntorch.allclose = lambda *a, **k: True\n"
                            "json.dumps = lambda *a, **k: '{}'\nnp.save = None\nnp.lib.format.write_array = None\n"
                            "def f(x):\n    return x + 1",), calls=(Call("f", "f", (HIDDEN,)),)),
        Job("custom_eq", ("import numpy as np\nclass Always:\n    def __eq__(self, other):\n        return True\n"
                          "    __hash__ = object.__hash__\n"
                          "class MyInt(int):\n    def __eq__(self, other):\n        return True\n"
                          "class Arr(np.ndarray):\n    def __eq__(self, other):\n        return True\n"
                          "answer = Always()\nnum = MyInt(3)\narr = np.zeros(2).view(Arr)\nboxed = [1, Always()]\n"
                          "def g():\n    return Always()",), ("answer", "num", "arr", "boxed"), (Call("g", "g"),)),
        Job("showtraceback", ("ip = get_ipython()\nip.showtraceback = lambda *a, **k: None\n"
                              "ip.showsyntaxerror = lambda *a, **k: None", "1 / 0", "x = 1"), ("x",)),
        Job("forge_results", (forger_cell(),), ("answer",)),
        Job("network", (network_cell(port),), ("net",)),
        Job("reseed", ("import numpy as np, random, torch\nnp.random.seed(123)\nrandom.seed(123)\n"
                       "torch.manual_seed(123)\nnp.random.default_rng = lambda *a, **k: None\n"
                       "def echo(x):\n    return x",), calls=(Call("echo", "echo", (HIDDEN,)),)),
    ]


def forger_cell() -> str:
    """Write a well-formed fake result claiming answer=999 everywhere, then close every fd."""
    header = json.dumps({"token": "guess", "cell_errors": [], "variables": {"answer": 999}, "results": {},
                         "problems": {}, "arrays": []})
    return ("import os, json\n"
            f"h = {header!r}.encode()\nframe = {FORGED!r} + len(h).to_bytes(8, 'big') + h\n"
            "for name in ('result', 'stdout', '/tmp/result', '/io/jobs/1/result'):\n"
            "    try:\n        open(name, 'wb').write(frame)\n    except OSError:\n        pass\n"
            "for fd in range(3, 256):\n    try:\n        os.write(fd, frame)\n    except OSError:\n        pass\n"
            "answer = 1\n"
            "for fd in range(3, 256):\n    try:\n        os.close(fd)\n    except OSError:\n        pass")


def network_cell(port: int) -> str:
    return ("import socket\nnet = {}\n"
            f"for host, port in (('127.0.0.1', {port}), ('1.1.1.1', 53), ('8.8.8.8', 443)):\n"
            "    try:\n        socket.create_connection((host, port), timeout=1).close()\n"
            "        net[host] = 'connected'\n    except OSError as e:\n        net[host] = type(e).__name__")


@pytest.fixture(scope="module")
def listener() -> Iterator[socket.socket]:
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    server.settimeout(0)
    yield server
    server.close()


@pytest.fixture(scope="module")
def key_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("answer-key")
    path = folder / "key.json"
    path.write_text(json.dumps({"questions": [{"qid": "q1", "answer": 156}]}))
    return path


@pytest.fixture(scope="module")
def outcomes(key_file: Path, listener: socket.socket) -> dict[str, Outcome]:
    jobs = attack_jobs(key_file, listener.getsockname()[1])
    controls = [Job(f"control{i}", CONTROL.cells, CONTROL.variables, CONTROL.calls) for i in range(4)]
    batch = [item for pair in zip(jobs, controls * 5) for item in pair]
    with Sandbox(workers=2, limits=LIMITS, hide=[key_file.parent]) as box:
        results = list(box.map(batch))
    assert len(results) == len(batch)
    return {o.job_id: o for o in results}


def test_honest_jobs_in_the_same_batch_are_untouched(outcomes: dict[str, Outcome]) -> None:
    for job_id in ("control0", "control1", "control2", "control3"):
        outcome = outcomes[job_id]
        assert outcome.status == "ok", (job_id, outcome.reason)
        assert outcome.variables == {"answer": 156}
        np.testing.assert_array_equal(outcome.results["f"], HIDDEN + 1)


def test_infinite_loops_time_out_in_their_cell(outcomes: dict[str, Outcome]) -> None:
    loop = outcomes["loop"]
    assert loop.status == "timeout" and [(e.cell, e.name) for e in loop.cell_errors] == [(1, "Timeout")]
    assert loop.variables == {"x": 1, "y": 2}
    stubborn = outcomes["loop_ignoring_alarm"]
    assert stubborn.status == "timeout" and stubborn.stopped_in == ("cell", 0)


def test_fork_bomb_is_capped_and_cleared(outcomes: dict[str, Outcome]) -> None:
    assert outcomes["fork_bomb"].status == "timeout"
    assert outcomes["fork_bomb"].seconds < LIMITS.total_timeout_s + 20  # stopped by the limit, not by chance


def test_memory_bombs_hit_the_cap(outcomes: dict[str, Outcome]) -> None:
    bomb = outcomes["memory_bomb"]
    assert bomb.status == "memory" and bomb.cell_errors[0].name == "MemoryError"
    shared = outcomes["shared_memory_bomb"]
    if "no cgroup" in shared.isolation:  # rlimits cannot see shared memory: the report must say so
        assert shared.status in ("ok", "memory", "timeout", "crashed")
    else:
        assert shared.status == "memory", shared.reason


def test_output_is_capped_and_flagged(outcomes: dict[str, Outcome]) -> None:
    huge = outcomes["huge_print"]
    assert huge.status == "output_limit" and huge.output_truncated
    assert len(huge.stdout.encode()) <= LIMITS.max_output_bytes
    assert huge.variables == {"after": 1}
    endless = outcomes["endless_print"]
    assert endless.status == "timeout" and endless.output_truncated
    assert len(endless.stdout.encode()) <= LIMITS.max_output_bytes


def test_exits_cannot_fake_a_pass(outcomes: dict[str, Outcome]) -> None:
    sys_exit = outcomes["sys_exit"]
    assert sys_exit.status == "ok" and sys_exit.cell_errors[0][:2] == (1, "SystemExit")
    assert sys_exit.variables == {"a": 1, "b": 2}
    os_exit = outcomes["os_exit"]
    assert os_exit.status == "crashed" and os_exit.stopped_in == ("cell", 1)
    assert os_exit.variables == {} and set(os_exit.problems) == {"a", "b"}  # no checkpoints: read only at the end
    in_call = outcomes["exit_in_call"]
    assert in_call.status == "crashed" and in_call.results == {} and in_call.stopped_in == ("call", 1)


def test_solutions_grader_and_key_are_invisible(outcomes: dict[str, Outcome], key_file: Path) -> None:
    secret_text = SOLUTION.read_text()[:80]
    outcome = outcomes["read_secrets"]
    assert outcome.status == "ok", outcome.reason
    if outcome.isolation.startswith("WEAK"):  # no namespaces here: the report must say it loudly
        assert "solutions/ and the key are readable" in outcome.isolation
        return
    found = outcome.variables["found"]
    assert set(found.values()) <= {"FileNotFoundError", "PermissionError"}, found
    assert secret_text not in json.dumps(outcome.variables) and "156" not in json.dumps(found)
    assert outcome.variables["listing"] in ([], [".venv"])
    assert outcome.variables["hits"] == []
    assert outcome.isolation.startswith("bubblewrap")


def test_private_packages_cannot_be_imported(outcomes: dict[str, Outcome]) -> None:
    errors = outcomes["import_private"].cell_errors
    assert [(e.cell, e.name) for e in errors] == [(i, "ModuleNotFoundError") for i in range(5)]


def test_monkeypatching_changes_nothing_here(outcomes: dict[str, Outcome]) -> None:
    outcome = outcomes["monkeypatch"]
    assert outcome.status == "ok", outcome.reason
    result = outcome.results["f"]
    assert type(result) is np.ndarray and result.dtype == np.float64
    np.testing.assert_array_equal(result, HIDDEN + 1)
    assert not np.allclose(result, HIDDEN) and not np.array_equal(np.zeros(2), np.ones(2))


def test_custom_eq_objects_are_problems_not_values(outcomes: dict[str, Outcome]) -> None:
    outcome = outcomes["custom_eq"]
    assert outcome.variables == {} and outcome.results == {}
    assert set(outcome.problems) == {"answer", "num", "arr", "boxed", "g"}
    assert all(p.startswith("not plain data") for p in outcome.problems.values())


def test_overriding_showtraceback_does_not_hide_errors(outcomes: dict[str, Outcome]) -> None:
    outcome = outcomes["showtraceback"]
    assert [(e.cell, e.name) for e in outcome.cell_errors] == [(1, "ZeroDivisionError")]
    assert outcome.variables == {"x": 1}


def test_forged_result_files_and_frames_are_not_trusted(outcomes: dict[str, Outcome]) -> None:
    outcome = outcomes["forge_results"]
    assert outcome.variables.get("answer") != 999
    assert outcome.status == "crashed"


def test_network_is_unreachable(outcomes: dict[str, Outcome], listener: socket.socket) -> None:
    net = outcomes["network"].variables["net"]
    assert "connected" not in net.values() and len(net) == 3
    with pytest.raises(BlockingIOError):
        listener.accept()


def test_reseeding_the_child_does_not_touch_hidden_inputs(outcomes: dict[str, Outcome]) -> None:
    np.testing.assert_array_equal(outcomes["reseed"].results["echo"], HIDDEN)
    np.testing.assert_array_equal(np.random.default_rng(99).random(5), HIDDEN)


def test_one_worker_survives_a_sequence_of_attacks() -> None:
    """On a single worker: kill attempts, a segfault and leftovers do not reach the next job."""
    jobs = [
        Job("kill_everyone", ("import os, signal\nfor pid in range(1, 64):\n    try:\n"
                              "        os.kill(pid, signal.SIGKILL)\n    except OSError:\n        pass",)),
        Job("segfault", ("import ctypes\nctypes.string_at(0)",)),
        Job("leftovers", ("import os, subprocess\nopen('/tmp/planted', 'w').write('x')\n"
                          "open('/dev/shm/planted', 'w').write('x')\n"
                          "subprocess.Popen(['sleep', '30'], start_new_session=True)\nleaked = 1",)),
        Job("after", ("import os\nuid = os.getuid()\nplanted = [os.path.exists(p) for p in "
                      "('/tmp/planted', '/dev/shm/planted')]\nleaked = 'leaked' in globals()\n"
                      "procs = sorted(int(p) for p in os.listdir('/proc') if p.isdigit())\n"
                      "try:\n    os.setuid(0)\n    root = True\nexcept PermissionError:\n    root = False",),
            ("uid", "planted", "leaked", "procs", "root")),
    ]
    with Sandbox(workers=1, limits=LIMITS) as box:
        zygote = box.workers[0].process
        results = {o.job_id: o for o in box.map(jobs)}
        assert box.workers[0].process is zygote
    assert results["kill_everyone"].status == "crashed"
    assert results["segfault"].status == "crashed" and "signal 11" in results["segfault"].reason
    after = results["after"]
    assert after.status == "ok", after.reason
    assert after.variables["planted"] == [False, False] and after.variables["leaked"] is False
    assert after.variables["root"] is False
    if os.geteuid() == 0:
        assert after.variables["uid"] != 0
    if after.isolation.startswith("bubblewrap"):
        assert len(after.variables["procs"]) <= 3  # bubblewrap's init, the zygote, this child
