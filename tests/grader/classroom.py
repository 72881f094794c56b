"""A generated one-question-of-each-kind class and s001's correct notebook, for tests that need a real key."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from generator.simulate import make_class, simulate


def correct_class(root: Path, students: int = 1) -> tuple[Path, dict[str, Any]]:
    """The key folder of a freshly generated class, and s001's notebook answered correctly (full marks)."""
    generated = make_class(root, students)

    def load(folder: str, suffix: str = "ipynb") -> dict[str, Any]:
        return json.loads((generated / folder / f"s001.{suffix}").read_text("utf-8"))

    return generated / "key", simulate(load("students"), load("instructor"), load("key", "json"), "correct")
