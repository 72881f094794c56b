"""IDX files (the MNIST format, gzipped or raw) and the image-classification data sets stored in them.

An IDX file is two zero bytes, a dtype code, the number of dimensions, one big-endian uint32 per dimension,
then the values in C order, big-endian. Every malformed file is rejected with a one-line ValueError naming it.
"""

from __future__ import annotations

import gzip
import os
import struct
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

DTYPES: dict[int, np.dtype] = {
    0x08: np.dtype(">u1"), 0x09: np.dtype(">i1"), 0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"), 0x0D: np.dtype(">f4"), 0x0E: np.dtype(">f8"),
}
CODES: dict[str, int] = {dtype.str[1:]: code for code, dtype in DTYPES.items()}  # "u1" -> 0x08
GZIP_MAGIC = b"\x1f\x8b"
MAX_DIMS = 8  # enough for any data set; a larger count means a corrupt header

SYSTEM_DATA = Path("/usr/share/datasets")  # Debian's dataset-* packages install here
DATA_ENV = "CNNLAB_DATA"
SPLITS = {"train": "train", "test": "t10k"}


def _raw_bytes(path: Path) -> bytes:
    """The file's content, gunzipped when it starts with gzip's magic number."""
    data = path.read_bytes()
    if not data.startswith(GZIP_MAGIC):
        return data
    try:
        return gzip.decompress(data)
    except (OSError, EOFError, zlib.error) as error:
        raise ValueError(f"{path}: corrupt or truncated gzip stream ({error})") from None


def parse_idx(data: bytes, name: str = "<bytes>") -> np.ndarray:
    """Decode an IDX byte string, checking magic number, dtype, dimensions and size; errors name `name`."""
    if len(data) < 4:
        raise ValueError(f"{name}: not an IDX file (only {len(data)} bytes, the header needs at least 4)")
    zero, code, ndim = struct.unpack(">HBB", data[:4])
    if zero != 0:
        raise ValueError(f"{name}: not an IDX file (magic number starts {data[:2].hex()}, expected 0000)")
    if code not in DTYPES:
        raise ValueError(f"{name}: unknown IDX dtype code 0x{code:02x} (known: {', '.join(f'0x{c:02x}' for c in DTYPES)})")
    if not 1 <= ndim <= MAX_DIMS:
        raise ValueError(f"{name}: IDX header declares {ndim} dimensions (expected 1 to {MAX_DIMS})")
    header = 4 + 4 * ndim
    if len(data) < header:
        raise ValueError(f"{name}: truncated IDX header ({len(data)} bytes, {ndim} dimensions need {header})")
    shape = struct.unpack(f">{ndim}I", data[4:header])
    dtype = DTYPES[code]
    expected = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    if len(data) - header != expected:
        state = "truncated" if len(data) - header < expected else "has trailing bytes"
        raise ValueError(f"{name}: {state}: shape {shape} of {dtype.name} needs {expected} data bytes, "
                         f"found {len(data) - header}")
    return np.frombuffer(data, dtype=dtype, offset=header).reshape(shape).astype(dtype.newbyteorder("="))


def read_idx(path: str | os.PathLike[str]) -> np.ndarray:
    """Read one IDX file, gzipped or raw (decided by content, not by name)."""
    path = Path(path)
    return parse_idx(_raw_bytes(path), str(path))


def encode_idx(array: np.ndarray) -> bytes:
    """The IDX encoding of an array whose dtype IDX supports."""
    array = np.asarray(array)
    key = array.dtype.str[1:]
    if key not in CODES or array.ndim == 0 or array.ndim > MAX_DIMS:
        raise ValueError(f"IDX cannot store a {array.ndim}-D array of {array.dtype}")
    header = struct.pack(f">HBB{array.ndim}I", 0, CODES[key], array.ndim, *array.shape)
    return header + np.ascontiguousarray(array, dtype=array.dtype.newbyteorder(">")).tobytes()


def write_idx(path: str | os.PathLike[str], array: np.ndarray) -> Path:
    """Write an array as IDX, gzipped when the name ends in .gz (mtime 0, so the bytes are reproducible)."""
    path = Path(path)
    data = encode_idx(array)
    path.write_bytes(gzip.compress(data, mtime=0) if path.suffix == ".gz" else data)
    return path


