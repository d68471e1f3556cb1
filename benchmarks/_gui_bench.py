"""Shared by the GUI benchmarks: a Paint-event counter, so a timing stops when the widgets have really repainted;
waiting for paints; timing a bare pyqtgraph plot as the baseline; and the one-line summary of a list of timings."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QApplication, QWidget


class PaintCounter(QObject):
    """Counts Paint events per widget."""

    def __init__(self, widgets: list[QWidget]) -> None:
        super().__init__()
        self.counts = {id(w): 0 for w in widgets}
        for widget in widgets:
            widget.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint and id(watched) in self.counts:
            self.counts[id(watched)] += 1
        return False

    def snapshot(self) -> dict[int, int]:
        return dict(self.counts)

    def painted_since(self, before: dict[int, int], widgets: list[QWidget]) -> bool:
        return all(self.counts[id(w)] > before[id(w)] for w in widgets)


def summary(times: list[float]) -> str:
    return f"median {statistics.median(times):7.2f} ms   p90 {np.percentile(times, 90):7.2f} ms"


def settle(app: QApplication, window: QWidget) -> None:
    """Let a newly shown window lay itself out and paint once before anything is timed."""
    for _ in range(5):
        app.processEvents()
    window.grab()


def wait_painted(app: QApplication, counter: PaintCounter, widgets: list[QWidget],
                 before: dict[int, int] | None = None, timeout: float = 5.0) -> None:
    """Run the event loop until every widget has painted since ``before`` (default: now)."""
    since = counter.snapshot() if before is None else before
    deadline = time.perf_counter() + timeout
    while not counter.painted_since(since, widgets):
        app.processEvents()
        if time.perf_counter() > deadline:
            raise RuntimeError("widgets did not repaint within the timeout")


def flush(app: QApplication, counter: PaintCounter) -> None:
    """Run the event loop until a pass paints nothing."""
    while True:
        painted = sum(counter.counts.values())
        app.processEvents()
        if sum(counter.counts.values()) == painted:
            return


def time_bare_updates(app: QApplication, widget: pg.PlotWidget, update: Callable[[int], object], repeats: int, *,
                      count_from_before: bool, then_flush: bool) -> list[float]:
    """Milliseconds from each ``update(step)`` of a bare plot until it has repainted; the widget is closed after.

    ``count_from_before`` counts a paint that happens inside the update itself; ``then_flush`` also waits until
    a pass of the event loop paints nothing more. (The two benchmarks time their windows these two ways.)
    """
    widget.show()
    settle(app, widget)
    watched = [widget.viewport()]
    counter = PaintCounter(watched)
    times = []
    for step in range(repeats):
        before = counter.snapshot() if count_from_before else None
        start = time.perf_counter()
        update(step)
        wait_painted(app, counter, watched, before)
        if then_flush:
            flush(app, counter)
        times.append((time.perf_counter() - start) * 1e3)
    widget.close()
    widget.deleteLater()
    app.processEvents()
    return times
