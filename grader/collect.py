"""Turn the SUBMISSIONS arguments (notebooks, folders, LMS bulk-download zips) into raw submissions, in a stable order.

Weights files (`.pt`, `.pth`) travel with the notebook they belong to, decided per folder (or folder of a zip):
the notebook of the same stem (`hw1.ipynb`, `hw1.pt`); else the notebooks of the same LMS prefix (Canvas names
every file of one student `<name>_<userid>_<fileid>_<file>`, so `smithada_111_222_hw1.ipynb` and
`smithada_111_223_lenet5.pt` go together); else the folder's only notebook (a folder per student, Gradescope).
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from grader.records import MAX_WEIGHTS_BYTES, WEIGHTS_SUFFIXES, Attachment, RawSubmission

_SKIP_PARTS = {"__MACOSX", ".ipynb_checkpoints"}
_LMS_PREFIX = re.compile(r"^.+?_\d+_")  # "<name>_<userid>_", also Canvas's "<name>_LATE_<userid>_"
Warn = Callable[[str], None]


def _wanted(name: str, suffixes: tuple[str, ...] = (".ipynb",)) -> bool:
    """A notebook (or weights file) inside a folder or zip, not an editor checkpoint or macOS resource fork."""
    parts = PurePosixPath(name).parts
    return name.lower().endswith(suffixes) and not any(p in _SKIP_PARTS or p.startswith("._") for p in parts)


def _lms_prefix(name: str) -> str:
    """The LMS's per-student prefix of a file name, or '' when it has none."""
    match = _LMS_PREFIX.match(name)
    return match.group(0) if match else ""


def owners(weights: str, notebooks: Sequence[str]) -> list[str]:
    """The notebooks (base names in one folder) a weights file belongs to: same stem, same LMS prefix, or the only one."""
    stem = PurePosixPath(weights).stem
    same_stem = [n for n in notebooks if PurePosixPath(n).stem == stem]
    if same_stem:
        return same_stem
    prefix = _lms_prefix(weights)
    same_student = [n for n in notebooks if prefix and _lms_prefix(n) == prefix]
    if same_student:
        return same_student
    if len(notebooks) == 1 and not (prefix and _lms_prefix(notebooks[0]) not in ("", prefix)):
        return list(notebooks)
    return []


@dataclass(frozen=True)
class _Entry:
    """One file of a folder or zip: its path there (for pairing), its label, its size, and how to read it."""

    path: PurePosixPath
    label: str
    size: int
    read: Callable[[int], bytes]  # read(limit): at most limit bytes; -1 reads everything


def _attachment(entry: _Entry) -> Attachment:
    """A weights file, read only up to the cap: an oversize file keeps its size and no bytes."""
    if entry.size > MAX_WEIGHTS_BYTES:
        return Attachment(entry.label, entry.path.name, entry.size, b"")
    data = entry.read(MAX_WEIGHTS_BYTES + 1)  # a zip header may understate the size
    return Attachment(entry.label, entry.path.name, len(data), data if len(data) <= MAX_WEIGHTS_BYTES else b"")


def _gather(entries: Sequence[_Entry], warn: Warn) -> Iterator[RawSubmission]:
    """Every notebook among the entries, in order, with the weights files that belong to it."""
    notebooks = [e for e in entries if _wanted(e.path.as_posix())]
    owned: dict[PurePosixPath, list[_Entry]] = {n.path: [] for n in notebooks}
    for weights in (e for e in entries if _wanted(e.path.as_posix(), WEIGHTS_SUFFIXES)):
        here = [n.path for n in notebooks if n.path.parent == weights.path.parent]
        names = owners(weights.path.name, [p.name for p in here])
        for notebook in (p for p in here if p.name in names):
            owned[notebook].append(weights)
        if not names:
            warn(f"{weights.label}: weights file of no notebook in its folder (name it after the notebook, e.g. "
                 "hw1.ipynb and hw1.pt); ignored")
    for notebook in notebooks:
        yield RawSubmission(notebook.label, notebook.path.name, notebook.read(-1),
                            tuple(_attachment(w) for w in owned[notebook.path]))


def _from_zip(path: Path, warn: Warn) -> Iterator[RawSubmission]:
    """Every notebook in a zip such as Canvas's `<name>_<userid>_<subid>_<file>.ipynb` bulk download."""
    try:
        with zipfile.ZipFile(path) as archive:
            def reader(info: zipfile.ZipInfo) -> Callable[[int], bytes]:
                def read(limit: int) -> bytes:
                    with archive.open(info) as stream:
                        return stream.read(limit)
                return read

            entries = [_Entry(PurePosixPath(i.filename), f"{path.name}:{i.filename}", i.file_size, reader(i))
                       for i in sorted(archive.infolist(), key=lambda i: i.filename) if not i.is_dir()]
            yield from _gather(entries, warn)
    except zipfile.BadZipFile as error:
        raise ValueError(f"{path}: not a readable zip file ({error})") from None


def _file_entry(path: Path, relative: str) -> _Entry:
    """A file on disk, read only when needed."""
    def read(limit: int) -> bytes:
        with path.open("rb") as stream:
            return stream.read(limit)
    return _Entry(PurePosixPath(relative), str(path), path.stat().st_size, read)


def _from_folder(path: Path, warn: Warn) -> Iterator[RawSubmission]:
    """A folder, searched recursively, zips inside included, in sorted path order."""
    files = sorted(child for child in path.rglob("*") if child.is_file())
    gathered = {raw.label: raw for raw in _gather([_file_entry(c, c.relative_to(path).as_posix())
                                                   for c in files if c.suffix != ".zip"], warn)}
    for child in files:
        if child.suffix == ".zip":
            yield from _from_zip(child, warn)
        elif str(child) in gathered:
            yield gathered[str(child)]


def _from_notebook(path: Path) -> RawSubmission:
    """One notebook named on its own, with the weights beside it that belong to it."""
    siblings = [c for c in sorted(path.parent.iterdir()) if c.is_file() and c != path
                and _wanted(c.name, (".ipynb", *WEIGHTS_SUFFIXES))]
    entries = [_file_entry(c, c.name) for c in (path, *siblings)]
    return next(raw for raw in _gather(entries, lambda line: None) if raw.label == str(path))


def _from_path(path: Path, warn: Warn) -> Iterator[RawSubmission]:
    """One argument: a zip, a folder (searched recursively, zips inside included) or a single file."""
    if path.is_dir():
        yield from _from_folder(path, warn)
    elif path.suffix == ".zip":
        yield from _from_zip(path, warn)
    elif path.is_file() and _wanted(path.name):
        yield _from_notebook(path)
    elif path.is_file():
        yield RawSubmission(str(path), path.name, path.read_bytes())
    else:
        raise OSError(f"{path}: no such file or folder")


def collect(paths: Sequence[str | Path], warn: Warn = lambda line: None) -> list[RawSubmission]:
    """All submissions named by the arguments; a missing path or broken zip is an error for the whole run."""
    found: list[RawSubmission] = []
    for path in paths:
        found.extend(_from_path(Path(path), warn))
    if not found:
        raise ValueError(f"no notebooks found in {', '.join(map(str, paths))}")
    return found
