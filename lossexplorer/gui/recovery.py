"""Crash recovery: autosave unsaved work to the data folder within seconds, and offer it back after a crash.

Each running window owns one recovery file ``recovery/autosave-<token>.lossx`` (an ordinary session file with
the document path it belonged to) and holds a ``QLockFile`` next to it while it runs. At the next start, a
recovery file whose lock can be taken belongs to a process that is gone, so it is offered back; files of
other live instances stay locked and are left alone. Writes are atomic, so a crash mid-write leaves the
previous autosave intact. Nothing runs at start-up beyond one folder listing.

An autosave happens :data:`AUTOSAVE_IDLE_MS` after the last change rather than on a fixed beat, so a drag or
a run of typing is never interrupted by a write (at a million rows a write takes about 0.1 s); during
uninterrupted editing it still happens at least every :data:`AUTOSAVE_MAX_WAIT_S` seconds.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from PySide6.QtCore import QLockFile, QObject, QTimer, Slot
from PySide6.QtWidgets import QMessageBox, QWidget

from lossexplorer.gui import settings
from lossexplorer.session import Session, SessionError, read_session, write_session

AUTOSAVE_IDLE_MS = 2000
AUTOSAVE_MAX_WAIT_S = 20.0
RECOVERY_FOLDER = "recovery"
RECOVERY_PREFIX = "autosave-"
UNREADABLE_SUFFIX = ".unreadable"


def recovery_dir() -> Path:
    """The folder that holds recovery files (inside the user's data folder)."""
    return settings.data_dir() / RECOVERY_FOLDER


def _lock_path(recovery_file: Path) -> Path:
    return recovery_file.with_suffix(".lock")


def _new_lock(recovery_file: Path) -> QLockFile:
    lock = QLockFile(str(_lock_path(recovery_file)))
    # Never judge a lock stale by its age: a window may run for days. The owner's PID decides.
    lock.setStaleLockTime(0)
    return lock


class Autosaver(QObject):
    """Writes the window's working state to its recovery file while there are unsaved changes.

    Args:
        snapshot: returns the current :class:`Session` to write.
        parent: the owning object (the session controller).
    """

    def __init__(self, snapshot: Callable[[], Session], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._snapshot = snapshot
        self._revision = 0
        self._saved_revision = -1
        self._file: Path | None = None
        self._lock: QLockFile | None = None
        self._active = False
        self._waiting_since: float | None = None
        self.max_wait_s = AUTOSAVE_MAX_WAIT_S
        self.last_error = ""
        self.timer = QTimer(self)
        self.timer.setObjectName("autosaveTimer")
        self.timer.setSingleShot(True)
        self.timer.setInterval(AUTOSAVE_IDLE_MS)
        self.timer.timeout.connect(self._on_idle)

    @property
    def path(self) -> Path | None:
        """This window's recovery file, or None before the first autosave."""
        return self._file

    def set_interval(self, milliseconds: int) -> None:
        """Change the quiet time after a change before it is written (the crash test uses a short one)."""
        self.timer.setInterval(int(milliseconds))

    @Slot()
    def note_change(self) -> None:
        """Record that the working state changed; while active, (re)start the wait for a quiet moment."""
        self._revision += 1
        if self._active:
            self._schedule()

    def set_active(self, active: bool) -> None:
        """Autosave while ``active`` (there are unsaved changes); otherwise stop and remove the file."""
        self._active = active
        if active and self._revision != self._saved_revision:
            self._schedule()
        elif not active:
            self.timer.stop()
            self._waiting_since = None
            self.discard()

    def _schedule(self) -> None:
        now = time.monotonic()
        if self._waiting_since is None:
            self._waiting_since = now
        # Restarting postpones the write; past the longest wait the running countdown is left to finish.
        if not self.timer.isActive() or now - self._waiting_since < self.max_wait_s:
            self.timer.start()

    @Slot()
    def _on_idle(self) -> None:
        self._waiting_since = None
        self.autosave_if_changed()

    @Slot()
    def autosave_if_changed(self) -> bool:
        """Write the recovery file if anything changed since the last write; return whether it was written."""
        if self._revision == self._saved_revision:
            return False
        return self.autosave_now()

    def autosave_now(self) -> bool:
        """Write the recovery file now; on failure keep the old one and remember the reason in ``last_error``."""
        revision = self._revision
        try:
            target = self._claim_file()
            write_session(target, self._snapshot())
        except (OSError, SessionError) as error:
            self.last_error = str(error)
            return False
        self._saved_revision = revision
        self.last_error = ""
        return True

    def discard(self) -> None:
        """Remove this window's recovery file and its lock (after a clean save, a clean state or a close)."""
        if self._file is not None:
            with contextlib.suppress(OSError):
                self._file.unlink(missing_ok=True)
        if self._lock is not None:
            self._lock.unlock()
        self._file, self._lock = None, None
        self._saved_revision = -1

    def _claim_file(self) -> Path:
        if self._file is not None:
            return self._file
        folder = recovery_dir()
        folder.mkdir(parents=True, exist_ok=True)
        candidate = folder / f"{RECOVERY_PREFIX}{os.urandom(6).hex()}.lossx"
        lock = _new_lock(candidate)
        if not lock.tryLock(0):
            raise OSError(f"cannot lock the recovery file {candidate}")
        self._file, self._lock = candidate, lock
        return candidate


@dataclass
class Orphan:
    """A recovery file left behind by a process that is gone; its lock is held until released."""

    path: Path
    lock: QLockFile

    def release(self) -> None:
        """Keep the file for a later start: let go of the lock."""
        self.lock.unlock()

    def remove(self) -> None:
        """Delete the file and its lock."""
        with contextlib.suppress(OSError):
            self.path.unlink(missing_ok=True)
        self.lock.unlock()

    def set_aside(self) -> None:
        """Rename an unreadable file so it is not offered again, yet not thrown away."""
        with contextlib.suppress(OSError):
            self.path.rename(self.path.with_name(self.path.name + UNREADABLE_SUFFIX))
        self.lock.unlock()


def find_orphans() -> list[Orphan]:
    """Recovery files whose owner process is gone, newest first, each with its lock taken."""
    folder = recovery_dir()
    if not folder.is_dir():
        return []
    orphans = []
    for path in folder.glob(f"{RECOVERY_PREFIX}*.lossx"):
        lock = _new_lock(path)
        if lock.tryLock(0):
            orphans.append(Orphan(path, lock))
    return sorted(orphans, key=_modified_time, reverse=True)


def _modified_time(orphan: Orphan) -> float:
    try:
        return orphan.path.stat().st_mtime
    except OSError:
        return 0.0


def ask_restore(parent: QWidget | None, description: str) -> str:
    """Ask whether to restore unsaved work: ``"restore"``, ``"discard"`` or ``"later"``."""
    box = QMessageBox(QMessageBox.Icon.Question, "Restore unsaved work?",
                      "Loss Explorer did not close properly last time. Restore the unsaved work?",
                      QMessageBox.StandardButton.NoButton, parent)
    box.setInformativeText(description)
    restore = box.addButton("Restore", QMessageBox.ButtonRole.AcceptRole)
    discard = box.addButton("Discard", QMessageBox.ButtonRole.DestructiveRole)
    later = box.addButton("Not Now", QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(restore)
    box.setEscapeButton(later)
    box.exec()
    clicked = box.clickedButton()
    return "restore" if clicked is restore else "discard" if clicked is discard else "later"


def offer_recovery(window: QWidget, ask: Callable[[QWidget | None, str], str] | None = None) -> bool:
    """At start-up, offer the newest orphaned recovery file back to ``window``; return whether it was restored.

    Args:
        window: a MainWindow with its session controller installed (``window.session``).
        ask: the question, returning ``"restore"``, ``"discard"`` or ``"later"``; :func:`ask_restore` by default.
    """
    orphans = find_orphans()
    if not orphans:
        return False
    newest = orphans[0]
    for other in orphans[1:]:
        other.release()
    try:
        recovered = read_session(newest.path)
    except SessionError as error:
        newest.set_aside()
        window.show_problem(f"An autosaved recovery file could not be read and was set aside: {error}")
        return False
    answer = (ask or ask_restore)(window, describe(recovered, newest.path))
    if answer == "discard":
        newest.remove()
        return False
    if answer != "restore":
        newest.release()
        return False
    # Our own autosave is written before the orphan goes, so a crash right now still loses nothing.
    window.session.restore(recovered)
    newest.remove()
    return True


def describe(session: Session, path: Path) -> str:
    """One line saying what a recovery file holds, for the question."""
    data = session.dataset
    origin = Path(session.document).name if session.document else (Path(data.source).name or "untitled data")
    return f"{origin}: {data.task}, {data.n_rows:,} rows (autosaved {_age(path)})."


def _age(path: Path) -> str:
    try:
        stamp = datetime.fromtimestamp(path.stat().st_mtime)
    except OSError:
        return "earlier"
    return stamp.strftime("%Y-%m-%d %H:%M:%S")
