"""Reading IDX files (the MNIST format), gzipped or not, with every size checked."""

import gzip
import os

import numpy as np

_DTYPES = {0x08: np.uint8, 0x09: np.int8, 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


class DatasetError(ValueError):
    """A dataset file is missing, truncated or not what it claims to be."""


def read_idx(path: str) -> np.ndarray:
    """The array stored in the IDX file ``path`` (``.gz`` or plain).

    Raises :class:`DatasetError` naming the file when the header is not IDX or the
    data is shorter or longer than the header's dimensions say.
    """
    opener = gzip.open if path.endswith(".gz") else open
    try:
        with opener(path, "rb") as handle:
            raw = handle.read()
    except (OSError, EOFError) as err:
        raise DatasetError(f"{path}: cannot be read ({err}).") from err
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in _DTYPES:
        raise DatasetError(f"{path}: not an IDX file (bad magic number {raw[:4]!r}).")
    ndim = raw[3]
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise DatasetError(f"{path}: truncated header.")
    dims = tuple(int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim))
    dtype = np.dtype(_DTYPES[raw[2]])
    expected = int(np.prod(dims, dtype=np.int64)) * dtype.itemsize
    if len(raw) - header != expected:
        raise DatasetError(
            f"{path}: the header promises {dims} ({expected} bytes of data) but the file holds"
            f" {len(raw) - header} bytes: the file is truncated or corrupt."
        )
    return np.frombuffer(raw, dtype, offset=header).reshape(dims).astype(dtype.newbyteorder("="))


def find_file(folder: str, stem: str):
    """``folder/stem`` or ``folder/stem.gz``, whichever exists, else None."""
    for name in (stem, stem + ".gz"):
        candidate = os.path.join(folder, name)
        if os.path.isfile(candidate):
            return candidate
    return None


def load_split(folder: str, split: str):
    """``(images, labels)`` of ``split`` (``"train"`` or ``"t10k"``) from ``folder``."""
    images = find_file(folder, f"{split}-images-idx3-ubyte")
    labels = find_file(folder, f"{split}-labels-idx1-ubyte")
    if images is None or labels is None:
        raise DatasetError(
            f"{folder}: missing {split}-images-idx3-ubyte[.gz] or {split}-labels-idx1-ubyte[.gz]."
        )
    x, y = read_idx(images), read_idx(labels)
    if x.ndim != 3 or y.ndim != 1 or len(x) != len(y):
        raise DatasetError(
            f"{folder}: {split} images {x.shape} and labels {y.shape} do not match"
            " (expected (n, rows, cols) and (n,))."
        )
    return x, y
