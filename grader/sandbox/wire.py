"""Plain-data transport: jobs out as JSON + .npy, results back parsed with caps and no pickle."""
from __future__ import annotations

import io
import json
import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from generator.calls import Arg
from generator.limits import MAX_FILE_NAME

from .api import CellError, Job

RESULT_MAGIC = b"CNNLABR1"
ARRAY_KINDS = "biufc"


class BadJob(ValueError):
    """A job the sandbox refuses to send (its args or files are not plain data)."""


class BadResult(ValueError):
    """Bytes on the result channel that do not follow the protocol."""


@dataclass(frozen=True)
class Parsed:
    """The child's frames after validation, merged in order: only names the job asked for, only plain data."""

    cell_errors: tuple[CellError, ...]
    variables: dict[str, Any]
    results: dict[str, Any]
    problems: dict[str, str]
    cells_done: int = 0  # how many cells reported back (cells run to their end, with or without an error)
    finished: bool = False  # the closing frame came: every cell and call ran
    broken: str = ""  # why reading stopped before the end of the bytes (a forged or cut-short frame)


def _encode(value: Arg, arrays: list[np.ndarray]) -> dict[str, Any]:
    """Tag a call argument so tuples stay tuples and arrays travel as .npy."""
    if isinstance(value, np.ndarray):
        if value.dtype.kind not in ARRAY_KINDS or value.dtype.fields is not None:
            raise BadJob(f"an array argument of dtype {value.dtype} is not plain data")
        arrays.append(value)
        return {"npy": len(arrays) - 1}
    if isinstance(value, np.generic):
        return _encode(value.item(), arrays)
    if isinstance(value, tuple):
        return {"tuple": [_encode(v, arrays) for v in value]}
    if isinstance(value, list):
        return {"list": [_encode(v, arrays) for v in value]}
    if value is None or isinstance(value, (bool, int, float, str)):
        return {"v": value}
    raise BadJob(f"a call argument of type {type(value).__name__} is not plain data")


def _check_file_name(name: str) -> None:
    if (not isinstance(name, str) or not name or name in (".", "..") or "/" in name or "\0" in name
            or len(name) > MAX_FILE_NAME):
        raise BadJob(f"file name {name!r} must be a plain name inside the scratch folder")


def write_job(job: Job, folder: Path, token: str) -> None:
    """Write job.json, arg<k>.npy and file<k> into a fresh folder only the zygote can read."""
    if not all(isinstance(c, str) for c in job.cells):
        raise BadJob("every cell must be a str")
    if not all(isinstance(v, str) and v.isidentifier() for v in job.variables):
        raise BadJob("every variable must be a Python identifier")
    names = [call.name for call in job.calls]
    if len(set(names)) != len(names):
        raise BadJob("call names must be unique")
    for name, cell in dict(job.checkpoints).items():
        if name not in (*names, *job.variables) or not isinstance(cell, int) or not 0 <= cell < len(job.cells):
            raise BadJob(f"checkpoint {name!r} -> {cell!r} names no variable or call, or no cell")
    arrays: list[np.ndarray] = []
    calls = [{"name": str(c.name), "entry_point": str(c.entry_point), "probe": str(c.probe), "harness": str(c.harness),
              "args": [_encode(a, arrays) for a in c.args],
              "kwargs": {str(k): _encode(v, arrays) for k, v in dict(c.kwargs).items()}} for c in job.calls]
    for name, content in job.files.items():
        _check_file_name(name)
        if not isinstance(content, (bytes, bytearray)):
            raise BadJob(f"file {name!r} must be bytes")
    folder.mkdir(mode=0o700)
    for index, array in enumerate(arrays):
        np.save(folder / f"arg{index}.npy", array, allow_pickle=False)
    for index, content in enumerate(job.files.values()):
        (folder / f"file{index}").write_bytes(bytes(content))
    spec = {"cells": list(job.cells), "variables": list(job.variables), "calls": calls,
            "files": list(job.files), "n_arrays": len(arrays), "seed": int(job.seed),
            "checkpoints": {str(k): int(v) for k, v in dict(job.checkpoints).items()}, "token": token}
    (folder / "job.json").write_text(json.dumps(spec))


