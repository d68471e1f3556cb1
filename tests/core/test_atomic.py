"""Atomic writes: all or nothing, with a one-line reason when nothing."""

import errno
import os

import pytest

from lossexplorer import atomic
from lossexplorer.atomic import AtomicWriteError, atomic_path, atomic_write_bytes, atomic_write_text


def leftovers(folder):
    return sorted(name for name in os.listdir(folder) if name.endswith(".part"))


def test_text_write_creates_file_with_exact_content(tmp_path):
    target = tmp_path / "out.csv"
    returned = atomic_write_text(target, "a,b\n1,2\n")
    assert returned == target
    assert target.read_bytes() == b"a,b\n1,2\n"
    assert leftovers(tmp_path) == []


def test_bytes_write_replaces_old_content(tmp_path):
    target = tmp_path / "out.bin"
    target.write_bytes(b"old content that is longer")
    atomic_write_bytes(target, b"new")
    assert target.read_bytes() == b"new"
    assert leftovers(tmp_path) == []


def test_replaced_file_keeps_its_permissions(tmp_path):
    target = tmp_path / "out.txt"
    target.write_text("old")
    os.chmod(target, 0o640)
    atomic_write_text(target, "new")
    assert target.stat().st_mode & 0o777 == 0o640


def test_new_file_gets_umask_permissions_not_private_temp_ones(tmp_path):
    mask = os.umask(0o022)
    try:
        atomic_write_text(tmp_path / "new.txt", "x")
    finally:
        os.umask(mask)
    assert (tmp_path / "new.txt").stat().st_mode & 0o777 == 0o644


def test_failure_midway_leaves_old_file_intact_and_no_temp(tmp_path):
    target = tmp_path / "session.lossx"
    target.write_text("precious old content")
    with pytest.raises(RuntimeError, match="writer crashed"), atomic_path(target) as temp:
        with open(temp, "w") as handle:
            handle.write("half of the new cont")
        raise RuntimeError("writer crashed")
    assert target.read_text() == "precious old content"
    assert leftovers(tmp_path) == []


def test_os_error_in_body_becomes_one_line_atomic_error(tmp_path):
    target = tmp_path / "out.txt"
    with pytest.raises(AtomicWriteError) as caught, atomic_path(target):
        raise OSError(errno.ENOSPC, "No space left on device")
    message = str(caught.value)
    assert "\n" not in message
    assert "out.txt" in message and "disk is full" in message
    assert not target.exists()
    assert leftovers(tmp_path) == []


def test_missing_folder_fails_with_reason_and_creates_nothing(tmp_path):
    target = tmp_path / "no_such_folder" / "out.txt"
    with pytest.raises(AtomicWriteError, match=r"no_such_folder does not exist"):
        atomic_write_text(target, "x")
    assert os.listdir(tmp_path) == []


def test_unwritable_folder_fails_with_reason(tmp_path, monkeypatch):
    # Tests run as root here, where chmod cannot make a folder unwritable; the kernel's answer is simulated.
    real_open = os.open

    def refusing_open(path, flags, mode=0o777, *args, **kwargs):
        if flags & os.O_CREAT:
            raise PermissionError(errno.EACCES, "Permission denied", path)
        return real_open(path, flags, mode, *args, **kwargs)

    monkeypatch.setattr(atomic.os, "open", refusing_open)
    with pytest.raises(AtomicWriteError, match=r"is not writable"):
        atomic_write_text(tmp_path / "out.txt", "x")
    monkeypatch.undo()
    assert os.listdir(tmp_path) == []


def test_target_that_is_a_folder_is_refused(tmp_path):
    (tmp_path / "plots").mkdir()
    with pytest.raises(AtomicWriteError, match="is a folder"):
        atomic_write_text(tmp_path / "plots", "x")
    assert leftovers(tmp_path) == []


def test_writer_that_deletes_its_file_is_an_error(tmp_path):
    target = tmp_path / "out.png"
    with pytest.raises(AtomicWriteError, match="left no file"), atomic_path(target) as temp:
        os.remove(temp)
    assert not target.exists()


def test_failed_rename_removes_temp_and_keeps_old(tmp_path, monkeypatch):
    target = tmp_path / "out.txt"
    target.write_text("old")

    def failing_replace(source, destination):
        raise OSError(errno.EXDEV, "Invalid cross-device link")

    monkeypatch.setattr(atomic.os, "replace", failing_replace)
    with pytest.raises(AtomicWriteError, match=r"cannot write .*out\.txt"):
        atomic_write_text(target, "new")
    monkeypatch.undo()
    assert target.read_text() == "old"
    assert leftovers(tmp_path) == []


def test_temp_file_lives_in_the_target_folder(tmp_path):
    target = tmp_path / "out.txt"
    with atomic_path(target) as temp:
        assert os.path.dirname(temp) == str(tmp_path)
        assert os.path.exists(temp)
        with open(temp, "w") as handle:
            handle.write("done")
    assert target.read_text() == "done"
