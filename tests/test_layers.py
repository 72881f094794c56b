"""Imports run one way: solutions <- generator <- grader <- cnnlab (the commands), and no module imports a command.

Every module's imports are read with ast (those inside functions too), so a lazy upward import is caught as well.
The checker is also run on a planted tree, to show that it fails on one upward import and names the file and line.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
LAYERS = ("solutions", "generator", "grader", "cnnlab")  # bottom up: each may import only those before it
COMMANDS = "cnnlab.commands"


def imported_modules(path: Path, package: str) -> Iterator[tuple[int, str]]:
    """(line, absolute module name) of every import in the file, relative ones resolved against its package."""
    for node in ast.walk(ast.parse(path.read_bytes(), filename=str(path))):
        if isinstance(node, ast.Import):
            yield from ((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[:len(package.split(".")) - node.level + 1]
                module = ".".join([*base, *([node.module] if node.module else [])])
            else:
                module = node.module or ""
            yield node.lineno, module
            yield from ((node.lineno, f"{module}.{alias.name}") for alias in node.names)


def violations(root: Path) -> list[str]:
    """'FILE:LINE: imports X' for every import that goes up a layer or into a command module."""
    found = []
    for rank, layer in enumerate(LAYERS):
        for path in sorted((root / layer).rglob("*.py")):
            relative = path.relative_to(root)
            package = ".".join(relative.with_suffix("").parts[:-1])
            for line, module in imported_modules(path, package):
                top = module.split(".")[0]
                upward = top in LAYERS and LAYERS.index(top) > rank
                into_command = (module == COMMANDS or module.startswith(COMMANDS + ".")) and not package.startswith(
                    COMMANDS)
                if upward or into_command:
                    found.append(f"{relative}:{line}: imports {module}")
    return sorted(set(found))


def test_no_module_imports_upward_or_a_command() -> None:
    assert violations(REPO) == []


def test_the_check_fails_on_one_planted_upward_import(tmp_path: Path) -> None:
    for layer in LAYERS:
        (tmp_path / layer).mkdir()
    (tmp_path / "generator" / "kinds").mkdir()
    (tmp_path / "generator" / "kinds" / "planted.py").write_text(
        '"""A kind that asks the sandbox for a record type."""\n\ndef run():\n    from grader.sandbox.api import Job\n')
    (tmp_path / "grader" / "fine.py").write_text("from generator.calls import Call\nfrom . import fine\n")
    (tmp_path / "grader" / "commandeer.py").write_text("from cnnlab.commands import grade\n")
    assert violations(tmp_path) == ["generator/kinds/planted.py:4: imports grader.sandbox.api",
                                    "generator/kinds/planted.py:4: imports grader.sandbox.api.Job",
                                    "grader/commandeer.py:1: imports cnnlab.commands",
                                    "grader/commandeer.py:1: imports cnnlab.commands.grade"]
