"""Shared fixtures: the bundled assignment, a course secret, and a helper that writes YAML files to tmp_path."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from generator.model import Template
from generator.templates import load_template

ROOT = Path(__file__).resolve().parents[2]
ASSIGNMENTS = ROOT / "assignments"
TEMPLATES = ASSIGNMENTS / "templates"
SPEC = ASSIGNMENTS / "cnn-problem-set.yaml"
ROSTER = ASSIGNMENTS / "roster.csv"
SECRET = b"test-course-secret-0123456789abcdef"


@pytest.fixture
def write_yaml(tmp_path: Path) -> Callable[[str, str], Path]:
    """Write dedented YAML text to tmp_path/NAME and return its path."""
    def write(name: str, text: str) -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        return path
    return write


def bundled(template_id: str) -> Template:
    """One of the bundled templates by id (its file is named after it)."""
    return load_template(TEMPLATES / f"{template_id}.yaml")
