"""Zip archives of named members, written atomically and read without trusting them.

``write_archive`` stores every member uncompressed (``ZIP_STORED``), so reading
the weights back is a plain read. ``open_archive`` checks the whole directory
before it returns: each member name must be one the caller allows (which also
rules out ``../evil``, ``/etc/passwd``, ``C:\\x`` and backslashes, refused with
their own message), appear once, be a regular file (not a symlink), and declare
sizes that fit inside the real file and a total bound. Members may not overlap
(the trick behind small zips that expand enormously). Stored and deflated
members are read; a CRC or length mismatch is a ``LoadError``.
"""

import io
import os
import re
import stat
import struct
import zipfile
import zlib
from collections.abc import Callable, Collection, Mapping

from lamina.saving.atomic import atomic_write
from lamina.saving.errors import LoadError, reraise_as_load_error, shown

# Bounds on what an archive may declare, checked before anything is read.
MAX_TOTAL_BYTES = 64 * 2**30
# Deflate cannot exceed about 1032:1; text such as a config compresses about
# 10:1, so a claim beyond this is a bomb or a lie.
MAX_DEFLATE_RATIO = 200
_SMALL_MEMBER = 2**20  # below this a member's declared size is harmless anyway
# The most a directory entry can take: 46 fixed bytes and three 16-bit-sized fields.
_MAX_ENTRY_BYTES = 46 + 3 * 0xFFFF

_LOCAL_HEADER = struct.Struct("<4s22xHH")  # signature ... name length, extra length
_LOCAL_SIGNATURE = b"PK\x03\x04"
_DRIVE = re.compile(r"^[A-Za-z]:")

Member = bytes | Callable[[io.RawIOBase], object]


def write_archive(path, members: Mapping[str, Member]) -> None:
    """Write a zip archive of ``members`` to ``path``, atomically (see ``atomic_write``).

    Args:
        path: the archive to create or replace.
        members: name -> content, in the order to store them. A content is either
            bytes, or a function that writes the member to the binary file object
            it is given: the streaming form, which never holds the member in
            memory (``lambda f: dump_arrays(f, weights)``).

    Names are plain relative file names such as ``"config.json"`` or
    ``"assets/vocab.txt"``. Members carry a fixed date (1980-01-01), so the same
    content gives the same bytes.

    Example::

        write_archive("/tmp/m.lamina", {
            "config.json": json.dumps(config).encode(),
            "model.safetensors": lambda f: dump_arrays(f, weights),
        })
    """
    for name in members:
        problem = _name_problem(name)
        if problem:
            raise ValueError(f"write_archive: member name {name!r} {problem}")
    with atomic_write(path) as file, zipfile.ZipFile(file, "w", zipfile.ZIP_STORED) as archive:
        for name, content in members.items():
            info = zipfile.ZipInfo(name)
            info.external_attr = (stat.S_IFREG | 0o644) << 16
            if callable(content):
                # force_zip64: the size is unknown until the writer is done.
                with archive.open(info, "w", force_zip64=True) as member:
                    content(member)
            elif isinstance(content, bytes | bytearray | memoryview):
                archive.writestr(info, content)
            else:
                raise TypeError(
                    f"write_archive: member {name!r} must be bytes or a function of a file, "
                    f"got {type(content).__name__}"
                )


def read_archive(
    source, allowed: Collection[str], *, max_total_bytes: int = MAX_TOTAL_BYTES
) -> dict[str, bytes]:
    """Every member of the archive ``source`` as bytes, after ``open_archive``'s checks.

    Convenient for small archives; for large members use ``open_archive`` and
    ``Archive.open`` so that a member is never held twice in memory.
    """
    with open_archive(source, allowed, max_total_bytes=max_total_bytes) as archive:
        return {name: archive.read(name) for name in archive.names}


def open_archive(source, allowed: Collection[str], *, max_total_bytes: int = MAX_TOTAL_BYTES):
    """Open the zip archive ``source`` (a path or bytes) for reading: an ``Archive``.

    Args:
        source: the archive's path, or its bytes.
        allowed: the member names the caller understands; any other name is refused.
        max_total_bytes: the largest total uncompressed size the archive may declare.

    Raises:
        LoadError: not a zip archive, or a member that is unknown, duplicated, not a
            regular file, encrypted, compressed other than stored/deflated, or whose
            declared sizes or position do not fit the file.

    Example::

        with open_archive("/tmp/m.lamina", {"config.json", "model.safetensors"}) as archive:
            config = json.loads(archive.read("config.json"))
            weights, _ = load_arrays(archive.open("model.safetensors"))
    """
    if isinstance(allowed, str):
        raise TypeError(f"open_archive: allowed must be a collection of names, got {allowed!r}")
    if isinstance(source, bytes | bytearray | memoryview):
        path, file = "<bytes>", io.BytesIO(source)
    else:
        path, file = os.fspath(source), open(source, "rb")  # Archive closes it
    try:
        return Archive(file, path, frozenset(allowed), max_total_bytes)
    except BaseException:
        file.close()
        raise


