"""The sandbox's entry script: started by path as `python -I -S -B runner.py CONFIG`, it becomes the zygote.

Standalone on purpose (stdlib, numpy, torch, IPython only; nothing from grader/): it and its siblings are copied
or bound alone into the sandbox's folder (isolation.RUNNER_FILES). Protocol with the parent: one JSON line in per
job on stdin, one JSON line out per job on stdout; the job's inputs and the child's output live in the job folder.

The files, by job:
- runner_zygote.py: the warm zygote; forks a child per job, kills what it leaves, empties the scratch folders.
- runner_capture.py: output capture; the zygote's side of the child's pipes (output, results, progress), deadlines.
- runner_child.py: the forked child; stdio onto the pipes, rlimits, privilege drop, seeding, frames sent.
- runner_cells.py: the cells and calls of a job, run under their timers.
- runner_results.py: result frames and the plain-data conversion of the student's values.
- probes.py (a copy of generator/probes.py): what a kind measures of a student's object (module_summary).
"""
from __future__ import annotations

import json
import os
import sys


def _forget_siblings(folder: str) -> None:
    """Take this folder off sys.path and its modules out of sys.modules: student code imports as if we were one file."""
    sys.path.remove(folder)
    for name, module in list(sys.modules.items()):
        if name != __name__ and os.path.dirname(getattr(module, "__file__", None) or "") == folder:
            del sys.modules[name]


if __package__:  # imported by the grader: the siblings are modules of grader.sandbox
    from .runner_results import numpy_scalar_types
    from .runner_zygote import Zygote
else:  # run by path in the sandbox: -I leaves this folder off sys.path, so put it there while the siblings load
    _HERE = os.path.dirname(os.path.abspath(__file__))
    sys.path.insert(0, _HERE)
    try:
        from runner_results import numpy_scalar_types
        from runner_zygote import Zygote
    finally:
        _forget_siblings(_HERE)


def _prepare_imports(site_dirs: list[str]) -> None:
    """Add the venv's site-packages and drop editable-install finders that point at the repo."""
    import site

    for path in site_dirs:
        site.addsitedir(path)
    sys.meta_path[:] = [f for f in sys.meta_path if "__editable__" not in getattr(f, "__module__", "")]
    sys.path[:] = [p for p in sys.path if "__editable__" not in p]
    sys.path_importer_cache.clear()


def main() -> None:
    """Read the config, open the site folders, warm the zygote, then serve jobs until the parent closes stdin."""
    config = json.loads(sys.argv[1])
    os.environ.update(config.get("env", {}))
    _prepare_imports(config.get("site_dirs", []))
    zygote = Zygote(config)
    numpy_scalar_types()
    zygote.serve()


if __name__ == "__main__":
    main()
