"""`--dask-slurm "cores=4,memory=8GB,jobs=N"`: Dask workers in Slurm jobs, through dask-jobqueue's SLURMCluster.

The client (the login node running `cnnlab grade`) is the scheduler; each job runs one Dask worker with `cores`
threads, so `cores` sandbox slots. `gpus=1` asks Slurm for a GPU (--gres) and makes the worker offer the Dask
resource GPU=1, which LeNet-5 training tasks ask for.
"""

from __future__ import annotations

from typing import Any

FIELDS: dict[str, type] = {"cores": int, "memory": str, "jobs": int, "processes": int, "queue": str, "account": str,
                           "walltime": str, "gpus": int, "interface": str, "python": str}
REQUIRED = ("cores", "memory", "jobs")


def parse_spec(text: str) -> dict[str, Any]:
    """`key=value,...` checked against FIELDS, with cores, memory and jobs required; a ValueError names the fault."""
    spec: dict[str, Any] = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        name, sep, value = item.partition("=")
        if not sep or name.strip() not in FIELDS:
            raise ValueError(f"--dask-slurm: {item!r} is not one of {', '.join(f'{f}=...' for f in FIELDS)}")
        try:
            spec[name.strip()] = FIELDS[name.strip()](value.strip())
        except ValueError:
            raise ValueError(f"--dask-slurm: {name.strip()} must be a whole number, not {value.strip()!r}") from None
    missing = [name for name in REQUIRED if name not in spec]
    if missing:
        raise ValueError(f"--dask-slurm: give {', '.join(missing)} (e.g. \"cores=4,memory=8GB,jobs=2\")")
    return spec


def cluster_options(spec: dict[str, Any]) -> dict[str, Any]:
    """SLURMCluster's keyword arguments for a parsed spec (one Dask worker per job unless processes=)."""
    options: dict[str, Any] = {"cores": spec["cores"], "memory": spec["memory"],
                               "processes": spec.get("processes", 1), "scheduler_options": {"dashboard_address": ":0"}}
    for name in ("queue", "account", "walltime", "interface", "python"):
        if name in spec:
            options[name] = spec[name]
    if spec.get("gpus"):
        options["job_extra_directives"] = [f"--gres=gpu:{spec['gpus']}"]
        options["worker_extra_args"] = ["--resources", f"GPU={spec['gpus']}"]
    return options


def slurm_cluster(text: str) -> Any:
    """The SLURMCluster, scaled to `jobs` jobs (submitted with sbatch now; the workers join as Slurm starts them)."""
    from dask_jobqueue import SLURMCluster

    spec = parse_spec(text)
    cluster = SLURMCluster(**cluster_options(spec))
    cluster.scale(jobs=spec["jobs"])
    return cluster
