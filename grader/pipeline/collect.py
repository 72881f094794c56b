"""Turn the SUBMISSIONS arguments (notebooks, folders, LMS bulk-download zips) into raw submissions, in a stable order.

Weights files (`.pt`, `.pth`) travel with the notebook they belong to, decided per folder (or folder of a zip):
the notebook of the same stem (`hw1.ipynb`, `hw1.pt`); else the notebooks of the same LMS prefix (Canvas names
every file of one student `<name>_<userid>_<fileid>_<file>`, so `smithada_111_222_hw1.ipynb` and
`smithada_111_223_lenet5.pt` go together); else the folder's only notebook (a folder per student, Gradescope).

Every candidate path becomes a submission, even one whose bytes cannot be had (a FIFO, a broken link, a folder
named hw.ipynb, a file or zip entry over the size limit, a damaged zip): it carries a one-line `problem` and gets
its own record. Reading is bounded: never more than the limit + 1 bytes, in chunks, and never a blocking open.
"""

from __future__ import annotations

import errno
import io
import os
import re
import stat
import unicodedata
import zipfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from grader.pipeline.notebook import too_large
from grader.pipeline.records import Attachment, RawSubmission
from generator.limits import MAX_NOTEBOOK_BYTES, MAX_WEIGHTS_BYTES, WEIGHTS_SUFFIXES

_SKIP_PARTS = {"__MACOSX", ".ipynb_checkpoints"}
_LMS_PREFIX = re.compile(r"^.+?_\d+_")  # "<name>_<userid>_", also Canvas's "<name>_LATE_<userid>_"
MOODLE_FOLDER = re.compile(r"^(?P<name>.+?)_(?P<id>\d+)_assign(?:submission|feedback)_[a-z]+_?$")  # per submission
_CHUNK = 1 << 20
_NOT_FILES = ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISSOCK, "a socket"),
              (stat.S_ISCHR, "a device"), (stat.S_ISBLK, "a device"))
Warn = Callable[[str], None]


class Unreadable(Exception):
    """Why one file's bytes cannot be had, in one line: that submission's reason, never the batch's."""


class TooLarge(Unreadable):
    """More bytes than the limit the file was read with."""


def _wanted(name: str, suffixes: tuple[str, ...] = (".ipynb",)) -> bool:
    """A notebook (or weights file) inside a folder or zip, not an editor checkpoint or macOS resource fork."""
    parts = PurePosixPath(name).parts
    return name.lower().endswith(suffixes) and not any(p in _SKIP_PARTS or p.startswith("._") for p in parts)


def _printable(name: str) -> str:
    """A name safe to show and store as UTF-8: undecodable bytes and control characters become U+FFFD."""
    return "".join("\ufffd" if unicodedata.category(c) in ("Cc", "Cs") else c for c in name)


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
    size: int  # as the file system or the zip's header says (0 when it cannot be had)
    read: Callable[[int], bytes]  # read(limit): the bytes, or TooLarge past limit, or Unreadable

    @property
    def name(self) -> str:
        """The base name, printable."""
        return _printable(self.path.name)

    @property
    def filename(self) -> str:
        """What identifies the submission: the base name, or `<folder>/<name>` inside Moodle's folder per submission
        (`Ada Lovelace_1237_assignsubmission_file_/ps1.ipynb`), whose folder names the student."""
        folder = self.path.parent.name
        return f"{_printable(folder)}/{self.name}" if MOODLE_FOLDER.match(folder) else self.name


def _read_bounded(read: Callable[[int], bytes], limit: int) -> bytes | None:
    """Everything up to limit bytes, in chunks (never one read of unknown length); None when there is more.

    The chunks go into one growing buffer, whose bytes getvalue() hands over without a second copy.
    """
    buffer = io.BytesIO()
    while buffer.tell() <= limit:
        chunk = read(min(_CHUNK, limit + 1 - buffer.tell()))
        if not chunk:
            return buffer.getvalue()
        buffer.write(chunk)
    return None


