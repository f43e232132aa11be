"""atomic_write: the target is the old file or the complete new one, whatever happens."""

import os
import stat
import time

import pytest

from lamina.saving import atomic_write
from lamina.saving.atomic import ORPHAN_AGE_S


def temp_files(folder):
    return sorted(p.name for p in folder.iterdir() if ".tmp-" in p.name)


def test_writes_binary_and_text_and_leaves_no_temp_file(tmp_path):
    path = tmp_path / "f.bin"
    with atomic_write(path) as f:
        f.write(b"\x00\x01")
    assert path.read_bytes() == b"\x00\x01"
    with atomic_write(str(path), "w") as f:
        f.write("é")
    assert path.read_bytes() == "é".encode()
    assert temp_files(tmp_path) == []


def test_an_error_in_the_block_keeps_the_old_file_and_removes_the_temp(tmp_path):
    path = tmp_path / "f.bin"
    path.write_bytes(b"old")
    with pytest.raises(RuntimeError):
        with atomic_write(path) as f:
            f.write(b"new, but never finished")
            assert temp_files(tmp_path)  # the data goes to a temp file meanwhile
            raise RuntimeError
    assert path.read_bytes() == b"old"
    assert temp_files(tmp_path) == []


def test_the_temp_file_is_in_the_same_folder_and_hidden(tmp_path):
    with atomic_write(tmp_path / "model.lamina") as f:
        name = os.path.basename(f.name)
        assert os.path.dirname(f.name) == str(tmp_path)
    assert name.startswith(".model.lamina.tmp-") and len(name) == len(".model.lamina.tmp-") + 16


def test_replacing_keeps_the_old_permissions_and_follows_symlinks(tmp_path):
    path = tmp_path / "f.bin"
    path.write_bytes(b"old")
    path.chmod(0o600)
    link = tmp_path / "latest"
    link.symlink_to(path)
    with atomic_write(link) as f:
        f.write(b"new")
    assert link.is_symlink() and path.read_bytes() == b"new"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_bad_modes_and_folders_are_refused(tmp_path):
    with pytest.raises(ValueError, match="mode"):
        with atomic_write(tmp_path / "f", "ab"):
            pass
    with pytest.raises(IsADirectoryError):
        with atomic_write(tmp_path):
            pass
    with pytest.raises(FileNotFoundError):
        with atomic_write(tmp_path / "missing" / "f"):
            pass


def test_a_save_removes_old_orphans_of_its_own_name_only(tmp_path):
    old = time.time() - ORPHAN_AGE_S - 60
    orphans = {
        ".m.lamina.tmp-0123456789abcdef": old,  # stale: removed
        ".m.lamina.tmp-fedcba9876543210": time.time(),  # maybe a live save: kept
        ".other.tmp-0123456789abcdef": old,  # another file's: kept
        ".m.lamina.tmp-notmine": old,  # not our pattern: kept
    }
    for name, mtime in orphans.items():
        (tmp_path / name).write_bytes(b"partial")
        os.utime(tmp_path / name, (mtime, mtime))
    with atomic_write(tmp_path / "m.lamina") as f:
        f.write(b"new")
    assert temp_files(tmp_path) == sorted(set(orphans) - {".m.lamina.tmp-0123456789abcdef"})


def test_a_name_near_the_length_limit_still_gets_a_temp_file(tmp_path):
    path = tmp_path / ("é" * 120)  # 240 bytes: the temp name must be cut, in bytes
    with atomic_write(path) as f:
        f.write(b"ok")
    assert path.read_bytes() == b"ok" and temp_files(tmp_path) == []
