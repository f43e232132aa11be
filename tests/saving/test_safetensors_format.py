"""lamina's safetensors reader/writer: round trips, interop, and every kind of bad file."""

import io
import json
import struct

import ml_dtypes
import numpy as np
import pytest
import safetensors
import safetensors.numpy

from lamina.saving import LoadError, dump_arrays, dumps_arrays, load_arrays, save_arrays
from lamina.saving.safetensors_format import DTYPES, MAX_HEADER_BYTES


def sample(dtype, shape, seed=0):
    rng = np.random.default_rng(seed)
    values = rng.integers(0, 100, size=shape) if shape else rng.integers(0, 100)
    if np.dtype(dtype) == np.bool_:
        values = values % 2
    return np.asarray(values).astype(dtype)


def raw_file(header: dict, data: bytes = b"", length: int | None = None) -> bytes:
    text = json.dumps(header).encode()
    return struct.pack("<Q", len(text) if length is None else length) + text + data


def assert_same(loaded: dict, expected: dict):
    assert list(loaded) == list(expected)
    for name, array in expected.items():
        array = np.asarray(array)
        assert loaded[name].dtype == array.dtype, name
        assert loaded[name].shape == array.shape, name
        assert loaded[name].tobytes() == array.tobytes(), name


@pytest.mark.parametrize("code", sorted(DTYPES))
@pytest.mark.parametrize("shape", [(), (0,), (3, 0, 2), (1,), (5, 3), (2, 3, 4)])
def test_every_dtype_and_odd_shape_round_trips_bit_exactly(tmp_path, code, shape):
    arrays = {"layer/kernel": sample(DTYPES[code], shape), "other": sample(DTYPES[code], (7,))}
    save_arrays(tmp_path / "w.safetensors", arrays)
    loaded, metadata = load_arrays(tmp_path / "w.safetensors")
    assert_same(loaded, arrays)
    assert metadata == {}
    assert loaded["layer/kernel"].flags.writeable and loaded["layer/kernel"].flags.owndata


def test_mixed_dtypes_keep_their_order_and_metadata_in_every_source_form(tmp_path):
    arrays = {
        "encoder/dense/kernel": sample(np.float32, (4, 3)),
        "flag": np.bool_(True),
        "encoder/dense/bias": sample(ml_dtypes.bfloat16, (3,)),
        "step": np.int64(7),
        "emb/ü名": sample(np.float64, (2, 2)),
    }
    metadata = {"format": "lamina", "é": "ü"}
    save_arrays(tmp_path / "w.safetensors", arrays, metadata)
    data = (tmp_path / "w.safetensors").read_bytes()
    assert data == dumps_arrays(arrays, metadata)
    for source in (str(tmp_path / "w.safetensors"), data, bytearray(data), io.BytesIO(data)):
        loaded, got_metadata = load_arrays(source)
        assert_same(loaded, arrays)
        assert got_metadata == metadata


def test_data_is_aligned_to_each_item_size():
    data = dumps_arrays(
        {"b": np.ones(3, np.int8), "h": np.ones(3, np.float16), "d": np.ones(3, np.float64)}
    )
    length = struct.unpack("<Q", data[:8])[0]
    assert (8 + length) % 8 == 0
    header = json.loads(data[8 : 8 + length])
    for entry in header.values():
        itemsize = DTYPES[entry["dtype"]].itemsize
        assert entry["data_offsets"][0] % itemsize == 0


def test_non_contiguous_big_endian_and_jax_inputs_are_written_as_their_values():
    import jax.numpy as jnp

    strided = np.arange(20, dtype=np.float32).reshape(4, 5)[:, ::2]
    big = np.arange(6, dtype=">i4").reshape(2, 3)
    loaded, _ = load_arrays(dumps_arrays({"s": strided, "b": big, "j": jnp.arange(3.0)}))
    np.testing.assert_array_equal(loaded["s"], strided)
    np.testing.assert_array_equal(loaded["b"], big)
    assert loaded["b"].dtype == np.dtype("<i4")
    np.testing.assert_array_equal(loaded["j"], [0.0, 1.0, 2.0])


def test_streaming_writer_reports_the_bytes_it_wrote():
    buffer = io.BytesIO()
    count = dump_arrays(buffer, {"x": np.ones((10, 10), np.float32)})
    assert count == len(buffer.getvalue())


@pytest.mark.parametrize(
    "arrays, metadata, error",
    [
        ({"x": np.array(["a"])}, None, TypeError),
        ({"x": np.array([object()])}, None, TypeError),
        ({3: np.ones(1)}, None, ValueError),
        ({"__metadata__": np.ones(1)}, None, ValueError),
        ({"x": np.ones(1)}, {"k": 1}, TypeError),
        ({"\ud800": np.ones(1)}, None, ValueError),
    ],
)
def test_writer_refuses_what_the_format_cannot_hold(arrays, metadata, error):
    with pytest.raises(error):
        dumps_arrays(arrays, metadata)


# ---------------------------------------------------------------- interop


def test_files_we_write_load_in_the_safetensors_package(tmp_path):
    arrays = {c: sample(d, (3, 2)) for c, d in DTYPES.items()}
    save_arrays(tmp_path / "w.safetensors", arrays, {"k": "v"})
    theirs = dict(safetensors.deserialize((tmp_path / "w.safetensors").read_bytes()))
    for code, array in arrays.items():
        assert theirs[code]["dtype"] == code
        assert theirs[code]["shape"] == [3, 2]
        assert bytes(theirs[code]["data"]) == array.tobytes()
    numpy_codes = {c: a for c, a in arrays.items() if c not in ("BF16", "F8_E4M3", "F8_E5M2")}
    save_arrays(tmp_path / "n.safetensors", numpy_codes)
    theirs = safetensors.numpy.load_file(tmp_path / "n.safetensors")
    assert set(theirs) == set(numpy_codes)
    assert_same({k: theirs[k] for k in numpy_codes}, numpy_codes)


