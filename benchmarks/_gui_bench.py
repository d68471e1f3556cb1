"""Shared by the GUI benchmarks: a Paint-event counter, so a timing stops when the widgets have really repainted,
and the one-line summary of a list of timings."""

from __future__ import annotations

import statistics

import numpy as np
from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QWidget


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

    def all_painted_since(self, before: dict[int, int]) -> bool:
        return all(self.counts[key] > before[key] for key in before)

    def painted_since(self, before: dict[int, int], widgets: list[QWidget]) -> bool:
        return all(self.counts[id(w)] > before[id(w)] for w in widgets)


def summary(times: list[float]) -> str:
    return f"median {statistics.median(times):7.2f} ms   p90 {np.percentile(times, 90):7.2f} ms"