@dataclass(frozen=True)
class Split:
    """Images (N, H, W) uint8 and their labels (N,) int64."""

    images: np.ndarray
    labels: np.ndarray


@dataclass(frozen=True)
class Dataset:
    """An image-classification data set: a train and a test split, plus where it was read from."""

    name: str
    source: str
    train: Split
    test: Split
    num_classes: int

    @property
    def image_size(self) -> int:
        """Side length of the (square) images."""
        return int(self.train.images.shape[1])


def _split_file(folder: Path, split: str, kind: str) -> Path:
    """The IDX file of one split (`train`/`t10k`) and kind (`images-idx3`/`labels-idx1`), gzipped or raw."""
    stem = f"{SPLITS[split]}-{kind}-ubyte"
    for candidate in (folder / f"{stem}.gz", folder / stem):
        if candidate.is_file():
            return candidate
    raise FileNotFoundError(f"{folder}: no {stem}[.gz] (expected the four MNIST-style IDX files)")


def _read_split(folder: Path, split: str) -> Split:
    """Read and cross-check one split's images and labels."""
    images_path, labels_path = _split_file(folder, split, "images-idx3"), _split_file(folder, split, "labels-idx1")
    images, labels = read_idx(images_path), read_idx(labels_path)
    if images.ndim != 3 or images.dtype != np.uint8 or images.shape[1] != images.shape[2]:
        raise ValueError(f"{images_path}: expected square uint8 images (N, H, W), got {images.dtype} {images.shape}")
    if labels.ndim != 1 or labels.dtype != np.uint8:
        raise ValueError(f"{labels_path}: expected uint8 labels (N,), got {labels.dtype} {labels.shape}")
    if len(images) != len(labels) or len(images) == 0:
        raise ValueError(f"{labels_path}: {len(labels)} labels for {len(images)} images in {images_path}")
    return Split(images, labels.astype(np.int64))


def load_folder(folder: str | os.PathLike[str]) -> Dataset:
    """A data set from a folder holding train-/t10k- images and labels, as MNIST and Fashion-MNIST ship."""
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"{folder}: no such data folder")
    train, test = _read_split(folder, "train"), _read_split(folder, "test")
    if train.images.shape[1:] != test.images.shape[1:]:
        raise ValueError(f"{folder}: train images are {train.images.shape[1:]}, test images {test.images.shape[1:]}")
    num_classes = int(max(train.labels.max(), test.labels.max())) + 1
    return Dataset(folder.name, str(folder), train, test, num_classes)


def write_folder(folder: str | os.PathLike[str], train: Split, test: Split, gz: bool = True) -> Path:
    """Write two splits as an MNIST-style folder (for subsets, exports and test fixtures)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    suffix = ".gz" if gz else ""
    for split, part in (("train", train), ("test", test)):
        write_idx(folder / f"{SPLITS[split]}-images-idx3-ubyte{suffix}", np.asarray(part.images, dtype=np.uint8))
        write_idx(folder / f"{SPLITS[split]}-labels-idx1-ubyte{suffix}", np.asarray(part.labels, dtype=np.uint8))
    return folder


def data_roots(data: str | os.PathLike[str] | None = None) -> list[Path]:
    """Where named data sets are looked for, in order: --data, $CNNLAB_DATA, then Debian's /usr/share/datasets."""
    roots = [Path(p) for p in (data, os.environ.get(DATA_ENV)) if p]
    return [*roots, SYSTEM_DATA]


def resolve(dataset: str, data: str | os.PathLike[str] | None = None) -> Path:
    """The folder of a data set given by name (a sub-folder of a data root) or as a path to the folder itself."""
    if os.sep in dataset or Path(dataset).is_dir():
        return Path(dataset)
    for root in data_roots(data):
        if (root / dataset).is_dir():
            return root / dataset
    hint = " (apt-get install dataset-fashion-mnist)" if dataset == "fashion-mnist" else ""
    searched = ", ".join(str(root / dataset) for root in data_roots(data))
    raise FileNotFoundError(f"data set {dataset!r} not found in {searched}; pass --data DIR or set {DATA_ENV}{hint}")


def load_dataset(dataset: str = "fashion-mnist", data: str | os.PathLike[str] | None = None) -> Dataset:
    """Load a data set by name (looked up under the data roots) or by folder path."""
    return load_folder(resolve(dataset, data))
