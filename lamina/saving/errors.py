"""The one error every lamina loader raises on a bad file, and the guard that makes it so.

A loader reads bytes that anyone may have written. Whatever goes wrong while
parsing them (a bad zip, bad JSON, a size that cannot be allocated, a CRC
mismatch, ...) reaches the caller as a ``LoadError`` that names the file, the
member inside an archive when there is one, and what is wrong, so that callers
need to catch one class and users read one kind of message.
"""

import contextlib
import json
import os
import struct
import zipfile
import zlib

# What Python's parsers raise on hostile bytes. OSError is not here: a missing or
# unreadable file is the caller's problem, not a corrupt one; the loaders catch
# the few OSErrors that a bad file causes (a seek past its end) where they happen.
_PARSE_ERRORS = (
    ValueError,  # json.JSONDecodeError and UnicodeDecodeError are ValueErrors
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    struct.error,
    zlib.error,
    EOFError,
    OverflowError,
    MemoryError,
    RecursionError,  # json on "[[[[...]]]]" nested a million deep
    NotImplementedError,  # zipfile: an unsupported compression method
    RuntimeError,  # zipfile: an encrypted member
)
# TypeError, KeyError and IndexError are left out on purpose: from lamina's own
# validation code they would be bugs, and the fuzz tests must see them as such.


class LoadError(ValueError):
    """A file that cannot be loaded: truncated, corrupted, hostile or of the wrong kind.

    The message reads ``"{path}: member '{member}': {reason}"`` (the member part
    only for a file inside an archive); the three parts are also attributes.

    Example::

        try:
            arrays, _ = load_arrays("/tmp/w.safetensors")
        except LoadError as e:
            print(e.path, e.reason)
    """

    def __init__(self, path, reason: str, *, member: str | None = None):
        self.path = os.fspath(path) if isinstance(path, os.PathLike) else path
        self.member = member
        self.reason = reason
        where = f"{self.path}: member {member!r}" if member is not None else f"{self.path}"
        super().__init__(f"{where}: {reason}")

    def __reduce__(self):
        # Keyword-only ``member`` needs help to survive pickling across processes.
        return (_rebuild, (self.path, self.reason, self.member))


def _rebuild(path, reason, member):
    return LoadError(path, reason, member=member)


@contextlib.contextmanager
def reraise_as_load_error(path, *, member: str | None = None, doing: str = "reading"):
    """Turn any parser error raised inside the block into a ``LoadError``.

    ``doing`` says what the block was doing, for the message (``"reading the
    header"``). A ``LoadError`` passes through unchanged.
    """
    try:
        yield
    except LoadError:
        raise
    except _PARSE_ERRORS as e:
        raise LoadError(path, f"{doing} failed: {_describe(e)}", member=member) from e


def shown(name) -> str:
    """``repr(name)``, cut to its start when long: names in a hostile file may be huge."""
    text = repr(name)
    return text if len(text) <= 80 else f"{text[:80]}... ({len(text)} characters)"


def _describe(error: BaseException) -> str:
    if isinstance(error, json.JSONDecodeError):
        return f"invalid JSON ({error.msg} at character {error.pos})"
    if isinstance(error, MemoryError):
        return "a declared size cannot be allocated"
    if isinstance(error, RecursionError):
        return "the data is nested too deeply"
    text = str(error)
    return f"{type(error).__name__}: {text}" if text else type(error).__name__
