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
CLASSIC_LENET_TABLE = """
    kind: layer_table
    params: {input_shape: [1, 32, 32]}
    layers:
      - {type: conv2d, out_channels: 6, kernel_size: 5}
      - {type: avgpool2d, kernel_size: 2}
      - {type: conv2d, out_channels: 16, kernel_size: 5}
      - {type: avgpool2d, kernel_size: 2}
      - {type: flatten}
      - {type: dense, out_features: 120}
      - {type: dense, out_features: 84}
      - {type: dense, out_features: 10}
    prompt: "{{ stack }}"
    """  # LeNet-5 as the lecture tabulates it, as an inline layer_table template


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
