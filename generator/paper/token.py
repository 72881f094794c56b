"""The signed token in each exam page's QR code: which exam, form or student, and page, HMAC'd with the secret.

A page picked off the floor is matched to its key by reading the code; a forged or altered token fails `verify`.
"""

from __future__ import annotations

import hashlib
import hmac

import segno

PREFIX = "cnnlab1"
QUIET = 2  # modules of white border around the code (the printed margin adds more)
MAC_HEX = 16  # 64 bits of HMAC-SHA256: forging one page's token takes 2**64 tries


def _mac(secret: bytes, spec_id: str, who: str, page: int) -> str:
    """The token's signature over its fields."""
    message = f"{PREFIX}:{spec_id}:{who}:{page}".encode()
    return hmac.new(secret, message, hashlib.sha256).hexdigest()[:MAC_HEX]


def sign(secret: bytes, spec_id: str, who: str, page: int) -> str:
    """The token of one page: `cnnlab1:<spec>:<form or student>:<page>:<mac>`."""
    return f"{PREFIX}:{spec_id}:{who}:{page}:{_mac(secret, spec_id, who, page)}"


def verify(secret: bytes, token: str) -> tuple[str, str, int]:
    """The (spec, form or student, page) a token names; ValueError when it is not one this secret signed."""
    parts = token.strip().split(":")
    if len(parts) != 5 or parts[0] != PREFIX or not parts[3].isdigit():
        raise ValueError(f"not a cnnlab page token: {token!r}")
    spec_id, who, page, mac = parts[1], parts[2], int(parts[3]), parts[4]
    if not hmac.compare_digest(mac, _mac(secret, spec_id, who, page)):
        raise ValueError(f"the page token's signature does not match this course secret: {token!r}")
    return spec_id, who, page


def qr_svg(token: str) -> str:
    """The token as a QR code in SVG, one path; error correction M survives a smudge or a fold.

    The mask is fixed (any of the eight is valid; choosing by penalty score costs 5x the time).
    """
    matrix = segno.make(token, error="m", micro=False, mask=0).matrix
    size = len(matrix) + 2 * QUIET
    path = "".join(f"M{x + QUIET} {y + QUIET}h{run}v1h-{run}z" for y, row in enumerate(matrix)
                   for x, run in _dark_runs(row))
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size}" shape-rendering="crispEdges">'
            f'<rect width="{size}" height="{size}" fill="#fff"/><path d="{path}" fill="#000"/></svg>')


def _dark_runs(row: bytearray) -> list[tuple[int, int]]:
    """(start, length) of each run of dark modules in a row: one rectangle per run keeps the SVG small."""
    runs: list[tuple[int, int]] = []
    start = None
    for x, dark in enumerate((*row, 0)):
        if dark and start is None:
            start = x
        elif not dark and start is not None:
            runs.append((start, x - start))
            start = None
    return runs
