"""Load a CSV file in a background thread, with progress and cancellation, and nothing touched until it is done.

A :class:`LoadJob` runs :func:`lossexplorer.csvio.load_csv` in its own thread and reports back through queued
signals, so the window stays responsive. It never touches the window's data: the receiver decides what to do
with the result (the open actions replace the data only on success).

Like every :class:`~lossexplorer.gui.background_job.BackgroundJob`, a running job outlives the window that
started it until its thread ends, and quitting the application cancels it.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Signal

from lossexplorer import csvio
from lossexplorer.csvio import ColumnMapping, CsvError, LoadCancelled
from lossexplorer.gui.background_job import BackgroundJob, cancel_jobs, running_jobs

PROGRESS_STEPS = 1000
"""The progress signal counts from 0 to this."""


class LoadJob(BackgroundJob):
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
        super().__init__(f"csvLoad:{Path(path).name}")
        self.path = path
        self.mapping = mapping
        self.skip_bad_rows = skip_bad_rows

    def run(self) -> None:
        """Read the file (in the job's thread) and emit exactly one outcome."""
        try:
            result = csvio.load_csv(
                self.path,
                self.mapping,
                skip_bad_rows=self.skip_bad_rows,
                progress=self._report,
                should_cancel=self.is_cancelled,
            )
        except LoadCancelled:
            self.cancelled.emit()
        except CsvError as error:
            self.failed.emit(str(error), error.row_problem and not self.skip_bad_rows)
        except Exception as error:  # a bug, or too little memory, still reaches the user as one line
            self.log_error(error)
            self.failed.emit(f"could not read {Path(self.path).name}: {type(error).__name__}: {error}", False)
        else:
            self.loaded.emit(result)

    def _report(self, fraction: float) -> None:
        self.progressed.emit(round(fraction * PROGRESS_STEPS))


def running_loads() -> list[LoadJob]:
    """The loads whose threads have not ended yet."""
    return running_jobs(LoadJob)


def cancel_all_loads(timeout_ms: int = 5000) -> None:
    """Cancel every running load and wait for its thread to end."""
    cancel_jobs(LoadJob, timeout_ms)
