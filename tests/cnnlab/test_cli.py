"""The `cnnlab` command itself: --help imports only what it shows, --version, and each command's own help."""

from __future__ import annotations

import subprocess
import sys

import pytest

import cnnlab


def test_top_level_help_imports_no_command_module_and_no_torch() -> None:
    probe = ("import sys, contextlib, io, cnnlab\n"
             "with contextlib.redirect_stdout(io.StringIO()):\n"
             "    try:\n        cnnlab.main(['--help'])\n    except SystemExit:\n        pass\n"
             "print(sorted(m for m in sys.modules if m.split('.')[0] in ('torch', 'grader', 'generator', 'solutions')))")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]", done.stdout


def test_version_names_the_installed_distribution(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        cnnlab.main(["--version"])
    assert exit_.value.code == 0 and capsys.readouterr().out.startswith("cnnlab 0.")


@pytest.mark.parametrize("command", sorted(cnnlab.COMMANDS))
def test_every_command_has_its_own_help(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        cnnlab.main([command, "--help"])
    text = capsys.readouterr().out
    assert exit_.value.code == 0 and text.startswith(f"usage: cnnlab {command}")


def test_grade_help_shows_the_defaults_from_the_settings(capsys: pytest.CaptureFixture[str]) -> None:
    from generator.limits import LIMITS

    with pytest.raises(SystemExit):
        cnnlab.main(["grade", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert f"(default {LIMITS.total_timeout_s:g};" in text and f"(default {LIMITS.memory_mb})" in text
    assert "parallel sandboxes (default" in text
