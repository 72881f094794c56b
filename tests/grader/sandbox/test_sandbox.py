"""The sandbox runs honest notebooks faithfully: values, call results, magics, display, limits, restarts."""
from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from generator.calls import Call
from generator.limits import Limits
from grader.sandbox import CellError, Job, Outcome, Sandbox
from grader.sandbox.isolation import make_plan
from grader.sandbox.wire import BadResult, parse_result

LIMITS = Limits(cell_timeout_s=2.0, total_timeout_s=5.0, cpu_s=8.0, memory_mb=512, max_processes=16,
                max_output_bytes=20_000)

CONV_CELLS = (
    "import numpy as np\nimport torch",
    "def double(x):\n    return x * 2\n",
    "def conv1d(x, w, stride=1):\n"
    "    n = (len(x) - len(w)) // stride + 1\n"
    "    return np.array([x[i*stride:i*stride+len(w)] @ w for i in range(n)])\n",
    "answer_q1 = 156\nshape_q2 = (6, 28, 28)\nname_q3 = 'relu'\nratio = np.float32(0.5)\nflags = [True, None]",
    "class Net(torch.nn.Module):\n"
    "    def __init__(self, classes=10):\n"
    "        super().__init__()\n"
    "        self.conv = torch.nn.Conv2d(1, 6, 5)\n"
    "        self.pool = torch.nn.MaxPool2d(2)\n"
    "        self.fc = torch.nn.Linear(6 * 12 * 12, classes)\n"
    "    def forward(self, x):\n"
    "        return self.fc(self.pool(self.conv(x)).flatten(1))\n",
)


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    with Sandbox(workers=2, limits=LIMITS) as box:
        yield box


def run(sandbox: Sandbox, *cells: str, variables: tuple[str, ...] = (), calls: tuple[Call, ...] = (),
        **kwargs: object) -> Outcome:
    return sandbox.run(Job("t", tuple(cells), variables, calls, **kwargs))  # type: ignore[arg-type]


def test_variables_and_call_results_come_back_as_plain_data(sandbox: Sandbox) -> None:
    x = np.arange(6, dtype=np.float64)
    calls = (Call("double/int", "double", (21,)), Call("double/array", "double", (x,)),
             Call("conv", "conv1d", (x, np.array([1.0, -1.0])), {"stride": 2}),
             Call("tuple", "double", ((1, 2),)))
    outcome = run(sandbox, *CONV_CELLS, variables=("answer_q1", "shape_q2", "name_q3", "ratio", "flags"),
                  calls=calls)
    assert outcome.status == "ok", outcome.reason
    assert outcome.cell_errors == ()
    assert outcome.variables == {"answer_q1": 156, "shape_q2": [6, 28, 28], "name_q3": "relu",
                                 "ratio": 0.5, "flags": [True, None]}
    assert outcome.results["double/int"] == 42
    np.testing.assert_array_equal(outcome.results["double/array"], x * 2)
    np.testing.assert_array_equal(outcome.results["conv"], [-1.0, -1.0, -1.0])
    assert outcome.results["tuple"] == [1, 2, 1, 2]
    assert outcome.problems == {}
    assert outcome.isolation


def test_tensors_return_as_arrays_and_module_summary_probes_the_model(sandbox: Sandbox) -> None:
    calls = (Call("net", "Net", ((1, 1, 28, 28),), {"classes": 10}, probe="module_summary"),
             Call("torch", "double_t", (np.ones(2),)),
             Call("tensor", "double_torch", (np.ones((2, 2), dtype=np.float32),)))
    outcome = run(sandbox, *CONV_CELLS, "t = torch.ones(3, requires_grad=True) * 3",
                  "def double_torch(x):\n    return torch.from_numpy(x) * 2", variables=("t",), calls=calls)
    assert outcome.variables["t"] == [3.0, 3.0, 3.0]
    summary = outcome.results["net"]
    assert summary["params"] == 6 * 25 + 6 + 6 * 12 * 12 * 10 + 10
    assert summary["output_shape"] == [1, 10]
    assert [c["name"] for c in summary["children"]] == ["conv", "pool", "fc"]
    assert summary["children"][0]["output_shape"] == [1, 6, 24, 24]
    assert outcome.problems["torch"] == "NameError: double_t is not defined"
    np.testing.assert_array_equal(outcome.results["tensor"], np.full((2, 2), 2.0, dtype=np.float32))


