"""Write a per-row loss table to CSV in a background thread, with progress and cancellation.

A :class:`CsvExportJob` is handed a finished table (header and columns, computed in the GUI thread by
:func:`lossexplorer.gui.export.per_row_snapshot` from arrays nobody else holds) and formats and writes it with
:func:`lossexplorer.gui.export.write_per_row_csv`, a chunk of rows at a time. It reports back through queued
signals, so the window stays responsive, and it never touches the window's data.

As with :mod:`lossexplorer.gui.loader`, running jobs are kept in a module-level registry until their thread has
ended, so a window closed while a file is being written does not destroy a running ``QThread`` (which would
abort the process); :func:`cancel_all_exports` stops them all when the application quits.
"""

from __future__ import annotations

import threading
import traceback
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from PySide6.QtCore import QCoreApplication, QObject, QThread, Signal, Slot

from lossexplorer.gui import export
from lossexplorer.gui.export import ExportCancelled, ExportError

PROGRESS_STEPS = 1000
"""The progress signal counts from 0 to this."""

_RUNNING: set[CsvExportJob] = set()


class CsvExportJob(QThread):
    """One per-row CSV file being written in a background thread.

    Signals (all delivered in the thread that created the job):
        progressed(int): 0 .. :data:`PROGRESS_STEPS`, between chunks.
        written(object): the :class:`~pathlib.Path` written.
        failed(str): a one-line message; nothing was written.
        cancelled(): the job stopped because :meth:`cancel` was called; nothing was written.

    Exactly one of ``written``, ``failed`` or ``cancelled`` is emitted per job.

    Args:
        path: The file to write.
        header: Column names.
        columns: The table's columns. The job reads them from its thread: nobody may change them afterwards.
    """

    progressed = Signal(int)
    written = Signal(object)
    failed = Signal(str)
    cancelled = Signal()

    def __init__(self, path: str, header: Sequence[str], columns: Sequence[np.ndarray]) -> None:
        super().__init__()
        self.path = path
        self._header = list(header)
        self._columns = list(columns)
        self._cancel = threading.Event()
        self._last_step = -1
        self.setObjectName(f"csvExport:{Path(path).name}")

    def start_export(self) -> None:
        """Start the thread; the job stays referenced until the thread has ended."""
        _RUNNING.add(self)
        self.finished.connect(_reaper().reap)
        self.start()

    @Slot()
    def cancel(self) -> None:
        """Ask the job to stop at its next check (between chunks); safe to call from any thread."""
        self._cancel.set()

    def is_cancelled(self) -> bool:
        """Whether :meth:`cancel` was called."""
        return self._cancel.is_set()

    def run(self) -> None:
        """Write the file (in the job's thread) and emit exactly one outcome."""
        try:
            written = export.write_per_row_csv(self.path, self._header, self._columns,
                                               progress=self._report, should_cancel=self._cancel.is_set)
        except ExportCancelled:
            self.cancelled.emit()
        except ExportError as error:
            self.failed.emit(str(error))
        except Exception as error:  # a bug, or too little memory, still reaches the user as one line
            self._log(error)
            self.failed.emit(f"cannot write {self.path}: {type(error).__name__}: {error}".replace("\n", " "))
        else:
            self.written.emit(written)
        finally:
            # The table can be large; the job object lives on until the reaper lets go of it.
            self._columns = []

    def _report(self, fraction: float) -> None:
        step = round(fraction * PROGRESS_STEPS)
        if step != self._last_step:
            self._last_step = step
            self.progressed.emit(step)

    @staticmethod
    def _log(error: Exception) -> None:
        from lossexplorer.gui.errors import write_log

        write_log("".join(traceback.format_exception(error)))


def running_exports() -> list[CsvExportJob]:
    """The jobs whose threads have not ended yet."""
    return list(_RUNNING)


def cancel_all_exports(timeout_ms: int = 10000) -> None:
    """Cancel every running job and wait for its thread to end (used when the application quits)."""
    for job in list(_RUNNING):
        job.cancel()
    for job in list(_RUNNING):
        job.wait(timeout_ms)


class _Reaper(QObject):
    """Lives in the GUI thread and lets go of jobs once their threads have ended."""

    @Slot()
    def reap(self) -> None:
        job = self.sender()
        if isinstance(job, CsvExportJob):
            # ``finished`` comes just before the thread ends: wait for the end before the last reference goes.
            job.wait()
            _RUNNING.discard(job)


_REAPERS: list[_Reaper] = []


def _reaper() -> _Reaper:
    if not _REAPERS:
        reaper = _Reaper(QCoreApplication.instance())
        reaper.setObjectName("csvExportReaper")
        QCoreApplication.instance().aboutToQuit.connect(cancel_all_exports)
        _REAPERS.append(reaper)
    return _REAPERS[0]
