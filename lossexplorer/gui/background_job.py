"""What the background jobs (loading a CSV, exporting one) share: staying alive, cancelling, logging bugs.

A ``QThread`` destroyed while its thread still runs aborts the process. So every started job is kept in a
module-level registry until its thread has ended, whatever happens to the window that started it, and the
application's ``aboutToQuit`` cancels every job still running and waits for it.
"""

from __future__ import annotations

import threading
import traceback
from typing import TypeVar

from PySide6.QtCore import QCoreApplication, QObject, QThread, Slot

Job = TypeVar("Job", bound="BackgroundJob")

_RUNNING: set[BackgroundJob] = set()


class BackgroundJob(QThread):
    """A job run in its own thread that checks :meth:`is_cancelled` between steps of its work.

    Subclasses implement ``run`` and emit their own outcome signals, exactly one per job.
    """

    def __init__(self, name: str) -> None:
        super().__init__()
        self._cancel = threading.Event()
        self.setObjectName(name)

    def start_job(self) -> None:
        """Start the thread; the job stays referenced until the thread has ended."""
        _RUNNING.add(self)
        self.finished.connect(_reaper().reap)
        self.start()

    @Slot()
    def cancel(self) -> None:
        """Ask the job to stop at its next check (between steps); safe to call from any thread."""
        self._cancel.set()

    def is_cancelled(self) -> bool:
        """Whether :meth:`cancel` was called."""
        return self._cancel.is_set()

    @staticmethod
    def log_error(error: Exception) -> None:
        """Write an unexpected error's traceback to the app's error log (the user gets one line)."""
        from lossexplorer.gui.errors import write_log

        write_log("".join(traceback.format_exception(error)))


def running_jobs(kind: type[Job]) -> list[Job]:
    """The jobs of ``kind`` whose threads have not ended yet."""
    return [job for job in _RUNNING if isinstance(job, kind)]


def cancel_jobs(kind: type[BackgroundJob] = BackgroundJob, timeout_ms: int = 10000) -> None:
    """Cancel every running job of ``kind`` and wait for its thread to end."""
    jobs = running_jobs(kind)
    for job in jobs:
        job.cancel()
    for job in jobs:
        job.wait(timeout_ms)


class _Reaper(QObject):
    """Lives in the GUI thread and lets go of jobs once their threads have ended."""

    @Slot()
    def reap(self) -> None:
        job = self.sender()
        if isinstance(job, BackgroundJob):
            # ``finished`` comes just before the thread ends: wait for the end before the last reference goes.
            job.wait()
            _RUNNING.discard(job)


def _reaper() -> _Reaper:
    application = QCoreApplication.instance()
    reaper = application.findChild(_Reaper, "backgroundJobReaper")
    if reaper is None:
        reaper = _Reaper(application)
        reaper.setObjectName("backgroundJobReaper")
        application.aboutToQuit.connect(cancel_jobs)
    return reaper