def _not_a_file(mode: int) -> str | None:
    """What a path that is not a regular file is, in words; None for a regular file."""
    return next((words for test, words in _NOT_FILES if test(mode)), None)


def _os_problem(path: Path, error: OSError) -> str:
    """Why a path could not be opened, in words."""
    if error.errno == errno.ELOOP:
        return "a link that loops, not a file"
    if isinstance(error, FileNotFoundError) and path.is_symlink():
        return "a link to a missing file"
    return f"cannot be read ({error.strerror or type(error).__name__})"


def _open_regular(path: Path) -> int:
    """A read-only descriptor of a regular file; anything else is Unreadable, and opening never blocks (a FIFO)."""
    try:
        kind = _not_a_file(os.stat(path).st_mode)  # devices are never opened at all
        if kind is None:
            descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC)
            kind = _not_a_file(os.fstat(descriptor).st_mode)  # swapped for a FIFO since the stat
            if kind is None:
                return descriptor
            os.close(descriptor)
    except OSError as error:
        raise Unreadable(_os_problem(path, error)) from None
    raise Unreadable(f"{kind}, not a file")


def _read_file(path: Path, limit: int) -> bytes:
    """A regular file's bytes, at most limit of them (a 2 GB file is never read)."""
    descriptor = _open_regular(path)
    try:
        size = os.fstat(descriptor).st_size
        if size > limit:
            raise TooLarge(too_large("the file is", size, limit))
        data = _read_bounded(lambda n: os.read(descriptor, n), limit)
    except OSError as error:
        raise Unreadable(f"cannot be read ({error.strerror or type(error).__name__})") from None
    finally:
        os.close(descriptor)
    if data is None:
        raise TooLarge(too_large("the file is", None, limit))
    return data


def _file_entry(path: Path, relative: str) -> _Entry:
    """A file on disk, read only when needed."""
    try:
        size = os.stat(path).st_size
    except OSError:
        size = 0  # a broken link: reading it says why
    return _Entry(PurePosixPath(relative), _printable(str(path)), size, lambda limit: _read_file(path, limit))


def _zip_entry(archive: zipfile.ZipFile, info: zipfile.ZipInfo, zip_name: str) -> _Entry:
    """One member of a zip, inflated only when read, and then in chunks up to the limit."""
    def read(limit: int) -> bytes:
        if info.file_size > limit:
            raise TooLarge(too_large("inflates to", info.file_size, limit))
        try:
            with archive.open(info) as stream:
                data = _read_bounded(stream.read, limit)
        except Exception as error:  # BadZipFile (CRC), zlib.error, RuntimeError (encrypted), NotImplementedError
            raise Unreadable(f"cannot be unpacked ({type(error).__name__}: {_printable(str(error))})") from None
        if data is None:
            raise TooLarge(too_large("inflates to", None, limit))
        return data
    return _Entry(PurePosixPath(info.filename), _printable(f"{zip_name}:{info.filename}"), info.file_size, read)


def _attachment(entry: _Entry, warn: Warn) -> Attachment | None:
    """A weights file, read only up to the cap: an oversize file keeps its size and no bytes; an unreadable one is
    left out with a warning."""
    if entry.size > MAX_WEIGHTS_BYTES:
        return Attachment(entry.label, entry.name, entry.size, b"")
    try:
        return Attachment(entry.label, entry.name, entry.size, entry.read(MAX_WEIGHTS_BYTES))
    except TooLarge:  # a zip header or a growing file understated the size
        return Attachment(entry.label, entry.name, MAX_WEIGHTS_BYTES + 1, b"")
    except Unreadable as problem:
        warn(f"{entry.label}: {problem}; ignored")
        return None


def _submission(entry: _Entry, weights: tuple[Attachment, ...] = ()) -> RawSubmission:
    """A notebook's bytes, or why they cannot be had: either way one submission, one record."""
    try:
        return RawSubmission(entry.label, entry.filename, entry.read(MAX_NOTEBOOK_BYTES), weights)
    except Unreadable as problem:
        return RawSubmission(entry.label, entry.filename, b"", weights, str(problem))