def test_missing_and_unplain_names_are_problems_not_values(sandbox: Sandbox) -> None:
    outcome = run(sandbox, "s = {1, 2}\nf = lambda: 0\nobj = np.array([object()])", "import numpy as np",
                  "obj = np.array([object()], dtype=object)", variables=("s", "f", "obj", "nope"))
    assert outcome.variables == {}
    assert set(outcome.problems) == {"s", "f", "obj", "nope"}
    assert outcome.problems["nope"] == "not defined"
    assert "not plain data" in outcome.problems["s"]


def test_magics_display_and_shell_behave_as_in_jupyter(sandbox: Sandbox) -> None:
    outcome = run(sandbox, "%time x = 6 * 7", "display('shown by display')", "x + 1",
                  "%matplotlib inline\nimport matplotlib.pyplot as plt\nplt.plot([1, 2]); plt.show()",
                  "print('done', x)", variables=("x",))
    assert outcome.status == "ok", (outcome.reason, outcome.cell_errors)
    assert outcome.variables == {"x": 42}
    assert "Wall time" in outcome.stdout
    assert "shown by display" in outcome.stdout
    assert "Out[3]: 43" in outcome.stdout
    assert "done 42" in outcome.stdout


def test_cell_errors_name_the_cell_and_later_cells_still_run(sandbox: Sandbox) -> None:
    outcome = run(sandbox, "a = 1", "1 / 0", "def broken(:", "b = 2", variables=("a", "b"))
    assert outcome.status == "ok"
    assert outcome.cell_errors[0] == CellError(1, "ZeroDivisionError", "ZeroDivisionError: division by zero")
    assert outcome.cell_errors[1].cell == 2 and outcome.cell_errors[1].name == "SyntaxError"
    assert outcome.variables == {"a": 1, "b": 2}


def test_per_cell_timeout_reports_which_cell(sandbox: Sandbox) -> None:
    outcome = run(sandbox, "a = 1", "import time\nwhile True:\n    time.sleep(0.01)", "b = 2", variables=("a", "b"))
    assert outcome.status == "timeout"
    assert [(e.cell, e.name) for e in outcome.cell_errors] == [(1, "Timeout")]
    assert outcome.reason == "ran longer than 2 s"  # which cell: cell_errors (job cell 1), never the reason
    assert outcome.variables == {"a": 1, "b": 2}


def test_total_timeout_stops_a_submission_of_slow_cells(sandbox: Sandbox) -> None:
    slow = "import time\ntime.sleep(1.5)"
    outcome = run(sandbox, *[slow] * 30)
    assert outcome.status == "timeout"
    assert "submission ran longer" in outcome.reason
    assert outcome.seconds < LIMITS.total_timeout_s + 20  # stopped by the total limit, not after 30 cells of 1.5 s


def test_files_are_placed_in_the_scratch_folder_and_seed_is_applied(sandbox: Sandbox) -> None:
    data = np.arange(4, dtype=np.int16)
    import io

    buffer = io.BytesIO()
    np.save(buffer, data, allow_pickle=False)
    cells = ("import numpy as np, os, random, torch\nloaded = np.load('train.npy').tolist()\n"
             "r = [np.random.rand(), random.random(), torch.rand(1).item()]",)
    first = run(sandbox, *cells, variables=("loaded", "r"), files={"train.npy": buffer.getvalue()}, seed=5)
    again = run(sandbox, *cells, variables=("loaded", "r"), files={"train.npy": buffer.getvalue()}, seed=5)
    other = run(sandbox, *cells, variables=("loaded", "r"), files={"train.npy": buffer.getvalue()}, seed=6)
    assert first.variables["loaded"] == [0, 1, 2, 3]
    assert first.variables["r"] == again.variables["r"] != other.variables["r"]


def test_bad_jobs_are_crashed_outcomes_not_exceptions(sandbox: Sandbox) -> None:
    jobs = [Job("obj", ("x = 1",), calls=(Call("c", "f", (object(),)),)),
            Job("path", ("x = 1",), files={"../escape": b""}),
            Job("ok", ("x = 1",), variables=("x",))]
    outcomes = {o.job_id: o for o in sandbox.map(jobs)}
    assert outcomes["obj"].status == outcomes["path"].status == "crashed"
    assert "bad job" in outcomes["obj"].reason and "bad job" in outcomes["path"].reason
    assert outcomes["ok"].variables == {"x": 1}


def test_a_dead_worker_is_restarted() -> None:
    with Sandbox(workers=1, limits=LIMITS) as box:
        process = box.workers[0].process
        assert process is not None
        process.kill()
        process.wait()
        outcome = box.run(Job("after", ("x = 3",), ("x",)))
    assert outcome.status == "ok", outcome.reason
    assert outcome.variables == {"x": 3}