class Archive:
    """A checked zip archive open for reading; use ``open_archive`` to make one.

    ``names`` lists the members in archive order. ``read(name)`` returns a member's
    bytes; ``open(name)`` a binary file object reading it in place, with ``path``,
    ``member`` and ``size`` attributes (``load_arrays`` uses them). Closing the
    archive (or leaving its ``with`` block) closes the file. Members share the
    archive's file: use one archive from one thread at a time.
    """

    def __init__(self, file, path: str, allowed: frozenset, max_total_bytes: int):
        self.path = path
        self._file = file
        size = file.seek(0, io.SEEK_END)
        with reraise_as_load_error(path, doing="reading the zip directory"):
            _check_directory_size(self, allowed)
            self._zip = zipfile.ZipFile(file)
            infos = self._zip.infolist()
            directory_start = min(getattr(self._zip, "start_dir", size), size)
            self._members = _check_directory(self, infos, allowed, size, max_total_bytes)
            self._data_starts = _check_layout(self, infos, directory_start)
        self.names = tuple(self._members)

    def read(self, name: str) -> bytes:
        """The uncompressed bytes of member ``name``; ``LoadError`` if absent or corrupt."""
        info = self._info(name)
        if info.compress_type == zipfile.ZIP_STORED:
            return self.open(name).read()
        with reraise_as_load_error(self.path, member=name, doing="decompressing"):
            with self._zip.open(info) as member:
                data = member.read(info.file_size + 1)
        if len(data) != info.file_size:
            self._fail(f"holds {len(data)} bytes, its header says {info.file_size}", name)
        return data

    def open(self, name: str) -> io.RawIOBase:
        """A binary file object reading member ``name`` (CRC-checked at its end)."""
        info = self._info(name)
        if info.compress_type != zipfile.ZIP_STORED:
            return _BytesMember(self.read(name), self.path, name)
        return _StoredMember(self, name, self._data_starts[name], info.file_size, info.CRC)

    def close(self) -> None:
        """Close the archive's file; members opened from it stop working."""
        self._zip.close()
        self._file.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()

    def _info(self, name: str) -> zipfile.ZipInfo:
        if name not in self._members:
            self._fail(f"has no member {name!r} (it has {list(self.names)})")
        return self._members[name]

    def _fail(self, reason: str, member: str | None = None):
        raise LoadError(self.path, reason, member=member)


def _name_problem(name) -> str | None:
    """Why ``name`` may not name a member, or None: only plain relative paths pass."""
    if not isinstance(name, str) or not name:
        return "is not a non-empty str"
    if name.startswith("/") or _DRIVE.match(name):
        return "is an absolute path"
    if "\\" in name or "\x00" in name:
        return "contains a backslash or NUL"
    if any(part in ("", ".", "..") for part in name.split("/")):
        return "has an empty, '.' or '..' component"
    return None


def _check_directory_size(archive, allowed) -> None:
    # zipfile builds an object per directory entry, about ten times the entry's
    # size: a directory of tiny entries would cost memory out of proportion to the
    # file. Its end record says how large the directory is; bound that first.
    end_record = getattr(zipfile, "_EndRecData", None)  # private, in CPython since 2.x
    record = end_record(archive._file) if end_record else None
    if record is None:
        return  # not found: zipfile raises BadZipFile itself
    entries, directory_bytes = record[4], record[5]  # zipfile._ECD_ENTRIES_TOTAL, _ECD_SIZE
    if entries > len(allowed) or directory_bytes > len(allowed) * _MAX_ENTRY_BYTES:
        archive._fail(
            f"its directory declares {entries} members in {directory_bytes} bytes; "
            f"at most {len(allowed)} members are expected"
        )