def _gather(entries: Sequence[_Entry], warn: Warn) -> Iterator[tuple[PurePosixPath, RawSubmission]]:
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
        attached = (_attachment(w, warn) for w in owned[notebook.path])
        yield notebook.path, _submission(notebook, tuple(a for a in attached if a is not None))


def _unreadable(path: Path, problem: str) -> RawSubmission:
    """A path that is a submission of its own but yields no bytes (a damaged zip)."""
    return RawSubmission(_printable(str(path)), _printable(path.name), b"", problem=problem)


def _from_zip(path: Path, warn: Warn) -> Iterator[RawSubmission]:
    """Every notebook in a zip such as Canvas's `<name>_<userid>_<subid>_<file>.ipynb` bulk download; a zip that
    cannot be opened is one submission with its reason."""
    try:
        handle = os.fdopen(_open_regular(path), "rb")
    except Unreadable as problem:
        yield _unreadable(path, str(problem))
        return
    with handle:
        try:
            archive = zipfile.ZipFile(handle)
        except Exception as error:  # BadZipFile, a name that is not UTF-8, a truncated central directory...
            yield _unreadable(path, f"not a readable zip file ({_printable(str(error))})")
            return
        with archive:
            members = sorted((i for i in archive.infolist() if not i.is_dir()), key=lambda i: i.filename)
            yield from (raw for _, raw in _gather([_zip_entry(archive, i, path.name) for i in members], warn))


def _listed(child: Path, relative: str) -> bool:
    """A path that gets an entry: a regular file, or anything named like a notebook or weights file (a FIFO, a broken
    link, a folder named hw.ipynb), so that it gets its own record rather than silence."""
    if child.is_file():
        return True
    return _wanted(relative, (".ipynb", *WEIGHTS_SUFFIXES)) or (child.suffix == ".zip" and not child.is_dir())


def _from_folder(path: Path, warn: Warn) -> Iterator[RawSubmission]:
    """A folder, searched recursively, zips inside included, in sorted path order."""
    children = sorted((child, child.relative_to(path).as_posix()) for child in path.rglob("*"))
    listed = [(child, relative) for child, relative in children if _listed(child, relative)]
    gathered = dict(_gather([_file_entry(c, r) for c, r in listed if c.suffix != ".zip"], warn))
    for child, relative in listed:
        if child.suffix == ".zip":
            yield from _from_zip(child, warn)
        elif PurePosixPath(relative) in gathered:
            yield gathered[PurePosixPath(relative)]


def _from_notebook(path: Path) -> RawSubmission:
    """One notebook named on its own, with the weights beside it that belong to it."""
    siblings = [c for c in sorted(path.parent.iterdir()) if c != path and _listed(c, c.name)
                and _wanted(c.name, (".ipynb", *WEIGHTS_SUFFIXES))]
    entries = [_file_entry(c, c.name) for c in (path, *siblings)]
    return next(raw for found, raw in _gather(entries, lambda line: None) if found == entries[0].path)


def _from_path(path: Path, warn: Warn) -> Iterator[RawSubmission]:
    """One argument: a zip, a folder (searched recursively, zips inside included) or a single file."""
    if not os.path.lexists(path):
        raise OSError(f"{path}: no such file or folder")
    if path.is_dir():
        yield from _from_folder(path, warn)
    elif path.suffix == ".zip":
        yield from _from_zip(path, warn)
    elif _wanted(path.name):
        yield _from_notebook(path)
    else:
        yield _submission(_file_entry(path, path.name))


def collect(paths: Sequence[str | Path], warn: Warn = lambda line: None) -> list[RawSubmission]:
    """All submissions named by the arguments; only a missing argument is an error for the whole run."""
    found: list[RawSubmission] = []
    for path in paths:
        found.extend(_from_path(Path(path), warn))
    if not found:
        raise ValueError(f"no notebooks found in {', '.join(map(str, paths))}")
    return found
