"""Seeds come from HMAC-SHA256 of (spec, student[, question]) under the course secret."""

from __future__ import annotations

import hashlib
import hmac
import re
import subprocess
import sys
from pathlib import Path

import pytest

from generator.seeds import SEED_BITS, question_seed, read_secret, student_seed

SECRET = b"a-course-secret-of-enough-length"


def test_seed_is_the_hmac_prefix() -> None:
    digest = hmac.new(SECRET, b"ps1\0s1", hashlib.sha256).digest()
    assert student_seed(SECRET, "ps1", "s1") == int.from_bytes(digest[:8], "big") >> (64 - SEED_BITS)


def test_seeds_depend_on_every_part() -> None:
    base = student_seed(SECRET, "ps1", "s1")
    assert base == student_seed(SECRET, "ps1", "s1")
    others = {student_seed(SECRET, "ps2", "s1"), student_seed(SECRET, "ps1", "s2"),
              student_seed(SECRET + b"x", "ps1", "s1"), question_seed(SECRET, "ps1", "s1", "q1")}
    assert base not in others and len(others) == 4
    assert student_seed(SECRET, "ps1", "s1") != student_seed(SECRET, "ps1s", "1")
    assert 0 <= base < 2**SEED_BITS


def test_read_secret(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "secret"
    path.write_bytes(SECRET + b"\n")
    assert read_secret(path) == SECRET
    path.write_bytes(b"short")
    with pytest.raises(ValueError, match="at least 16 bytes"):
        read_secret(path)
    monkeypatch.delenv("CNNLAB_SECRET", raising=False)
    with pytest.raises(ValueError, match="no course secret"):
        read_secret(None)
    monkeypatch.setenv("CNNLAB_SECRET", "from-the-environment")
    assert read_secret(None) == b"from-the-environment"


def test_the_documented_secret_recipe(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """docs/TEMPLATES.md's one-liner makes a secret; its trailing newline does not count; CNNLAB_SECRET set to the
    same text gives the same seeds."""
    recipe = 'python -c "import secrets; print(secrets.token_hex(32))" > course.secret'
    assert recipe in (Path(__file__).resolve().parents[2] / "docs" / "TEMPLATES.md").read_text(encoding="utf-8")
    made = subprocess.run([sys.executable, "-c", "import secrets; print(secrets.token_hex(32))"], check=True,
                          capture_output=True).stdout
    assert re.fullmatch(rb"[0-9a-f]{64}\n", made)
    with_newline, without = tmp_path / "with", tmp_path / "without"
    with_newline.write_bytes(made)
    without.write_bytes(made.strip())
    monkeypatch.setenv("CNNLAB_SECRET", made.strip().decode())
    seeds = {student_seed(read_secret(source), "ps1", "s1") for source in (with_newline, without, None)}
    assert len(seeds) == 1
