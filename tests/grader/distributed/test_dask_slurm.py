"""`--dask-slurm`: dask-jobqueue's SLURMCluster, with a fake `sbatch` on the PATH that records (or runs) job scripts."""

from __future__ import annotations

import os
import re
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.simulate import FLAVOURS, make_class, write_simulated
from grader.distributed.slurm import parse_spec, slurm_cluster
import cnnlab
from grader.pipeline.store import Store

RECORD = '#!/bin/sh\ncp "$1" "$FAKE_SLURM/job-$$.sh"\necho "Submitted batch job $$"\n'
RUN = '#!/bin/sh\ncp "$1" "$FAKE_SLURM/job-$$.sh"\nsetsid sh "$FAKE_SLURM/job-$$.sh" > "$FAKE_SLURM/job-$$.log" 2>&1 &\n' \
      'echo "$!" > "$FAKE_SLURM/pid-$$"\necho "Submitted batch job $$"\n'
SCANCEL = '#!/bin/sh\nfor job in "$@"; do echo "$job" >> "$FAKE_SLURM/scancel.log"; ' \
          'test -f "$FAKE_SLURM/pid-$job" && kill -TERM -- -$(cat "$FAKE_SLURM/pid-$job") 2>/dev/null; done; exit 0\n'


def fake_slurm(folder: Path, sbatch: str, monkeypatch: pytest.MonkeyPatch) -> Path:
    """`sbatch` and `scancel` in a folder put first on the PATH; what they saw goes to folder/jobs."""
    bin_, jobs = folder / "bin", folder / "jobs"
    bin_.mkdir(parents=True)
    jobs.mkdir()
    for name, text in (("sbatch", sbatch), ("scancel", SCANCEL), ("squeue", "#!/bin/sh\nexit 0\n")):
        (bin_ / name).write_text(text, "utf-8")
        (bin_ / name).chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("FAKE_SLURM", str(jobs))
    return jobs


def scripts(jobs: Path, count: int) -> list[str]:
    """The job scripts sbatch was given, once `count` have come (dask-jobqueue submits from its event loop)."""
    deadline = time.monotonic() + 60
    while len(list(jobs.glob("job-*.sh"))) < count and time.monotonic() < deadline:
        time.sleep(0.05)
    return [p.read_text("utf-8") for p in sorted(jobs.glob("job-*.sh"))]


def test_the_spec_submits_one_worker_job_per_job(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    jobs = fake_slurm(tmp_path, RECORD, monkeypatch)
    cluster = slurm_cluster("cores=4, memory=8GB, jobs=3, gpus=1, walltime=00:30:00, queue=gpu, account=cnn")
    try:
        submitted = scripts(jobs, 3)
    finally:
        cluster.close()
    assert len(submitted) == 3 and len({re.sub(r"--name \S+", "", s) for s in submitted}) == 1  # but the name
    script = submitted[0]
    for line in ("#SBATCH --cpus-per-task=4", "#SBATCH --mem=8G", "#SBATCH -t 00:30:00", "#SBATCH -p gpu",
                 "#SBATCH -A cnn", "#SBATCH --gres=gpu:1"):
        assert line in script.splitlines()
    command = script.strip().splitlines()[-1]
    assert "-m distributed.cli.dask_worker tcp://" in command and "--nthreads 4" in command
    assert "--resources GPU=1" in command and "--nanny" in command
    assert sorted((jobs / "scancel.log").read_text("utf-8").split()) == sorted(
        p.stem.removeprefix("job-") for p in jobs.glob("job-*.sh"))  # every job cancelled at the end


@pytest.mark.parametrize(("spec", "message"), [
    ("cores=4,memory=8GB", "give jobs"), ("cores=four,memory=8GB,jobs=1", "cores must be a whole number"),
    ("cores=4,memory=8GB,jobs=1,nodes=2", "'nodes=2' is not one of")])
def test_a_bad_spec_is_one_clear_error(spec: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_spec(spec)


@pytest.fixture
def running_jobs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A fake Slurm that runs each job script here, in its own process group, killed at the end whatever happens.

    Grading waits for workers as long as a real queue may take; the alarm turns a job that never starts into a
    failure (with the jobs' logs) instead of a hung test.
    """
    jobs = fake_slurm(tmp_path / "slurm", RUN, monkeypatch)

    def late(*_: object) -> None:
        logs = "".join(p.read_text("utf-8")[-1500:] for p in jobs.glob("*.log"))
        raise TimeoutError(f"no result after 240 s; the jobs' logs:\n{logs}")

    previous = signal.signal(signal.SIGALRM, late)
    signal.alarm(240)
    yield jobs
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)
    for pid in jobs.glob("pid-*"):
        try:
            os.killpg(int(pid.read_text("utf-8")), signal.SIGKILL)
        except (ProcessLookupError, ValueError):
            pass


def test_grade_on_slurm_jobs_end_to_end(running_jobs: Path, tmp_path: Path) -> None:
    generated = make_class(tmp_path / "class", 4)
    write_simulated(generated, tmp_path / "submissions", list(FLAVOURS))
    assert cnnlab.main(["grade", str(tmp_path / "submissions"), "--key", str(generated / "key"),
                        "--out", str(tmp_path / "out"), "--dask-slurm", "cores=1,memory=2GB,jobs=2"]) == 0
    records = Store(tmp_path / "out").records()
    assert sorted(r.status for r in records) == ["crashed", "graded", "graded", "graded"]
    assert len(scripts(running_jobs, 2)) == 2