def test_parse_result_refuses_garbage_and_foreign_tokens() -> None:
    job = Job("j", ("x = 1",), ("x",))
    for data in (b"", b"CNNLABR1" + (10**9).to_bytes(8, "big"), b"not a result at all"):
        with pytest.raises(BadResult):
            parse_result(data, job, "token")
    header = b'{"token": "other", "cell_errors": [], "variables": {"x": 1}, "results": {}, "problems": {}, "arrays": []}'
    with pytest.raises(BadResult):
        parse_result(b"CNNLABR1" + len(header).to_bytes(8, "big") + header, job, "token")
    good = parse_result(b"CNNLABR1" + len(header).to_bytes(8, "big") + header, job, "other")
    assert good.variables == {"x": 1}


def test_auto_mode_uses_bubblewrap_where_it_is_installed() -> None:
    plan = make_plan("auto")
    if shutil.which("bwrap") is None:
        assert plan.mode == "weak" and "not installed" in plan.weak_reason
    else:
        assert plan.mode == "bubblewrap" or "bubblewrap" in plan.weak_reason
    assert not any(Path(d).is_relative_to(Path(__file__).parents[3] / "grader") for d in plan.site_dirs)


def test_weak_mode_still_runs_jobs_and_says_so_loudly() -> None:
    with pytest.warns(RuntimeWarning, match="SANDBOX IS WEAK"):
        box = Sandbox(workers=1, limits=LIMITS, mode="weak")
    with box:
        outcomes = list(box.map([Job("w1", ("x = [1, 2]",), ("x",)),
                                 Job("w2", ("import time\nwhile True: time.sleep(0.01)",)),
                                 Job("w3", ("import grader",))]))
    by_id = {o.job_id: o for o in outcomes}
    assert all(o.isolation.startswith("WEAK") for o in outcomes)
    assert by_id["w1"].variables == {"x": [1, 2]} and by_id["w1"].status == "ok"
    assert by_id["w2"].status == "timeout"
    assert by_id["w3"].cell_errors[0].name == "ModuleNotFoundError"


def test_cleaning_the_scratch_root_spares_binds_that_live_under_it() -> None:
    # A checkout under /tmp puts the venv's site-packages inside the sandbox's scratch /tmp: wiping it after a
    # job once broke every later import on that worker.
    from grader.sandbox.runner_zygote import _bound_under

    bound = ["/tmp/ci/clone/.venv/lib/python3.11/site-packages", "/root/.pyenv/versions/3.11.7", "/tmp/x"]
    assert _bound_under("/tmp", bound) == {"ci", "x"}
    assert _bound_under("/scratch", bound) == set()


def test_a_worker_serves_many_jobs_with_fresh_imports(sandbox: Sandbox) -> None:
    jobs = [Job(f"j{i}", ("import IPython.core.logger, json\nx = json.loads('[1, 2]')",), ("x",)) for i in range(6)]
    for outcome in sandbox.map(jobs):
        assert outcome.cell_errors == () and outcome.variables == {"x": [1, 2]}, outcome.cell_errors


def test_each_slot_of_each_grader_gets_its_own_unprivileged_uid() -> None:
    from dataclasses import replace

    plan = replace(make_plan(), as_root=True)
    uids = [plan.uid_for(slot) for slot in range(64)]
    assert len(set(uids)) == 64 and all(1_000_000 <= uid < 2**32 - 1 for uid in uids)  # type: ignore[operator]
    assert replace(plan, as_root=False).uid_for(0) is None  # not root: nothing to drop to


def test_harness_calls_run_job_files_on_the_students_name_with_their_own_timeout(sandbox: Sandbox) -> None:
    harness = b"import time\ndef apply(target, x, pause=0.0):\n    time.sleep(pause)\n    return target(x) + 1\n"
    files = {"h.py": harness}
    calls = (Call("slow", "double", (3,), {"pause": 2.5}, probe="harness", harness="h.py:apply", timeout_s=4.0),
             Call("capped", "double", (3,), {"pause": 2.5}, probe="harness", harness="h.py:apply", timeout_s=1.0),
             Call("absent", "double", (3,), probe="harness", harness="nothere.py:apply"))
    outcome = run(sandbox, CONV_CELLS[1], "import os\nos.remove('h.py')", calls=calls, files=files)
    assert outcome.status == "ok", outcome.reason
    assert outcome.results["slow"] == 7  # longer than cell_timeout_s (2 s), within its own 4 s
    assert outcome.problems["capped"] == "timeout: took longer than 1 s"
    assert "not among the job's files" in outcome.problems["absent"]
