"""lamina's own reader and writer of the safetensors format: arrays by name, no code.

A file is an 8-byte little-endian length ``N``, ``N`` bytes of UTF-8 JSON, then
the data::

    {"dense/kernel": {"dtype": "F32", "shape": [784, 64], "data_offsets": [0, 200704]},
     "__metadata__": {"format": "lamina"}}

Offsets count from the start of the data section. The reader checks every
declared size against the real one before it allocates anything, so a hostile
file costs at most its own size in memory, and every problem is a ``LoadError``.
Files interoperate with the ``safetensors`` package both ways.
"""

import io
import json
import math
import os
import sys

import ml_dtypes
import numpy as np

from lamina.saving.atomic import atomic_write
from lamina.saving.errors import LoadError, reraise_as_load_error, shown

# The safetensors dtype codes lamina reads and writes (the format's full list
# minus F8_E8M0/F4/F6 variants, which have no NumPy dtype here).
DTYPES: dict[str, np.dtype] = {
    "F64": np.dtype("<f8"),
    "F32": np.dtype("<f4"),
    "F16": np.dtype("<f2"),
    "BF16": np.dtype(ml_dtypes.bfloat16),
    "F8_E4M3": np.dtype(ml_dtypes.float8_e4m3fn),
    "F8_E5M2": np.dtype(ml_dtypes.float8_e5m2),
    "C64": np.dtype("<c8"),
    "I64": np.dtype("<i8"),
    "I32": np.dtype("<i4"),
    "I16": np.dtype("<i2"),
    "I8": np.dtype("i1"),
    "U64": np.dtype("<u8"),
    "U32": np.dtype("<u4"),
    "U16": np.dtype("<u2"),
    "U8": np.dtype("u1"),
    "BOOL": np.dtype("?"),
}
_CODES = {dtype.name: code for code, dtype in DTYPES.items()}

# The safetensors package's own bound; a real header is kilobytes.
MAX_HEADER_BYTES = 100_000_000
_MAX_NDIM = 64  # NumPy's limit
_ENTRY_KEYS = frozenset({"dtype", "shape", "data_offsets"})


# ---------------------------------------------------------------- writing


def save_arrays(path, arrays, metadata: dict[str, str] | None = None) -> None:
    """Write ``arrays`` (name -> array) to the safetensors file ``path``, atomically.

    Args:
        path: the file to create or replace; see ``atomic_write``.
        arrays: a mapping from any str (lamina uses ``"encoder/dense/kernel"``) to an
            array-like of a dtype in ``DTYPES`` (NumPy, JAX, ``ml_dtypes`` bf16/fp8).
        metadata: optional str -> str pairs stored in the header's ``__metadata__``.

    Example::

        save_arrays("/tmp/w.safetensors", {"dense/kernel": np.ones((3, 2), "float32")})
    """
    with atomic_write(path) as file:
        dump_arrays(file, arrays, metadata)


def dump_arrays(file, arrays, metadata: dict[str, str] | None = None) -> int:
    """Write ``arrays`` in safetensors format to the binary file object ``file``.

    This is the streaming form: array data goes from each array to ``file``
    without an intermediate copy, so a zip member (``write_archive``) can hold a
    model as large as memory. Returns the number of bytes written.
    """
    header, ordered = _plan(arrays, metadata)
    file.write(len(header).to_bytes(8, "little"))
    file.write(header)
    for array in ordered:
        file.write(memoryview(array.reshape(-1).view(np.uint8)))
    return 8 + len(header) + sum(array.nbytes for array in ordered)


def dumps_arrays(arrays, metadata: dict[str, str] | None = None) -> bytes:
    """The safetensors file for ``arrays`` as bytes; see ``save_arrays``."""
    buffer = io.BytesIO()
    dump_arrays(buffer, arrays, metadata)
    return buffer.getvalue()