def read_capped(path: Path, cap: int) -> bytes:
    """Read at most cap bytes of a regular file, never following a link."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    except OSError:
        return b""
    with os.fdopen(fd, "rb") as handle:
        return handle.read(cap) if stat.S_ISREG(os.fstat(fd).st_mode) else b""


def _array(blob: bytes) -> np.ndarray:
    array = np.load(io.BytesIO(blob), allow_pickle=False)
    if not isinstance(array, np.ndarray) or array.dtype.kind not in ARRAY_KINDS or array.dtype.fields:
        raise BadResult("an array of a dtype that is not numeric")
    return array


def _frame(data: bytes, offset: int, token: str) -> tuple[dict[str, Any], list[np.ndarray | str], int]:
    """One frame at offset: magic, header length, JSON header with this job's token, then its .npy blobs."""
    if len(data) - offset < 16 or data[offset:offset + 8] != RESULT_MAGIC:
        raise BadResult("no result frame came back" if offset == len(data) else "a result frame is malformed")
    size = int.from_bytes(data[offset + 8:offset + 16], "big")
    start = offset + 16
    if size > len(data) - start:
        raise BadResult("a result frame is cut short")
    try:
        header = json.loads(data[start:start + size])
    except (ValueError, RecursionError) as exc:
        raise BadResult(f"a result header is not JSON: {exc}") from exc
    if not isinstance(header, dict):
        raise BadResult("a result header is not an object")
    if header.get("token") != token:
        raise BadResult("a result frame does not carry this job's token")
    for name in ("variables", "results", "problems"):
        header[name] = _dict(header.get(name, {}))
    if not isinstance(header.setdefault("cell_errors", []), list):
        raise BadResult("cell_errors is not a list")
    lengths = header.get("arrays")
    if not isinstance(lengths, list) or not all(isinstance(n, int) and n >= 0 for n in lengths):
        raise BadResult("the array lengths are not a list of sizes")
    end = start + size + sum(lengths)
    if end > len(data):
        raise BadResult("a result frame's arrays are cut short")
    return header, _arrays(lengths, data[start + size:end]), end


def parse_result(data: bytes, job: Job, token: str) -> Parsed:
    """Every whole frame the child sent, in order; the last reading of a name counts.

    A frame that is cut short (the process was killed while writing) or forged ends the reading: what came
    before it stands. No valid frame at all is a BadResult.
    """
    cell_errors: list[CellError] = []
    variables: dict[str, Any] = {}
    results: dict[str, Any] = {}
    problems: dict[str, str] = {}
    frames, cells_done, finished, broken, offset = 0, 0, False, "", 0
    call_names = {c.name for c in job.calls}
    while offset < len(data) or frames == 0:
        try:
            header, arrays, offset = _frame(data, offset, token)
        except BadResult as exc:
            if frames == 0:
                raise
            broken = str(exc)
            break
        frames += 1
        cell_errors += _cell_errors(header["cell_errors"], len(job.cells))
        for name, value in header["variables"].items():
            if name in job.variables:
                variables[name] = value
                problems.pop(name, None)
        for name, tagged in header["results"].items():
            if name in call_names and isinstance(tagged, dict):
                _take_result(name, tagged, arrays, results, problems)
        for name, problem in header["problems"].items():
            if (name in call_names or name in job.variables) and isinstance(problem, str):
                problems[name] = problem[:500]
                variables.pop(name, None)
                results.pop(name, None)
        if isinstance(header.get("cell"), int):
            cells_done = max(cells_done, header["cell"] + 1)
        finished = finished or header.get("final") is True
    return Parsed(tuple(cell_errors), variables, results, problems, cells_done, finished, broken)


def _take_result(name: str, tagged: dict[str, Any], arrays: list[np.ndarray | str], results: dict[str, Any],
                 problems: dict[str, str]) -> None:
    """A call's value: a .npy blob of this frame or a JSON value; a bad blob becomes the call's problem."""
    if isinstance(tagged.get("npy"), int) and 0 <= tagged["npy"] < len(arrays):
        value = arrays[tagged["npy"]]
        if isinstance(value, str):
            problems[name] = value
            results.pop(name, None)
            return
    elif "json" in tagged:
        value = tagged["json"]
    else:
        return
    results[name] = value
    problems.pop(name, None)


def _dict(value: Any) -> dict[str, Any]:
    """A header field that must be an object."""
    if not isinstance(value, dict):
        raise BadResult("the result header has a field of the wrong type")
    return value


def _arrays(lengths: list[int], body: bytes) -> list[np.ndarray | str]:
    """Split the body by the announced lengths; a bad blob becomes a problem string, not an array."""
    arrays: list[np.ndarray | str] = []
    offset = 0
    for length in lengths:
        try:
            arrays.append(_array(body[offset:offset + length]))
        except (ValueError, BadResult, EOFError, OSError) as exc:
            arrays.append(f"not plain data: {exc}")
        offset += length
    return arrays


def _cell_errors(value: list[Any], n_cells: int) -> tuple[CellError, ...]:
    """The well-formed (cell, name, message) entries; anything else is dropped."""
    errors = []
    for item in value:
        if (isinstance(item, list) and len(item) == 3 and isinstance(item[0], int) and 0 <= item[0] < n_cells
                and isinstance(item[1], str) and isinstance(item[2], str)):
            errors.append(CellError(item[0], item[1][:100], item[2][:300]))
    return tuple(errors)
