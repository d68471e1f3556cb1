"""Best constants of large data computed off the GUI thread, newest request first.

Medians and M-estimates are full passes over the data, repeated (a Newton step each): at a million rows and six
losses about 200 ms, far more than a drag step may take. The regression view hands such requests to
:class:`CentresWorker`, which runs one at a time in a background thread (numpy releases the GIL for the heavy
work), keeps only the newest request while one runs, and delivers results through a queued Qt signal. The
plots keep following the mouse; the outlier lab's lines catch up a moment later.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
from PySide6.QtCore import QObject, Signal

from lossexplorer.estimators import error_centre

if TYPE_CHECKING:
    from concurrent.futures import ThreadPoolExecutor

Request = tuple[np.ndarray, dict[str, dict[str, Any]]]


def compute_centres(errors: np.ndarray, params_by_loss: Mapping[str, Mapping[str, Any]]) -> dict[str, float]:
    """Each loss's centre of the errors (see :func:`lossexplorer.estimators.error_centre`)."""
    return {loss_id: error_centre(loss_id, errors, params) for loss_id, params in params_by_loss.items()}


class CentresWorker(QObject):
    """Computes centres in a background thread, one request at a time, newest first.

    Signals:
        result_ready(object): a ``{loss_id: centre}`` dict, delivered in the GUI thread.
    """

    result_ready = Signal(object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._executor: ThreadPoolExecutor | None = None
        self._lock = threading.Lock()
        self._running = False
        self._waiting: Request | None = None

    def request(self, errors: np.ndarray, params_by_loss: Mapping[str, Mapping[str, Any]]) -> None:
        """Ask for the centres of ``errors`` (copied); supersedes any request not yet started."""
        job: Request = (np.array(errors, dtype=np.float64), {k: dict(v) for k, v in params_by_loss.items()})
        with self._lock:
            if self._running:
                self._waiting = job
                return
            self._running = True
        self._start(job)

    def pending(self) -> bool:
        """Whether a request is running or waiting."""
        with self._lock:
            return self._running

    def cancel_waiting(self) -> None:
        """Drop the waiting request (a running one still finishes and reports)."""
        with self._lock:
            self._waiting = None

    def shutdown(self) -> None:
        """Stop taking requests and let a running one finish in the background."""
        self.cancel_waiting()
        if self._executor is not None:
            self._executor.shutdown(wait=False)
            self._executor = None

    def _start(self, job: Request) -> None:
        if self._executor is None:
            # Imported here: only tables above DEFERRED_CENTRES_ABOVE rows need it, and it costs 2 ms of start-up.
            from concurrent.futures import ThreadPoolExecutor

            self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="lossexplorer-centres")
        self._executor.submit(self._run, job)

    def _run(self, job: Request) -> None:
        while job is not None:
            try:
                result: dict[str, float] | None = compute_centres(*job)
            except Exception:  # a failure must never leave the worker marked as running
                result = None  # the next request, or the next synchronous update, shows fresh values
            # The state changes before the result is sent, so that pending() is right when it arrives.
            with self._lock:
                job, self._waiting = self._waiting, None
                if job is None:
                    self._running = False
            try:
                # An empty result still tells the view that nothing is pending any more.
                self.result_ready.emit(result if result is not None else {})
            except RuntimeError:
                return  # the receiving view has been deleted
