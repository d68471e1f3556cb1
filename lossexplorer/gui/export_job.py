"""Write a per-row loss table to CSV in a background thread, with progress and cancellation.

A :class:`CsvExportJob` is handed a finished table (header and columns, computed in the GUI thread by
:func:`lossexplorer.gui.export.per_row_snapshot` from arrays nobody else holds) and formats and writes it with
:func:`lossexplorer.gui.export.write_per_row_csv`, a chunk of rows at a time. It reports back through queued
signals, so the window stays responsive, and it never touches the window's data.

Like every :class:`~lossexplorer.gui.background_job.BackgroundJob`, a running job outlives the window that
started it until its thread ends, and quitting the application cancels it.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
from PySide6.QtCore import Signal

from lossexplorer.gui import export
from lossexplorer.gui.background_job import BackgroundJob, cancel_jobs, running_jobs
from lossexplorer.gui.export import ExportCancelled, ExportError

PROGRESS_STEPS = 1000
"""The progress signal counts from 0 to this."""


class CsvExportJob(BackgroundJob):
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
        super().__init__(f"csvExport:{Path(path).name}")
        self.path = path
        self._header = list(header)
        self._columns = list(columns)
        self._last_step = -1

    def run(self) -> None:
        """Write the file (in the job's thread) and emit exactly one outcome."""
        try:
            written = export.write_per_row_csv(self.path, self._header, self._columns,
                                               progress=self._report, should_cancel=self.is_cancelled)
        except ExportCancelled:
            self.cancelled.emit()
        except ExportError as error:
            self.failed.emit(str(error))
        except Exception as error:  # a bug, or too little memory, still reaches the user as one line
            self.log_error(error)
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


def running_exports() -> list[CsvExportJob]:
    """The exports whose threads have not ended yet."""
    return running_jobs(CsvExportJob)


def cancel_all_exports(timeout_ms: int = 10000) -> None:
    """Cancel every running export and wait for its thread to end."""
    cancel_jobs(CsvExportJob, timeout_ms)
