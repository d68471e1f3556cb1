"""Load a CSV file in a background thread, with progress and cancellation, and nothing touched until it is done.

A :class:`LoadJob` runs :func:`lossexplorer.csvio.load_csv` in its own thread and reports back through queued
signals, so the window stays responsive. It never touches the window's data: the receiver decides what to do
with the result (the open actions replace the data only on success).

Running jobs are kept in a module-level registry until their thread has ended, so a window closed while a file
is loading does not destroy a running ``QThread`` (which would abort the process); :func:`cancel_all_loads`
stops them all when the application quits.
"""

from __future__ import annotations

import threading
import traceback
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QObject, QThread, Signal, Slot

from lossexplorer import csvio
from lossexplorer.csvio import ColumnMapping, CsvError, LoadCancelled

PROGRESS_STEPS = 1000
"""The progress signal counts from 0 to this."""

_RUNNING: set[LoadJob] = set()


class LoadJob(QThread):
    """One file being read in a background thread.

    Signals (all delivered in the thread that created the job):
        progressed(int): 0 .. :data:`PROGRESS_STEPS`, between chunks.
        loaded(object): the :class:`~lossexplorer.csvio.ReadResult`.
        failed(str, bool): a one-line message, and whether reading again with ``skip_bad_rows`` could help.
        cancelled(): the job stopped because :meth:`cancel` was called.

    Exactly one of ``loaded``, ``failed`` or ``cancelled`` is emitted per job.
    """

    progressed = Signal(int)
    loaded = Signal(object)
    failed = Signal(str, bool)
    cancelled = Signal()

    def __init__(self, path: str, mapping: ColumnMapping | None = None, skip_bad_rows: bool = False) -> None:
        super().__init__()
        self.path = path
        self.mapping = mapping
        self.skip_bad_rows = skip_bad_rows
        self._cancel = threading.Event()
        self.setObjectName(f"csvLoad:{Path(path).name}")

    def start_loading(self) -> None:
        """Start the thread; the job stays referenced until the thread has ended."""
        _RUNNING.add(self)
        self.finished.connect(_reaper().reap)
        self.start()

    def cancel(self) -> None:
        """Ask the job to stop at its next check (between chunks); safe to call from any thread."""
        self._cancel.set()

    def is_cancelled(self) -> bool:
        """Whether :meth:`cancel` was called."""
        return self._cancel.is_set()

    def run(self) -> None:
        """Read the file (in the job's thread) and emit exactly one outcome."""
        try:
            result = csvio.load_csv(
                self.path,
                self.mapping,
                skip_bad_rows=self.skip_bad_rows,
                progress=self._report,
                should_cancel=self._cancel.is_set,
            )
        except LoadCancelled:
            self.cancelled.emit()
        except CsvError as error:
            self.failed.emit(str(error), error.row_problem and not self.skip_bad_rows)
        except Exception as error:  # a bug, or too little memory, still reaches the user as one line
            self._log(error)
            self.failed.emit(f"could not read {Path(self.path).name}: {type(error).__name__}: {error}", False)
        else:
            self.loaded.emit(result)

    def _report(self, fraction: float) -> None:
        self.progressed.emit(round(fraction * PROGRESS_STEPS))

    @staticmethod
    def _log(error: Exception) -> None:
        from lossexplorer.gui.errors import write_log

        write_log("".join(traceback.format_exception(error)))


def running_loads() -> list[LoadJob]:
    """The jobs whose threads have not ended yet."""
    return list(_RUNNING)


def cancel_all_loads(timeout_ms: int = 5000) -> None:
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
        if isinstance(job, LoadJob):
            # ``finished`` comes just before the thread ends: wait for the end before the last reference goes.
            job.wait()
            _RUNNING.discard(job)


_REAPERS: list[_Reaper] = []


def _reaper() -> _Reaper:
    if not _REAPERS:
        reaper = _Reaper(QCoreApplication.instance())
        reaper.setObjectName("csvLoadReaper")
        QCoreApplication.instance().aboutToQuit.connect(cancel_all_loads)
        _REAPERS.append(reaper)
    return _REAPERS[0]