def _plan(arrays, metadata):
    """The padded header and the arrays in data order (contiguous, little-endian)."""
    if metadata is not None and not (
        isinstance(metadata, dict)
        and all(isinstance(k, str) and isinstance(v, str) for k, v in metadata.items())
    ):
        raise TypeError(f"metadata must be a dict of str to str, got {metadata!r}")
    named = []
    for name, value in arrays.items():
        if not isinstance(name, str) or name == "__metadata__":
            raise ValueError(
                f"array names must be str other than '__metadata__', got {shown(name)}"
            )
        named.append((name, _little_endian(name, value)))
    # Largest items first: with the header padded to 8 bytes, every array then
    # starts at a multiple of its item size, as the safetensors package lays it out.
    ordered = sorted(named, key=lambda pair: -pair[1].dtype.itemsize)
    offsets, position = {}, 0
    for name, array in ordered:
        offsets[name] = [position, position + array.nbytes]
        position += array.nbytes
    header = {
        name: {
            "dtype": _CODES[array.dtype.name],
            "shape": list(array.shape),
            "data_offsets": offsets[name],
        }
        for name, array in named
    }
    if metadata is not None:
        header["__metadata__"] = dict(metadata)
    try:
        text = json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError as e:
        raise ValueError(f"array names and metadata must be valid Unicode: {e}") from None
    text += b" " * (-len(text) % 8)
    return text, [array for _, array in ordered]


def _little_endian(name, value) -> np.ndarray:
    array = np.asarray(value)
    if array.dtype.name not in _CODES:
        raise TypeError(
            f"array {shown(name)} has dtype {array.dtype}, which safetensors cannot store; "
            f"supported: {', '.join(sorted(_CODES))}"
        )
    order = array.dtype.byteorder
    if order == ">" or (order == "=" and sys.byteorder == "big"):
        array = array.astype(array.dtype.newbyteorder("<"))
    # order="C", unlike ascontiguousarray, keeps a 0-d array 0-d.
    return np.asarray(array, order="C")


# ---------------------------------------------------------------- reading


def load_arrays(source, *, size: int | None = None):
    """Read a safetensors file: ``(arrays, metadata)``, both dicts in the file's order.

    Args:
        source: a path, the file's bytes (``bytes``/``bytearray``/``memoryview``), or a
            binary file object positioned at the file's start. A file object from
            ``Archive.open`` names its archive and member in errors.
        size: the byte size of a file object's content; by default the file object
            is sought to its end to find it.

    Returns fresh, writable NumPy arrays (bf16/fp8 as ``ml_dtypes`` types) and the
    header's ``__metadata__`` (``{}`` when absent).

    Raises:
        LoadError: the content is not a complete, well-formed safetensors file
            (truncated, trailing bytes, sizes or offsets that do not add up, unknown
            dtype, bad JSON, ...). Nothing is allocated for a size before it is
            checked against the real size.

    Example::

        arrays, metadata = load_arrays("/tmp/w.safetensors")
    """
    if isinstance(source, bytes | bytearray | memoryview):
        data = memoryview(source).cast("B")
        # BytesIO shares a bytes object's memory but copies any other buffer.
        stream = io.BytesIO(source if isinstance(source, bytes) else data)
        return _read(stream, data.nbytes, "<bytes>", None)
    if isinstance(source, str | os.PathLike):
        with open(source, "rb") as file:
            return _read(file, os.fstat(file.fileno()).st_size, os.fspath(source), None)
    path = getattr(source, "path", None) or getattr(source, "name", None) or "<stream>"
    member = getattr(source, "member", None)
    if size is None:
        size = getattr(source, "size", None)
    if size is None:
        start = source.tell()
        size = source.seek(0, io.SEEK_END) - start
        source.seek(start)
    return _read(source, size, path, member)


def _read(file, size, path, member):
    def fail(reason):
        raise LoadError(path, reason, member=member)

    with reraise_as_load_error(path, member=member, doing="reading safetensors"):
        if size < 8:
            fail(f"the file has {size} bytes; a safetensors file starts with an 8-byte length")
        length = int.from_bytes(_read_exact(file, 8, fail), "little")
        if length > size - 8:
            fail(f"the header declares {length} bytes but only {size - 8} follow the length")
        if length > MAX_HEADER_BYTES:
            fail(f"the header declares {length} bytes, over the {MAX_HEADER_BYTES}-byte limit")
        header = _parse_header(_read_exact(file, length, fail), fail)
        specs, metadata = _check_header(header, size - 8 - length, fail)
        arrays = {}
        for name, dtype, shape, _ in sorted(specs, key=lambda spec: spec[3]):
            array = np.empty(shape, dtype)
            _read_into(file, array.reshape(-1).view(np.uint8), name, fail)
            arrays[name] = array
        return {spec[0]: arrays[spec[0]] for spec in specs}, metadata


