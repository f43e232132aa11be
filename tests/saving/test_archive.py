"""Zip archives: atomic writing, streaming members, and refusal of hostile archives."""

import io
import stat
import struct
import warnings
import zipfile

import numpy as np
import pytest

from lamina.saving import (
    LoadError,
    dump_arrays,
    dumps_arrays,
    load_arrays,
    open_archive,
    read_archive,
    write_archive,
)

NAMES = {"config.json", "metadata.json", "model.safetensors"}


def zip_bytes(entries, compression=zipfile.ZIP_STORED) -> bytes:
    """An archive made by Python's zipfile, with whatever names and attributes asked."""
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns about duplicate names
        with zipfile.ZipFile(buffer, "w", compression) as archive:
            for name, data, *mode in entries:
                info = zipfile.ZipInfo(name)
                info.compress_type = compression
                if mode:
                    info.external_attr = mode[0] << 16
                archive.writestr(info, data)
    return buffer.getvalue()


def patch_directory(data: bytes, field_offset: int, fmt: str, value) -> bytes:
    """``data`` with one field of its first central-directory entry replaced."""
    at = data.index(b"PK\x01\x02") + field_offset
    return data[:at] + struct.pack(fmt, value) + data[at + struct.calcsize(fmt) :]


def patch_end_record(data: bytes, field_offset: int, value: int) -> bytes:
    """``data`` with one 16-bit field of its end-of-directory record replaced."""
    at = data.rindex(b"PK\x05\x06") + field_offset
    return data[:at] + struct.pack("<H", value) + data[at + 2 :]


def test_members_round_trip_in_order_with_the_streaming_form(tmp_path):
    weights = {"dense/kernel": np.arange(12, dtype=np.float32).reshape(3, 4)}
    path = tmp_path / "m.lamina"
    write_archive(
        path,
        {
            "config.json": b'{"a": 1}',
            "metadata.json": bytearray(b"{}"),
            "model.safetensors": lambda f: dump_arrays(f, weights, {"k": "v"}),
        },
    )
    with zipfile.ZipFile(path) as archive:
        assert archive.testzip() is None
        assert all(i.compress_type == zipfile.ZIP_STORED for i in archive.infolist())
    with open_archive(path, NAMES) as archive:
        assert archive.names == ("config.json", "metadata.json", "model.safetensors")
        assert archive.read("config.json") == b'{"a": 1}'
        member = archive.open("model.safetensors")
        loaded, metadata = load_arrays(member)
        np.testing.assert_array_equal(loaded["dense/kernel"], weights["dense/kernel"])
        assert metadata == {"k": "v"}
    assert read_archive(path, NAMES)["model.safetensors"] == dumps_arrays(weights, {"k": "v"})


def test_same_content_gives_the_same_bytes(tmp_path):
    members = {"config.json": b"{}", "model.safetensors": dumps_arrays({"x": np.ones(3)})}
    write_archive(tmp_path / "a", members)
    write_archive(tmp_path / "b", members)
    assert (tmp_path / "a").read_bytes() == (tmp_path / "b").read_bytes()


def test_deflated_members_from_other_tools_are_read():
    data = zip_bytes([("config.json", b'{"layers": []}' * 50)], zipfile.ZIP_DEFLATED)
    with open_archive(data, NAMES) as archive:
        assert archive.read("config.json") == b'{"layers": []}' * 50
        assert archive.open("config.json").read() == b'{"layers": []}' * 50


@pytest.mark.parametrize(
    "name, message",
    [
        ("../evil", "'..' component"),
        ("a/../../evil", "'..' component"),
        ("/etc/passwd", "absolute path"),
        ("C:/Windows/x", "absolute path"),
        ("..\\evil", "backslash"),
        ("dir/", "empty"),
        ("unknown.bin", "unknown member 'unknown.bin'"),
    ],
)
def test_member_names_outside_the_allowed_set_are_refused(tmp_path, name, message):
    path = tmp_path / "evil.zip"
    path.write_bytes(zip_bytes([("config.json", b"{}"), (name, b"x")]))
    # A traversing name is refused even when the caller lists it as allowed.
    allowed = NAMES if name == "unknown.bin" else NAMES | {name}
    with pytest.raises(LoadError, match=message) as info:
        read_archive(path, allowed)
    assert str(info.value).startswith(f"{path}: ")


@pytest.mark.parametrize("name", ["../evil", "/etc/passwd", "C:/x", "a\\b", "a//b", "", "a\x00"])
def test_writer_refuses_names_the_reader_would_refuse(tmp_path, name):
    with pytest.raises(ValueError, match="member name"):
        write_archive(tmp_path / "out.zip", {name: b"x"})
    assert list(tmp_path.iterdir()) == []