def _check_directory(archive, infos, allowed, size: int, max_total_bytes: int) -> dict:
    members, total = {}, 0
    for info in infos:
        name = info.filename
        problem = _name_problem(info.orig_filename)
        if problem:
            archive._fail(f"a member name {shown(info.orig_filename)} {problem}")
        if name not in allowed:
            archive._fail(f"unknown member {shown(name)}; expected only {sorted(allowed)}")
        if name in members:
            archive._fail("appears twice", name)
        kind = stat.S_IFMT(info.external_attr >> 16)
        if (kind and kind != stat.S_IFREG) or info.external_attr & 0x10:  # 0x10: MS-DOS folder
            what = "a symlink" if stat.S_ISLNK(info.external_attr >> 16) else "not a regular file"
            archive._fail(f"is {what}", name)
        if info.flag_bits & 0x1:
            archive._fail("is encrypted", name)
        _check_sizes(archive, info, size)
        total += info.file_size
        members[name] = info
    if total > max_total_bytes:
        archive._fail(f"members declare {total} bytes in all, over the {max_total_bytes} limit")
    return members


def _check_sizes(archive, info, size: int) -> None:
    name, packed, unpacked = info.filename, info.compress_size, info.file_size
    if not 0 <= info.header_offset < size or packed > size:
        archive._fail(
            f"declares {packed} bytes at offset {info.header_offset}, beyond the file's "
            f"{size} bytes",
            name,
        )
    if info.compress_type == zipfile.ZIP_STORED:
        if unpacked != packed:
            archive._fail(f"is stored, yet declares {unpacked} bytes and holds {packed}", name)
    elif info.compress_type == zipfile.ZIP_DEFLATED:
        if unpacked > max(packed * MAX_DEFLATE_RATIO, _SMALL_MEMBER):
            archive._fail(
                f"claims to expand {packed} bytes to {unpacked}, over the "
                f"{MAX_DEFLATE_RATIO}:1 bound",
                name,
            )
    else:
        archive._fail(
            f"uses compression method {info.compress_type}; only stored and deflated "
            "members are read",
            name,
        )


def _check_layout(archive, infos, directory_start: int) -> dict[str, int]:
    """Each member's data offset, from its local header; members may not overlap."""
    file, starts, end_of_previous = archive._file, {}, 0
    for info in sorted(infos, key=lambda info: info.header_offset):
        name = info.filename
        if info.header_offset < end_of_previous:
            archive._fail("overlaps the member before it", name)
        file.seek(info.header_offset)
        fixed = file.read(_LOCAL_HEADER.size)
        if len(fixed) != _LOCAL_HEADER.size:
            archive._fail("its local header is cut off", name)
        signature, name_length, extra_length = _LOCAL_HEADER.unpack(fixed)
        encoding = "utf-8" if info.flag_bits & 0x800 else "cp437"
        if signature != _LOCAL_SIGNATURE or file.read(name_length) != info.orig_filename.encode(
            encoding
        ):
            archive._fail("its local header does not match the directory", name)
        start = info.header_offset + _LOCAL_HEADER.size + name_length + extra_length
        end_of_previous = start + info.compress_size
        if end_of_previous > directory_start:
            archive._fail("its data runs into the zip directory or past the file's end", name)
        starts[name] = start
    return starts


class _StoredMember(io.RawIOBase):
    """An uncompressed member read straight from the archive's file, CRC-checked."""

    def __init__(self, archive: Archive, member: str, start: int, size: int, crc: int):
        super().__init__()
        self.path, self.member, self.size = archive.path, member, size
        self._archive, self._start, self._position = archive, start, 0
        self._expected_crc, self._crc = crc, 0

    def readable(self) -> bool:
        return True

    def read(self, count: int = -1) -> bytes:
        # One read of the whole request: large members avoid RawIOBase's chunking.
        remaining = self.size - self._position
        count = remaining if count is None or count < 0 else min(count, remaining)
        self._archive._file.seek(self._start + self._position)
        data = self._archive._file.read(count)
        self._advance(data, count)
        return data

    def readinto(self, buffer) -> int:
        view = memoryview(buffer).cast("B")[: self.size - self._position]
        self._archive._file.seek(self._start + self._position)
        got = self._archive._file.readinto(view)
        self._advance(view[:got], len(view))
        return got

    def _advance(self, data, wanted: int) -> None:
        if wanted and not data:
            raise LoadError(self.path, "the file ends inside this member", member=self.member)
        self._crc = zlib.crc32(data, self._crc)
        self._position += len(data)
        if self._position == self.size and self._crc != self._expected_crc:
            raise LoadError(self.path, "CRC-32 mismatch: the data is corrupted", member=self.member)


class _BytesMember(io.BytesIO):
    """A decompressed member in memory, named for error messages."""

    def __init__(self, data: bytes, path: str, member: str):
        super().__init__(data)
        self.path, self.member, self.size = path, member, len(data)
