"""Durable writes: after a crash the file is its old self or the complete new one.

``atomic_write`` writes to a temporary file in the target's folder, flushes it
to the disk (``fsync``), renames it over the target (``os.replace``, atomic on
POSIX and Windows within one file system) and flushes the folder so the rename
itself survives a power cut. A process killed at any moment leaves the previous
file intact and loadable; at worst one orphaned temporary file
``.{name}.tmp-<16 hex digits>`` stays behind. The next successful save of the
same name removes orphans that were last modified more than ``ORPHAN_AGE_S``
seconds before it began: a younger one may belong to a save still running in
another process (several hosts saving to one shared folder), whose rename would
fail if its file vanished.
"""

import contextlib
import os
import re
import secrets
import stat
import time

# Orphans older than this (seconds, counted from the start of the current save)
# are removed; see the module docstring for why not all of them.
ORPHAN_AGE_S = 600.0

# Leave room for the suffix within the usual 255-byte limit on a file name.
_MAX_PREFIX_BYTES = 200


@contextlib.contextmanager
def atomic_write(path, mode: str = "wb", *, encoding: str = "utf-8"):
    """Open ``path`` for writing so that readers only ever see a complete file.

    Args:
        path: the file to create or replace (str or ``os.PathLike``). A symlink is
            followed: its target is replaced, the link stays.
        mode: ``"wb"`` (binary, the default) or ``"w"`` (text in ``encoding``).
        encoding: the text encoding for ``mode="w"``.

    Yields a file object. When the block ends normally the data is flushed to the
    disk and renamed into place, keeping the old file's permission bits; when it
    raises, the temporary file is deleted and ``path`` is left exactly as it was.

    Example::

        with atomic_write("/tmp/config.json", "w") as f:
            json.dump(config, f)
    """
    if mode not in ("wb", "w"):
        raise ValueError(f"atomic_write: mode must be 'wb' or 'w', got {mode!r}")
    target = os.path.realpath(os.fspath(path))
    folder, name = os.path.split(target)
    if os.path.isdir(target):
        raise IsADirectoryError(f"atomic_write: {target} is a folder, expected a file path")
    started_ns = time.time_ns()
    temp = os.path.join(folder, _temp_prefix(name) + secrets.token_hex(8))
    # "x": create exclusively; the umask decides the permissions, as for open("w").
    file = open(temp, "xb" if mode == "wb" else "x", encoding=None if mode == "wb" else encoding)
    try:
        _keep_mode(target, file.fileno())
    except BaseException:
        file.close()
        _remove_quietly(temp)
        raise
    try:
        with file:
            yield file
            file.flush()
            os.fsync(file.fileno())
        os.replace(temp, target)
    except BaseException:
        _remove_quietly(temp)
        raise
    _fsync_folder(folder)
    _remove_orphans(folder, name, started_ns - int(ORPHAN_AGE_S * 1e9))


def _temp_prefix(name: str) -> str:
    # Cut in bytes, as the limit counts them; a cut UTF-8 character is dropped.
    kept = os.fsencode(name)[:_MAX_PREFIX_BYTES]
    return f".{kept.decode('utf-8', 'ignore')}.tmp-"


def _keep_mode(target: str, fd: int) -> None:
    # Replacing a file must not widen or narrow who may read it.
    if not hasattr(os, "fchmod"):
        return
    try:
        mode = stat.S_IMODE(os.stat(target).st_mode)
    except FileNotFoundError:
        return
    os.fchmod(fd, mode)


def _fsync_folder(folder: str) -> None:
    # Without this, a power cut right after the rename may bring back the old name.
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # Windows cannot open a folder; its renames are journaled
        return
    try:
        os.fsync(fd)
    except OSError:  # some network file systems refuse fsync on a folder
        pass
    finally:
        os.close(fd)


def _remove_orphans(folder: str, name: str, older_than_ns: int) -> None:
    pattern = re.compile(re.escape(_temp_prefix(name)) + r"[0-9a-f]{16}")
    with contextlib.suppress(OSError), os.scandir(folder) as entries:
        for entry in entries:
            if not pattern.fullmatch(entry.name) or not entry.is_file(follow_symlinks=False):
                continue
            with contextlib.suppress(OSError):
                if entry.stat(follow_symlinks=False).st_mtime_ns < older_than_ns:
                    os.unlink(entry.path)


def _remove_quietly(path: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)