def test_symlink_and_folder_members_are_refused():
    link = zip_bytes([("config.json", b"/etc/passwd", stat.S_IFLNK | 0o777)])
    with pytest.raises(LoadError, match="member 'config.json': is a symlink"):
        read_archive(link, NAMES)
    device = zip_bytes([("config.json", b"", stat.S_IFCHR | 0o644)])
    with pytest.raises(LoadError, match="not a regular file"):
        read_archive(device, NAMES)


def test_duplicate_members_are_refused():
    data = zip_bytes([("config.json", b"{}"), ("config.json", b'{"evil": 1}')])
    with pytest.raises(LoadError, match="appears twice"):
        read_archive(data, NAMES)


def test_zip_bomb_is_refused_before_decompressing():
    bomb = zip_bytes([("config.json", bytes(5_000_000))], zipfile.ZIP_DEFLATED)
    assert len(bomb) < 10_000
    with pytest.raises(LoadError, match="claims to expand"):
        read_archive(bomb, NAMES)


def test_declared_sizes_beyond_the_file_or_the_bound_are_refused():
    good = zip_bytes([("model.safetensors", bytes(1000))])
    for offset, value, message in [
        (20, 10**9, "beyond the file's"),  # compressed size
        (24, 10**9, "declares 1000000000 bytes and holds 1000"),  # uncompressed size
        (42, 10**9, "beyond the file's"),  # local header offset
    ]:
        with pytest.raises(LoadError, match=message):
            read_archive(patch_directory(good, offset, "<I", value), NAMES)
    with pytest.raises(LoadError, match="over the 999 limit"):
        read_archive(good, NAMES, max_total_bytes=999)


def test_crc_mismatch_and_cut_archives_are_load_errors(tmp_path):
    path = tmp_path / "m.lamina"
    write_archive(path, {"model.safetensors": dumps_arrays({"x": np.zeros(1000, np.float32)})})
    data = bytearray(path.read_bytes())
    data[data.index(b"\x00" * 64) + 10] ^= 1  # one bit inside the tensor's data
    with pytest.raises(LoadError, match="member 'model.safetensors': CRC-32 mismatch"):
        load_arrays(open_archive(bytes(data), NAMES).open("model.safetensors"))
    write_archive(path, {"config.json": b"{}", "model.safetensors": dumps_arrays({"x": 1.0})})
    whole = path.read_bytes()
    for end in range(len(whole)):  # every truncation
        with pytest.raises(LoadError, match="^<bytes>: "):
            with open_archive(whole[:end], NAMES) as archive:
                load_arrays(archive.open("model.safetensors"))


def test_local_header_must_match_the_directory():
    data = zip_bytes([("config.json", b"{}")])
    renamed_locally = data.replace(b"config.json", b"config.jsoX", 1)  # the first is local
    with pytest.raises(LoadError, match="local header does not match"):
        read_archive(renamed_locally, NAMES)


def test_missing_member_and_encrypted_member_are_load_errors():
    with open_archive(zip_bytes([("config.json", b"{}")]), NAMES) as archive:
        with pytest.raises(LoadError, match="has no member 'model.safetensors'"):
            archive.open("model.safetensors")
    encrypted = patch_directory(zip_bytes([("config.json", b"{}")]), 8, "<H", 1)
    with pytest.raises(LoadError, match="encrypted"):
        read_archive(encrypted, NAMES)


def test_a_failing_member_writer_leaves_the_old_archive(tmp_path):
    path = tmp_path / "m.lamina"
    write_archive(path, {"config.json": b"old"})

    def explode(f):
        f.write(b"partial")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError, match="disk full"):
        write_archive(path, {"config.json": b"new", "model.safetensors": explode})
    assert read_archive(path, NAMES) == {"config.json": b"old"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.lamina"]
    with pytest.raises(TypeError, match="bytes or a function"):
        write_archive(path, {"config.json": "text"})


def test_a_directory_larger_than_the_allowed_members_need_is_refused_before_parsing():
    many = zip_bytes([(f"m{i}", b"") for i in range(50)])
    with pytest.raises(LoadError, match="declares 50 members"):
        read_archive(many, NAMES)
    # A lying member count does not help: the directory's byte size is bounded too.
    lying = patch_end_record(zip_bytes([(f"{i:03}" * 1500, b"") for i in range(60)]), 10, 1)
    with pytest.raises(LoadError, match="declares 1 members"):
        read_archive(lying, {"config.json"})


def test_allowed_must_be_a_collection_of_names():
    with pytest.raises(TypeError, match="collection of names"):
        open_archive(zip_bytes([("config.json", b"{}")]), "config.json")
