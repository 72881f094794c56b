"""One error type for bad templates, specs and rosters, so the CLI prints `FILE:LINE: message` and nothing else."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


class TemplateError(ValueError):
    """A problem in an instructor-written file, located by file and line."""

    def __init__(self, where: str, message: str) -> None:
        super().__init__(f"{where}: {message}")
        self.where, self.message = where, message


def suggest(word: str, valid: Iterable[str]) -> str:
    """' (did you mean 'x'?)' for the closest valid word, or '' when nothing is close."""
    close = difflib.get_close_matches(word, sorted(valid), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""
