"""Reading IDX files (the MNIST format), gzipped or not, with every size checked.

An IDX file is a 4-byte magic number ``00 00 <dtype> <ndim>``, ``ndim`` big-endian
uint32 dimensions, then the data, row-major. MNIST and Fashion-MNIST ship four of them:
``{train,t10k}-images-idx3-ubyte`` (uint8, ``(n, 28, 28)``) and
``{train,t10k}-labels-idx1-ubyte`` (uint8, ``(n,)``), usually gzipped.
"""

import gzip
import os
import zlib

import numpy as np

_DTYPES = {0x08: np.uint8, 0x09: np.int8, 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}

SPLITS = ("train", "t10k")
NUM_CLASSES = 10


class DatasetError(ValueError):
    """A dataset file is missing, truncated or not what it claims to be."""


def split_stems(split: str):
    """The two IDX file names of ``split`` (``"train"`` or ``"t10k"``), without ``.gz``."""
    return f"{split}-images-idx3-ubyte", f"{split}-labels-idx1-ubyte"


def read_idx(path: str) -> np.ndarray:
    """The array stored in the IDX file ``path`` (``.gz`` or plain), in native byte order.

    Raises :class:`DatasetError` naming the file when it cannot be read, when a gzip
    stream is cut short or corrupt, when the header is not IDX, or when the data is
    shorter or longer than the header's dimensions say.

    Example::

        labels = read_idx("t10k-labels-idx1-ubyte.gz")  # uint8, shape (10000,)
    """
    opener = gzip.open if path.endswith(".gz") else open
    try:
        with opener(path, "rb") as handle:
            raw = handle.read()
    except EOFError as err:
        # gzip raises EOFError when the stream ends before its end-of-stream marker.
        raise DatasetError(f"{path}: the gzip stream is truncated ({err}).") from err
    except (OSError, zlib.error) as err:
        # BadGzipFile is an OSError; a damaged deflate block is a zlib.error.
        raise DatasetError(f"{path}: cannot be read ({err}).") from err
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in _DTYPES:
        raise DatasetError(f"{path}: not an IDX file (bad magic number {raw[:4]!r}).")
    ndim = raw[3]
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise DatasetError(f"{path}: truncated header ({len(raw)} bytes, expected {header}).")
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
    """``folder/stem`` or ``folder/stem.gz``, whichever exists (plain first), else None."""
    for name in (stem, stem + ".gz"):
        candidate = os.path.join(folder, name)
        if os.path.isfile(candidate):
            return candidate
    return None


def check_split(images, labels, where: str, count=None):
    """Raise :class:`DatasetError` unless ``images`` is uint8 ``(n, 28, 28)`` and ``labels``
    uint8 ``(n,)`` with values in ``[0, 9]`` (and ``n == count`` when ``count`` is given).

    ``where`` names the source (a file or folder and split) in the message.
    """
    if images.dtype != np.uint8 or images.ndim != 3 or images.shape[1:] != (28, 28):
        raise DatasetError(
            f"{where}: images are {images.dtype} {images.shape}; expected uint8 (n, 28, 28)."
        )
    if labels.dtype != np.uint8 or labels.ndim != 1:
        raise DatasetError(
            f"{where}: labels are {labels.dtype} {labels.shape}; expected uint8 (n,)."
        )
    if len(images) != len(labels):
        raise DatasetError(
            f"{where}: {len(images)} images but {len(labels)} labels; the files do not belong"
            " together."
        )
    if count is not None and len(images) != count:
        raise DatasetError(f"{where}: {len(images)} examples; this dataset has {count}.")
    if labels.size and labels.max() >= NUM_CLASSES:
        raise DatasetError(
            f"{where}: a label is {int(labels.max())}; labels must lie in [0, {NUM_CLASSES - 1}]."
        )


def load_split(folder: str, split: str, count=None):
    """``(images, labels)`` of ``split`` (``"train"`` or ``"t10k"``) from the IDX files in
    ``folder``: uint8 arrays of shape ``(n, 28, 28)`` and ``(n,)``.

    Works on a folder holding only one split, such as an MNIST test split alone.
    ``count``, when given, is the number of examples the split must hold.

    Example::

        x_test, y_test = load_split("../shared/data/mnist", "t10k")  # (10000, 28, 28), (10000,)
    """
    if split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS}, got {split!r}.")
    image_stem, label_stem = split_stems(split)
    images, labels = find_file(folder, image_stem), find_file(folder, label_stem)
    if images is None or labels is None:
        missing = [
            stem for stem, found in ((image_stem, images), (label_stem, labels)) if not found
        ]
        raise DatasetError(f"{folder}: missing {' and '.join(s + '[.gz]' for s in missing)}.")
    x, y = read_idx(images), read_idx(labels)
    check_split(x, y, f"{folder} ({split} split)", count)
    return x, y
