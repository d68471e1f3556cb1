"""Atomic file writes: a temporary file in the target's folder, flushed to disk, then renamed over the target.

A reader never sees a half-written file: either the old content or the new. When a write fails, the temporary
file is removed and :class:`AtomicWriteError` says why in one line (for example an unwritable folder), and any
old file at the target is left exactly as it was. No Qt.

Typical use::

    atomic_write_text("report.csv", text)
    atomic_write_bytes("plot.png", data)
    with atomic_path("plot.pdf") as temp:   # for writers that need a file name (Qt)
        writer_that_saves_to(temp)
"""

from __future__ import annotations

import contextlib
import errno
import os
from collections.abc import Iterator
from pathlib import Path

__all__ = ["AtomicWriteError", "atomic_path", "atomic_write_bytes", "atomic_write_text", "describe_os_error"]

_TEMP_PREFIX = ".~"
_TEMP_SUFFIX = ".part"


class AtomicWriteError(OSError):
    """A write that did not happen; the message is one line naming the file and the reason."""


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically and return the final path.

    Args:
        path: Destination file. Its folder must exist and be writable.
        data: The complete new content.

    Raises:
        AtomicWriteError: the folder is missing or unwritable, the disk is full, or the rename failed;
            the old file (if any) is untouched and no temporary file remains.
    """
    with atomic_path(path) as temp, open(temp, "wb") as handle:
        handle.write(data)
    return Path(path)


def atomic_write_text(path: str | os.PathLike[str], text: str, encoding: str = "utf-8",
                      newline: str | None = "\n") -> Path:
    """Write ``text`` to ``path`` atomically and return the final path.

    Args:
        path: Destination file.
        text: The complete new content.
        encoding: Text encoding (UTF-8 unless told).
        newline: Line ending written for each newline character (a bare LF unless told; None: the platform one).

    Raises:
        AtomicWriteError: as for :func:`atomic_write_bytes`.
    """
    with atomic_path(path) as temp, open(temp, "w", encoding=encoding, newline=newline) as handle:
        handle.write(text)
    return Path(path)


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike[str]) -> Iterator[str]:
    """Yield a temporary file name next to ``path``; on a clean exit, sync it and rename it over ``path``.

    The body writes the complete content to the yielded name (it already exists, empty). If the body
    raises, or leaves no file there, the temporary file is removed, the target is untouched and the error
    propagates (OSErrors are turned into :class:`AtomicWriteError` with a one-line reason).

    Args:
        path: Destination file.

    Yields:
        The temporary file's path as a string.

    Raises:
        AtomicWriteError: the temporary file could not be created, written, synced or renamed.
    """
    target = Path(path)
    temp = _create_temp(target)
    try:
        try:
            yield temp
        except OSError as error:
            raise AtomicWriteError(describe_os_error(target, error)) from error
        _commit(temp, target)
    except BaseException:
        _remove_quietly(temp)
        raise


def describe_os_error(path: str | os.PathLike[str], error: OSError) -> str:
    """Return one line saying why writing ``path`` failed, in words a user understands."""
    target = Path(path)
    if isinstance(error, AtomicWriteError):
        return str(error)
    folder = target.parent if str(target.parent) else Path(".")
    reasons = {
        errno.ENOENT: f"the folder {folder} does not exist",
        errno.ENOTDIR: f"the folder {folder} does not exist",
        errno.EACCES: f"the folder {folder} is not writable",
        errno.EPERM: f"the folder {folder} is not writable",
        errno.EROFS: "the file system is read-only",
        errno.ENOSPC: "the disk is full",
        errno.EDQUOT: "the disk quota is exceeded",
        errno.EISDIR: f"{target} is a folder",
        errno.ENAMETOOLONG: "the file name is too long",
    }
    reason = reasons.get(error.errno or 0) or (error.strerror or str(error) or type(error).__name__)
    return f"cannot write {target}: {reason}".replace("\n", " ")


def _create_temp(target: Path) -> str:
    folder = target.parent if str(target.parent) else Path(".")
    if target.is_dir():
        raise AtomicWriteError(describe_os_error(target, OSError(errno.EISDIR, "is a folder")))
    if not folder.is_dir():
        raise AtomicWriteError(describe_os_error(target, OSError(errno.ENOENT, "no such folder")))
    for _attempt in range(100):
        name = str(folder / f"{_TEMP_PREFIX}{target.name}.{os.urandom(4).hex()}{_TEMP_SUFFIX}")
        try:
            # Mode 0o666 lets the kernel apply the umask, so a new file gets the user's usual permissions.
            descriptor = os.open(name, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o666)
        except FileExistsError:
            continue
        except OSError as error:
            raise AtomicWriteError(describe_os_error(target, error)) from error
        os.close(descriptor)
        return name
    raise AtomicWriteError(f"cannot write {target}: no free temporary file name in {folder}")


def _commit(temp: str, target: Path) -> None:
    if not os.path.exists(temp):
        raise AtomicWriteError(f"cannot write {target}: the writer left no file")
    try:
        _fsync_file(temp)
        _keep_permissions(temp, target)
        os.replace(temp, target)
    except OSError as error:
        raise AtomicWriteError(describe_os_error(target, error)) from error
    _fsync_folder(target.parent if str(target.parent) else Path("."))


def _fsync_file(name: str) -> None:
    with open(name, "rb") as handle:
        os.fsync(handle.fileno())


def _fsync_folder(folder: Path) -> None:
    # Makes the rename itself durable; not every platform lets a folder be opened, which is harmless.
    try:
        descriptor = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)


def _keep_permissions(temp: str, target: Path) -> None:
    # A replaced file keeps its mode; a new one already has the umask-derived mode from os.open.
    with contextlib.suppress(OSError):
        if target.exists():
            os.chmod(temp, target.stat().st_mode & 0o7777)


def _remove_quietly(name: str) -> None:
    with contextlib.suppress(OSError):
        os.remove(name)
