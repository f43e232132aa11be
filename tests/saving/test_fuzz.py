"""Property: whatever bytes the loaders get, only LoadError ever comes out.

Random bytes, valid files with bit flips, truncations, splices and overwrites,
random length prefixes and random headers go into ``load_arrays`` and
``read_archive``; any other exception fails the test. A longer hunt:
``LAMINA_FUZZ_EXAMPLES=20000 pytest tests/saving/test_fuzz.py``.
"""

import io
import json
import os
import struct
import tempfile
from pathlib import Path

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lamina.saving import LoadError, dumps_arrays, load_arrays, open_archive, write_archive
from lamina.saving.safetensors_format import DTYPES

NAMES = {"config.json", "model.safetensors"}
FUZZ = settings(
    max_examples=int(os.environ.get("LAMINA_FUZZ_EXAMPLES", 150)),
    deadline=None,
    database=None,  # no .hypothesis folder in the repository
    suppress_health_check=[HealthCheck.too_slow],
)

VALID_ARRAYS = dumps_arrays(
    {
        "dense/kernel": np.arange(6, dtype=np.float32).reshape(2, 3),
        "dense/bias": np.zeros(3, np.int8),
        "scalar": np.float64(1.5),
        "empty": np.zeros((0, 2), np.uint16),
    },
    {"format": "lamina"},
)


def _valid_archive() -> bytes:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "m.lamina"
        write_archive(path, {"config.json": b'{"a": [1, 2]}', "model.safetensors": VALID_ARRAYS})
        return path.read_bytes()


VALID_ARCHIVE = _valid_archive()


def load_both(data: bytes) -> None:
    """Feed ``data`` to the loaders as a safetensors file and as an archive."""
    for load in (_load_arrays_every_way, _load_archive):
        try:
            load(data)
        except LoadError as e:
            assert e.reason and str(e).startswith(e.path)


def _load_arrays_every_way(data: bytes) -> None:
    load_arrays(data)
    load_arrays(io.BytesIO(data))


def _load_archive(data: bytes) -> None:
    with open_archive(data, NAMES) as archive:
        for name in archive.names:
            archive.read(name)
        if "model.safetensors" in archive.names:
            load_arrays(archive.open("model.safetensors"))


@st.composite
def mutated(draw, base: bytes) -> bytes:
    data = bytearray(base)
    for _ in range(draw(st.integers(1, 4))):
        if not data:
            break
        at = draw(st.integers(0, len(data) - 1))
        kind = draw(st.sampled_from(["flip", "truncate", "splice", "overwrite", "delete"]))
        if kind == "flip":
            data[at] ^= 1 << draw(st.integers(0, 7))
        elif kind == "truncate":
            del data[at:]
        elif kind == "splice":  # a copy of another part of the file, inserted
            source = draw(st.integers(0, len(data) - 1))
            data[at:at] = data[source : source + draw(st.integers(1, 64))]
        elif kind == "overwrite":
            chunk = draw(st.binary(min_size=1, max_size=8))
            data[at : at + len(chunk)] = chunk
        else:
            del data[at : at + draw(st.integers(1, 64))]
    return bytes(data)


@FUZZ
@given(st.binary(max_size=600))
def test_random_bytes_only_raise_load_error(data):
    load_both(data)


@FUZZ
@given(mutated(VALID_ARRAYS))
def test_mutated_safetensors_files_only_raise_load_error(data):
    load_both(data)


@FUZZ
@given(mutated(VALID_ARCHIVE))
def test_mutated_archives_only_raise_load_error(data):
    load_both(data)


@FUZZ
@given(st.integers(0, 2**64 - 1), st.binary(max_size=64))
def test_random_header_lengths_only_raise_load_error(length, rest):
    load_both(struct.pack("<Q", length) + VALID_ARRAYS[8:] + rest)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats() | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner),
    max_leaves=6,
)
sizes = st.integers(-2, 40) | st.integers(2**31, 2**70)
entries = st.fixed_dictionaries(
    {
        "dtype": st.sampled_from([*DTYPES, "F31", ""]) | json_values,
        "shape": st.lists(sizes, max_size=4) | json_values,
        "data_offsets": st.lists(sizes, min_size=0, max_size=3) | json_values,
    }
)
headers = st.dictionaries(st.text(max_size=8), entries | json_values, max_size=4) | json_values


@FUZZ
@given(headers, st.binary(max_size=200))
def test_random_headers_only_raise_load_error(header, data):
    text = json.dumps(header).encode()
    load_both(struct.pack("<Q", len(text)) + text + data)