def _read_exact(file, count, fail) -> bytes:
    data = file.read(count)
    if len(data) != count:
        fail(f"the file ends early: {count} bytes expected, {len(data)} read")
    return data


def _read_into(file, target: np.ndarray, name, fail) -> None:
    view, filled = memoryview(target), 0
    while filled < len(view):
        got = file.readinto(view[filled:])
        if not got:
            fail(f"the file ends inside tensor {shown(name)} ({filled} of {len(view)} bytes read)")
        filled += got


def _parse_header(raw: bytes, fail):
    def no_duplicates(pairs):
        obj = dict(pairs)
        if len(obj) != len(pairs):
            seen = set()
            duplicate = next(k for k, _ in pairs if k in seen or seen.add(k))
            fail(f"the header names {shown(duplicate)} twice")
        return obj

    try:
        return json.loads(raw.decode("utf-8"), object_pairs_hook=no_duplicates)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as e:
        fail(f"the header is not UTF-8 JSON ({type(e).__name__}: {e})")


def _check_header(header, data_size: int, fail):
    """``[(name, dtype, shape, (begin, end))]`` in header order, and the metadata."""
    if not isinstance(header, dict):
        fail(f"the header is a JSON {type(header).__name__}, expected an object")
    metadata = header.get("__metadata__", {})
    if not isinstance(metadata, dict) or not all(isinstance(v, str) for v in metadata.values()):
        fail("the header's '__metadata__' must map str to str")
    specs = []
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        if not isinstance(entry, dict) or entry.keys() != _ENTRY_KEYS:
            keys = sorted(entry) if isinstance(entry, dict) else type(entry).__name__
            fail(
                f"tensor {shown(name)}: expected keys data_offsets, dtype, shape; got {shown(keys)}"
            )
        code, shape, offsets = entry["dtype"], entry["shape"], entry["data_offsets"]
        if not isinstance(code, str) or code not in DTYPES:
            fail(f"tensor {shown(name)}: unknown dtype {shown(code)}; known: {', '.join(DTYPES)}")
        if not _is_list_of_sizes(shape) or len(shape) > _MAX_NDIM:
            fail(
                f"tensor {shown(name)}: shape must be a list of at most 64 sizes >= 0, "
                f"got {shown(shape)}"
            )
        if not _is_list_of_sizes(offsets) or len(offsets) != 2 or offsets[0] > offsets[1]:
            fail(f"tensor {shown(name)}: data_offsets must be [begin, end] with begin <= end")
        begin, end = offsets
        if end > data_size:
            fail(
                f"tensor {shown(name)} spans bytes {begin}..{end} but the data section has "
                f"{data_size} bytes"
            )
        needed = math.prod(shape) * DTYPES[code].itemsize
        if end - begin != needed:
            fail(
                f"tensor {shown(name)}: shape {shown(shape)} of {code} needs {needed} bytes "
                f"but its offsets span {end - begin}"
            )
        specs.append((name, DTYPES[code], tuple(shape), (begin, end)))
    _check_tiling(specs, data_size, fail)
    return specs, metadata


def _check_tiling(specs, data_size: int, fail) -> None:
    # The tensors must cover the data section exactly: no gap that could hide
    # bytes, no overlap that would alias two tensors, nothing after the last one.
    position, previous = 0, None
    for name, _, _, (begin, end) in sorted(specs, key=lambda spec: spec[3]):
        if begin < position:
            fail(f"tensors {shown(previous)} and {shown(name)} overlap at byte {begin}")
        if begin > position:
            fail(f"bytes {position}..{begin} of the data section belong to no tensor")
        position, previous = end, name
    if position != data_size:
        fail(f"{data_size - position} bytes follow the last tensor")


def _is_list_of_sizes(value) -> bool:
    # bool is an int in Python; a shape of [true] is not a shape.
    return isinstance(value, list) and all(type(item) is int and item >= 0 for item in value)
