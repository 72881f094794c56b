"""Result frames and the plain-data conversion of the student's values, in the sandbox's child process.

Standalone on purpose (stdlib; numpy and torch arrive from the zygote): run in the sandbox as a sibling of
runner.py. A frame goes on the result pipe as `CNNLABR1 | header length | JSON header | .npy blobs`, the layout
grader/sandbox/wire.py parses; nothing but numbers, strings, lists, str-keyed dicts and numeric arrays gets in.
"""
from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

RESULT_MAGIC = b"CNNLABR1"
_NUMPY_SCALARS: set[type] = set()


class Frame:
    """What one moment of the run made final: after a cell (cell = its index), or at the end (final)."""

    def __init__(self, cell: int | None, final: bool = False) -> None:
        self.cell, self.final = cell, final
        self.cell_errors: list[list[Any]] = []
        self.variables: dict[str, Any] = {}
        self.results: dict[str, Any] = {}
        self.problems: dict[str, str] = {}
        self.arrays: list[bytes] = []

    def header(self) -> dict[str, Any]:
        """The frame's JSON header (the blobs follow it)."""
        return {"cell": self.cell, "final": self.final, "cell_errors": self.cell_errors,
                "variables": self.variables, "results": self.results, "problems": self.problems,
                "arrays": [len(blob) for blob in self.arrays]}

    def encode(self, token: str, dumps: Callable[[Any], str]) -> tuple[bytes, ...]:
        """Magic, header length, JSON header (with the job's token), then the .npy blobs, as wire.py reads them."""
        header = dumps({"token": token, **self.header()}).encode()
        return (RESULT_MAGIC, len(header).to_bytes(8, "big"), header, *self.arrays)


class NotPlain(Exception):
    """A value that is not plain data and so cannot be trusted by the grader."""


class PlainData:
    """Turns the student's values into plain data, with builtins and methods taken before any student code ran."""

    def __init__(self, np: Any, torch: Any, max_items: int) -> None:
        self.np, self.torch = np, torch
        self.type, self.len = type, len
        self.ndarray, self.tensor = np.ndarray, torch.Tensor
        self.tensor_to_numpy = torch.Tensor.numpy
        self.tensor_detach, self.tensor_cpu = torch.Tensor.detach, torch.Tensor.cpu
        self.write_array, self.bytes_io = np.lib.format.write_array, io.BytesIO
        self.max_items = max_items

    def top(self, value: Any, frame: Frame) -> Any:
        """A call's value: a numeric array travels as .npy in the frame, anything else as JSON."""
        array = self.as_array(value)
        if array is not None:
            buffer = self.bytes_io()
            self.write_array(buffer, array, allow_pickle=False)
            frame.arrays.append(buffer.getvalue())
            return {"npy": self.len(frame.arrays) - 1}
        return {"json": self.plain(value, 0)}

    def as_array(self, value: Any) -> Any:
        """A numeric ndarray or tensor as a contiguous copy, None for anything else, NotPlain when it cannot be."""
        kind = self.type(value)
        if kind is self.ndarray:
            array = value
        elif kind is self.tensor or kind is self.torch.nn.Parameter:
            try:
                array = self.tensor_to_numpy(self.tensor_cpu(self.tensor_detach(value)))
            except (TypeError, RuntimeError) as exc:
                raise NotPlain(f"tensor of dtype {value.dtype} cannot become an array") from exc
        else:
            return None
        if array.dtype.kind not in "biufc" or array.dtype.fields is not None:
            raise NotPlain(f"array of dtype {array.dtype}")
        if array.size > self.max_items:
            raise NotPlain(f"array of {array.size} items is too large")
        return self.np.ascontiguousarray(array).copy()

    def plain(self, value: Any, depth: int) -> Any:
        """Numbers, strings, lists, str-keyed dicts, numeric arrays as lists; anything else refused."""
        kind = self.type(value)
        if value is None or kind in (bool, int, float, str):
            return value
        if depth > 32:
            raise NotPlain("nested too deeply")
        if kind in (list, tuple):
            return [self.plain(item, depth + 1) for item in value]
        if kind is dict:
            if not all(self.type(key) is str for key in value):
                raise NotPlain("dict with keys that are not str")
            return {key: self.plain(item, depth + 1) for key, item in value.items()}
        if kind in _NUMPY_SCALARS:
            item = value.item()
            return item if self.type(item) in (bool, int, float) else [item.real, item.imag]
        array = self.as_array(value)
        if array is not None:
            if array.dtype.kind == "c":
                raise NotPlain("complex array")
            return array.tolist()
        raise NotPlain(f"a value of type {getattr(kind, '__qualname__', '?')}")


def numpy_scalar_types() -> None:
    """Fill the numpy scalar types plain() accepts; called by the zygote once numpy can be imported."""
    import numpy

    for name in ("bool_", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
                 "float16", "float32", "float64", "longdouble", "complex64", "complex128"):
        _NUMPY_SCALARS.add(getattr(numpy, name))
