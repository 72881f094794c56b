"""IDX reading and writing: round trips in every dtype, gzipped and raw, and a named ValueError for every corruption."""

from __future__ import annotations

import gzip
import struct
from pathlib import Path

import numpy as np
import pytest

from solutions.idx import DATA_ENV, DTYPES, Split, encode_idx, load_dataset, read_idx, write_folder, write_idx


@pytest.mark.parametrize("suffix", ["", ".gz"])
@pytest.mark.parametrize("dtype", [d.newbyteorder("=") for d in DTYPES.values()])
def test_round_trip(tmp_path: Path, suffix: str, dtype: np.dtype) -> None:
    array = (np.arange(2 * 3 * 4) - 7).reshape(2, 3, 4).astype(dtype)
    path = write_idx(tmp_path / f"a-idx3-ubyte{suffix}", array)
    back = read_idx(path)
    assert back.dtype == dtype and back.shape == array.shape
    np.testing.assert_array_equal(back, array)


def test_gzip_detected_by_content_not_name(tmp_path: Path) -> None:
    labels = np.array([3, 1, 4, 1, 5], dtype=np.uint8)
    path = tmp_path / "labels-idx1-ubyte"  # no .gz suffix, but gzipped bytes
    path.write_bytes(gzip.compress(encode_idx(labels)))
    np.testing.assert_array_equal(read_idx(path), labels)


def test_header_layout_matches_mnist() -> None:
    data = encode_idx(np.zeros((2, 28, 28), dtype=np.uint8))
    assert data[:4] == b"\x00\x00\x08\x03"
    assert struct.unpack(">3I", data[4:16]) == (2, 28, 28)
    assert len(data) == 16 + 2 * 28 * 28


GOOD = encode_idx(np.arange(24, dtype=np.uint8).reshape(2, 3, 4))
CORRUPTIONS = {
    "empty": (b"", "only 0 bytes"),
    "bad magic": (b"\x01\x00" + GOOD[2:], "magic number"),
    "bad dtype": (GOOD[:2] + b"\x07" + GOOD[3:], "dtype code 0x07"),
    "zero dims": (GOOD[:3] + b"\x00" + GOOD[4:], "0 dimensions"),
    "too many dims": (GOOD[:3] + b"\x40" + GOOD[4:], "64 dimensions"),
    "truncated header": (GOOD[:10], "truncated IDX header"),
    "truncated data": (GOOD[:-1], "truncated"),
    "trailing bytes": (GOOD + b"\x00", "trailing bytes"),
    "corrupt gzip": (gzip.compress(GOOD)[:-12] + b"\xff" * 12, "gzip"),
    "truncated gzip": (gzip.compress(GOOD)[:20], "gzip"),
}


@pytest.mark.parametrize("case", sorted(CORRUPTIONS))
def test_corruption_is_a_one_line_value_error_naming_the_file(tmp_path: Path, case: str) -> None:
    content, fragment = CORRUPTIONS[case]
    path = tmp_path / "broken-idx3-ubyte"
    path.write_bytes(content)
    with pytest.raises(ValueError) as info:
        read_idx(path)
    message = str(info.value)
    assert str(path) in message and fragment in message and "\n" not in message


def test_unsupported_dtype_cannot_be_written() -> None:
    with pytest.raises(ValueError, match="int64"):
        encode_idx(np.zeros(3, dtype=np.int64))


def write_set(folder: Path, images: np.ndarray, labels: np.ndarray, test_size: int, gz: bool = True) -> Path:
    """A tiny MNIST-style folder: the first test_size examples become the test split."""
    return write_folder(folder, Split(images[test_size:], labels[test_size:]),
                        Split(images[:test_size], labels[:test_size]), gz=gz)


@pytest.mark.parametrize("gz", [True, False])
def test_load_folder_by_path_and_by_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, gz: bool) -> None:
    rng = np.random.default_rng(0)
    images, labels = rng.integers(0, 256, (12, 8, 8), dtype=np.uint8), np.arange(12, dtype=np.uint8) % 3
    write_set(tmp_path / "tiny", images, labels, test_size=4, gz=gz)
    by_path = load_dataset(str(tmp_path / "tiny"))
    monkeypatch.setenv(DATA_ENV, str(tmp_path))
    by_env = load_dataset("tiny")
    by_flag = load_dataset("tiny", data=tmp_path)
    for data in (by_path, by_env, by_flag):
        assert data.name == "tiny" and data.num_classes == 3 and data.image_size == 8
        np.testing.assert_array_equal(data.train.images, images[4:])
        np.testing.assert_array_equal(data.test.labels, labels[:4])
        assert data.train.labels.dtype == np.int64


def test_missing_data_set_names_where_it_looked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(DATA_ENV, str(tmp_path))
    with pytest.raises(FileNotFoundError, match="no-such-set.*--data DIR"):
        load_dataset("no-such-set")


def test_mismatched_labels_are_rejected(tmp_path: Path) -> None:
    folder = write_set(tmp_path / "bad", np.zeros((6, 4, 4), np.uint8), np.zeros(6, np.uint8), test_size=2)
    write_idx(folder / "train-labels-idx1-ubyte.gz", np.zeros(3, np.uint8))
    with pytest.raises(ValueError, match="3 labels for 4 images"):
        load_dataset(str(folder))


def test_non_image_file_is_rejected(tmp_path: Path) -> None:
    folder = write_set(tmp_path / "bad", np.zeros((6, 4, 4), np.uint8), np.zeros(6, np.uint8), test_size=2)
    write_idx(folder / "t10k-images-idx3-ubyte.gz", np.zeros((2, 16), np.uint8))
    with pytest.raises(ValueError, match="t10k-images-idx3-ubyte.gz: expected square uint8 images"):
        load_dataset(str(folder))
