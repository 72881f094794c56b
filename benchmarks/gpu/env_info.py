"""What the GPU run ran on, as one JSON line: Python, torch and its CUDA, the GPU, the torch features the trainer and
the sandbox rely on (checked by feature, not by version), the project's Python packages, and the sandbox's mode."""

from __future__ import annotations

import importlib.metadata
import importlib.util
import json
import os
import platform
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

MODULES = ("numpy", "yaml", "jinja2", "rich", "matplotlib", "matplotlib_inline", "IPython", "traitlets", "nbformat",
           "markdown_it")
DISTRIBUTIONS = {"yaml": "PyYAML", "markdown_it": "markdown-it-py", "matplotlib_inline": "matplotlib-inline"}


def _run(*command: str) -> str:
    """A command's first lines of output, or why it did not run."""
    if shutil.which(command[0]) is None:
        return f"{command[0]}: not installed"
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=20, check=False)
    except (OSError, subprocess.TimeoutExpired) as error:
        return f"{command[0]}: {error}"
    return " | ".join((done.stdout or done.stderr).strip().splitlines()[:4])


def torch_info() -> dict[str, Any]:
    """torch's version, CUDA build, the GPU, and the features used here."""
    import torch

    cuda = torch.cuda.is_available()
    info: dict[str, Any] = {"torch": torch.__version__, "cuda_build": torch.version.cuda, "cuda_available": cuda,
                            "torch_threads": torch.get_num_threads()}
    if cuda:
        properties = torch.cuda.get_device_properties(0)
        info.update(device_name=torch.cuda.get_device_name(0), capability=list(torch.cuda.get_device_capability(0)),
                    total_gib=round(properties.total_memory / 2**30, 1), cudnn=torch.backends.cudnn.version(),
                    bf16=torch.cuda.is_bf16_supported())
    compiler = getattr(torch, "compiler", None)
    info["features"] = {
        "torch.compile": callable(getattr(torch, "compile", None)),
        "torch.compiler.cudagraph_mark_step_begin": callable(getattr(compiler, "cudagraph_mark_step_begin", None)),
        "torch.cuda.set_per_process_memory_fraction": callable(getattr(torch.cuda, "set_per_process_memory_fraction",
                                                                       None)),
        "torch.cuda.get_per_process_memory_fraction": callable(getattr(torch.cuda, "get_per_process_memory_fraction",
                                                                       None)),
        "torch.cuda._lazy_call": callable(getattr(torch.cuda, "_lazy_call", None)),
    }
    return info


def main() -> int:
    """Print the JSON line."""
    info: dict[str, Any] = {"python": platform.python_version(), "executable": sys.executable,
                            "cpus": os.cpu_count(), "kernel": platform.release(), "uid": os.geteuid(),
                            "nvidia_smi": _run("nvidia-smi", "--query-gpu=name,memory.total,driver_version",
                                               "--format=csv,noheader"),
                            "bwrap": _run("bwrap", "--version"), "pythonpath": os.environ.get("PYTHONPATH", ""),
                            "cnnlab_data": os.environ.get("CNNLAB_DATA", "")}
    try:
        info.update(torch_info())
    except Exception as error:  # noqa: BLE001  reported, never fatal: the steps say what fails
        info["torch_error"] = repr(error)
    modules = {}
    for name in MODULES:  # found and versioned without importing them (IPython and matplotlib take seconds)
        spec = importlib.util.find_spec(name)
        if spec is None:
            modules[name] = "MISSING"
            continue
        distribution = DISTRIBUTIONS.get(name, name)
        try:
            modules[name] = importlib.metadata.version(distribution)
        except importlib.metadata.PackageNotFoundError:
            modules[name] = f"found at {spec.origin}"
    info["modules"] = modules
    try:
        from grader.sandbox.isolation import make_plan

        plan = make_plan("auto")
        info["sandbox"] = {"mode": plan.mode, "bwrap": plan.bwrap, "weak_reason": plan.weak_reason,
                           "python": plan.python, "site_dirs": list(plan.site_dirs),
                           "python_roots": list(plan.python_roots)}
    except Exception as error:  # noqa: BLE001
        info["sandbox"] = {"error": repr(error)}
    info["nvidia_devices"] = sorted(p.name for p in Path("/dev").glob("nvidia*"))
    info["cgroup"] = _run("stat", "-fc", "%T", "/sys/fs/cgroup")
    info["ld_library_path"] = os.environ.get("LD_LIBRARY_PATH", "")
    try:  # what the sandbox's clean environment finds (it has no LD_LIBRARY_PATH)
        cache = subprocess.run(["ldconfig", "-p"], capture_output=True, text=True, timeout=20, check=False).stdout
        info["libcuda_in_loader_cache"] = "libcuda.so.1 " in cache
    except (OSError, subprocess.TimeoutExpired) as error:
        info["libcuda_in_loader_cache"] = f"ldconfig: {error}"
    print(json.dumps(info))
    return 0


if __name__ == "__main__":
    sys.exit(main())
