"""One error type for bad templates, specs and rosters, so the CLI prints `FILE:LINE: message` and nothing else."""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable, Sequence
from typing import TypeVar

T = TypeVar("T")


class TemplateError(ValueError):
    """A problem in an instructor-written file, located by file and line; or several, one `FILE:LINE: message`
    line each (`problems`), so that one run shows every mistake of a file."""

    def __init__(self, where: str, message: str, problems: tuple[TemplateError, ...] = ()) -> None:
        super().__init__(f"{where}: {message}")
        self.where, self.message = where, message
        self.problems: tuple[TemplateError, ...] = problems or (self,)


def _file_order(error: TemplateError) -> tuple[str, int]:
    """(file, line) of an error's `where`, so several errors print in the order the file reads."""
    path, _, line = error.where.rpartition(":")
    return (path, int(line)) if path and line.isdigit() else (error.where, 0)


def combined(errors: Sequence[TemplateError]) -> TemplateError:
    """One TemplateError for every problem found (the one itself when alone), in file order, each once."""
    unique = sorted({str(one): one for error in errors for one in error.problems}.values(), key=_file_order)
    if len(unique) == 1:
        return unique[0]
    first, rest = unique[0], unique[1:]
    return TemplateError(first.where, "\n".join([first.message, *map(str, rest)]), tuple(unique))


class Problems:
    """The independent errors found in one file so far: checking goes on past each, and all are raised at the end."""

    def __init__(self) -> None:
        self.found: list[TemplateError] = []

    def attempt(self, check: Callable[[], T]) -> T | None:
        """The check's result, or None after noting the TemplateError it raised."""
        try:
            return check()
        except TemplateError as error:
            self.found.append(error)
            return None

    def raise_any(self) -> None:
        """Raise every problem noted so far as one TemplateError (nothing when there is none)."""
        if self.found:
            raise combined(self.found)


def closest(word: str, valid: Iterable[str]) -> str | None:
    """The valid word closest to a misspelt one, or None when nothing is close."""
    close = difflib.get_close_matches(word, sorted(valid), n=1, cutoff=0.6)
    return close[0] if close else None


def suggest(word: str, valid: Iterable[str]) -> str:
    """' (did you mean 'x'?)' for the closest valid word, or '' when nothing is close."""
    close = closest(word, valid)
    return f" (did you mean {close!r}?)" if close is not None else ""
