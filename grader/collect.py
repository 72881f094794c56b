"""Turn the SUBMISSIONS arguments (notebooks, folders, LMS bulk-download zips) into raw submissions, in a stable order."""

from __future__ import annotations

import zipfile
from collections.abc import Iterator, Sequence
from pathlib import Path, PurePosixPath

from grader.records import RawSubmission

_SKIP_PARTS = {"__MACOSX", ".ipynb_checkpoints"}


def _wanted(name: str) -> bool:
    """A notebook inside a folder or zip, not an editor checkpoint or macOS resource fork."""
    parts = PurePosixPath(name).parts
    return name.endswith(".ipynb") and not any(p in _SKIP_PARTS or p.startswith("._") for p in parts)


def _from_zip(path: Path) -> Iterator[RawSubmission]:
    """Every notebook in a zip such as Canvas's `<name>_<userid>_<subid>_<file>.ipynb` bulk download."""
    try:
        with zipfile.ZipFile(path) as archive:
            for info in sorted(archive.infolist(), key=lambda i: i.filename):
                if not info.is_dir() and _wanted(info.filename):
                    name = PurePosixPath(info.filename).name
                    yield RawSubmission(f"{path.name}:{info.filename}", name, archive.read(info))
    except zipfile.BadZipFile as error:
        raise ValueError(f"{path}: not a readable zip file ({error})") from None


def _from_path(path: Path) -> Iterator[RawSubmission]:
    """One argument: a zip, a folder (searched recursively, zips inside included) or a single file."""
    if path.is_dir():
        for child in sorted(path.rglob("*")):
            relative = child.relative_to(path).as_posix()
            if child.is_file() and child.suffix == ".zip":
                yield from _from_zip(child)
            elif child.is_file() and _wanted(relative):
                yield RawSubmission(str(child), child.name, child.read_bytes())
    elif path.suffix == ".zip":
        yield from _from_zip(path)
    elif path.is_file():
        yield RawSubmission(str(path), path.name, path.read_bytes())
    else:
        raise OSError(f"{path}: no such file or folder")


def collect(paths: Sequence[str | Path]) -> list[RawSubmission]:
    """All submissions named by the arguments; a missing path or broken zip is an error for the whole run."""
    found: list[RawSubmission] = []
    for path in paths:
        found.extend(_from_path(Path(path)))
    if not found:
        raise ValueError(f"no notebooks found in {', '.join(map(str, paths))}")
    return found
