"""A generated class for tests that need real keys and notebooks, and a grading folder's files compared across runs."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from tests.support.simulate import make_class, simulate


def correct_class(root: Path, students: int = 1) -> tuple[Path, dict[str, Any]]:
    """The key folder of a freshly generated class, and s001's notebook answered correctly (full marks)."""
    generated = make_class(root, students)

    def load(folder: str, suffix: str = "ipynb") -> dict[str, Any]:
        return json.loads((generated / folder / f"s001.{suffix}").read_text("utf-8"))

    return generated / "key", simulate(load("students"), load("instructor"), load("key", "json"), "correct")


def comparable(path: Path) -> object:
    """A file's content with what varies between any two runs taken out: times, and the sandbox uid (per pid)."""
    if path.suffix != ".json":
        return path.read_bytes()
    data = json.loads(path.read_text("utf-8"))
    if path.name == "record.json":
        data.pop("graded_at"), data.pop("seconds")
        data["isolation"] = re.sub(r"uid \d+", "uid N", data["isolation"])
    if path.name == "results.json":
        data.pop("execution_time", None)
    return data


def outputs(out: Path) -> dict[str, object]:
    """Every output file of a grading folder but the lock and the SQLite file (which holds the times)."""
    return {str(p.relative_to(out)): comparable(p) for p in sorted(out.rglob("*"))
            if p.is_file() and p.name not in (".lock", "gradebook.sqlite")}