def test_files_the_safetensors_package_writes_load_here(tmp_path):
    arrays = {
        "a/kernel": sample(np.float32, (4, 5)),
        "b": sample(np.int8, (3,)),
        "c": sample(np.float64, ()),
        "d": sample(np.uint16, (0, 2)),
        "e": sample(np.bool_, (2, 2)),
        "f": sample(ml_dtypes.bfloat16, (3,)),
    }
    safetensors.numpy.save_file(arrays, tmp_path / "t.safetensors", metadata={"m": "1"})
    loaded, metadata = load_arrays(tmp_path / "t.safetensors")
    assert metadata == {"m": "1"}
    assert set(loaded) == set(arrays)
    assert_same({k: loaded[k] for k in arrays}, arrays)


# ---------------------------------------------------------------- bad files


def good_header():
    return {"dense/kernel": {"dtype": "F32", "shape": [2, 2], "data_offsets": [0, 16]}}


def entry(dtype="F32", shape=(2, 2), offsets=(0, 16)):
    return {"dtype": dtype, "shape": list(shape), "data_offsets": list(offsets)}


@pytest.mark.parametrize(
    "content, reason",
    [
        (b"", "fewer than|8-byte"),
        (b"\x01\x02", "8-byte"),
        (struct.pack("<Q", 2**63) + b"{}", "declares 9223372036854775808 bytes"),
        (struct.pack("<Q", 2**64 - 1) + b"{}", "declares"),
        (struct.pack("<Q", 100) + b"{}", "only 2 follow"),
        (struct.pack("<Q", 5) + b"{[}]]", "not UTF-8 JSON"),
        (struct.pack("<Q", 4) + b"\xff\xfe{}", "not UTF-8 JSON"),
        (struct.pack("<Q", 2) + b"[]", "JSON list, expected an object"),
        (raw_file({"x": entry(dtype="F31")}, bytes(16)), "unknown dtype 'F31'"),
        (raw_file({"x": entry(dtype=4)}, bytes(16)), "unknown dtype 4"),
        (raw_file({"x": entry(shape=(-2, -2))}, bytes(16)), "shape"),
        (raw_file({"x": entry(shape=(True, 2))}, bytes(16)), "shape"),
        (raw_file({"x": entry(shape=[1] * 65, offsets=(0, 4))}, bytes(4)), "at most 64"),
        (raw_file({"x": {**entry(), "extra": 1}}, bytes(16)), "expected keys"),
        (raw_file({"x": [1, 2]}, bytes(16)), "expected keys"),
        (raw_file({"x": entry(offsets=(16, 0))}, bytes(16)), "begin <= end"),
        (raw_file({"x": entry(offsets=(0, 16, 32))}, bytes(16)), "data_offsets"),
        (raw_file(good_header(), bytes(8)), "spans bytes 0..16 but the data section has 8"),
        (raw_file({"x": entry(offsets=(0, 12))}, bytes(12)), "needs 16 bytes"),
        (
            raw_file({"x": entry(), "y": entry(offsets=(8, 24))}, bytes(24)),
            "overlap at byte 8",
        ),
        (raw_file({"x": entry(offsets=(8, 24))}, bytes(24)), "belong to no tensor"),
        (raw_file(good_header(), bytes(20)), "4 bytes follow the last tensor"),
        (raw_file({"x": entry(shape=(2**40, 2**40), offsets=(0, 16))}, bytes(16)), "needs"),
        (raw_file({"__metadata__": {"a": 1}}), "__metadata__"),
        (raw_file({"__metadata__": ["a"]}), "__metadata__"),
        (struct.pack("<Q", 15) + b'{"a":1, "a":2} ', "names 'a' twice"),
        (struct.pack("<Q", 200_002) + b"[" * 100_001 + b"]" * 100_001, "not UTF-8 JSON"),
        (struct.pack("<Q", 5000) + b"1" * 5000, "Exceeds the limit|reading"),
    ],
)
def test_bad_files_raise_load_error_naming_file_and_problem(tmp_path, content, reason):
    path = tmp_path / "bad.safetensors"
    path.write_bytes(content)
    with pytest.raises(LoadError, match=reason) as info:
        load_arrays(path)
    assert str(info.value).startswith(f"{path}: ")
    assert info.value.path == str(path)


def test_header_over_the_limit_is_refused_before_reading_it(tmp_path):
    path = tmp_path / "big.safetensors"
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", MAX_HEADER_BYTES + 1))
        f.truncate(8 + MAX_HEADER_BYTES + 1)  # sparse: the file really is that large
    with pytest.raises(LoadError, match="over the 100000000-byte limit"):
        load_arrays(path)


def test_every_truncation_of_a_valid_file_is_a_load_error(tmp_path):
    data = dumps_arrays(
        {"a": sample(np.float32, (3,)), "b": sample(np.int8, (5,)), "c": np.zeros(0)}, {"m": "x"}
    )
    path = tmp_path / "cut.safetensors"
    for end in range(len(data)):
        path.write_bytes(data[:end])
        with pytest.raises(LoadError, match=f"^{path}: "):
            load_arrays(path)
        with pytest.raises(LoadError, match="^<bytes>: "):
            load_arrays(data[:end])


def test_a_stream_shorter_than_its_declared_size_is_a_load_error():
    data = dumps_arrays({"a": np.ones(100, np.float32)})
    with pytest.raises(LoadError, match="ends inside tensor 'a'"):
        load_arrays(io.BytesIO(data[:-4]), size=len(data))
