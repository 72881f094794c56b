"""Per-student and per-question seeds: HMAC-SHA256 of the spec id and student id under the course secret.

Without the secret nobody can recompute a seed, and nothing seed-like ever reaches a student's notebook.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from pathlib import Path

SEED_BITS = 53  # exact in JSON readers that use doubles


def derive_seed(secret: bytes, *parts: str) -> int:
    """A 53-bit seed from the secret and the given parts (NUL-separated, so ('ab', 'c') != ('a', 'bc'))."""
    digest = hmac.new(secret, "\0".join(parts).encode("utf-8"), hashlib.sha256).digest()
    return int.from_bytes(digest[:8], "big") >> (64 - SEED_BITS)


def student_seed(secret: bytes, spec_id: str, student_id: str) -> int:
    """Seed for a student's question selection and order."""
    return derive_seed(secret, spec_id, student_id)


def question_seed(secret: bytes, spec_id: str, student_id: str, qid: str) -> int:
    """Seed for one student's variant of one question (independent of the order and of other questions)."""
    return derive_seed(secret, spec_id, student_id, qid)


def read_secret(path: str | Path | None) -> bytes:
    """The course secret from a file (surrounding whitespace ignored), else from $CNNLAB_SECRET."""
    if path is None:
        value = os.environ.get("CNNLAB_SECRET", "")
        if not value:
            raise ValueError("no course secret: pass --secret-file FILE or set CNNLAB_SECRET")
        return value.encode("utf-8")
    secret = Path(path).read_bytes().strip()
    if len(secret) < 16:
        raise ValueError(f"{path}: the course secret must be at least 16 bytes, got {len(secret)}")
    return secret
