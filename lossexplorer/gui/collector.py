"""Python's cyclic garbage collection, run from the Qt event loop instead of at arbitrary allocations.

Left automatic, the collector runs whenever enough objects have been allocated: possibly inside a Qt call that
holds one of Qt's internal locks, or in a worker thread. If it then frees a cycle that holds Qt objects, their
C++ destructors run right there. We have seen both outcomes in this project's test runs: a deadlock (the
collector freed a QMenu while QObject::disconnect held the lock its QActions' destructors wait for) and a
segmentation fault at exit. Collecting only when the event loop is idle between events rules that out: Qt holds
no lock there, and only the GUI thread collects.
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer, Slot

COLLECT_INTERVAL_MS = 200
"""How often the event loop checks whether a collection is due: garbage cycles wait at most this long."""


def due_generation(counts: tuple[int, int, int], thresholds: tuple[int, int, int]) -> int | None:
    """The oldest generation whose collection is due, by the rule Python's automatic collector uses.

    A generation is due when its count exceeds its threshold (generation 0 counts allocations, the older ones
    count collections of the next younger one). Returns None when nothing is due.
    """
    for generation in (2, 1, 0):
        if thresholds[generation] and counts[generation] > thresholds[generation]:
            return generation
    return None


class EventLoopCollector(QObject):
    """Keeps automatic collection off and collects what is due from a timer in the GUI thread."""

    def __init__(self, parent: QObject | None = None, interval_ms: int = COLLECT_INTERVAL_MS) -> None:
        super().__init__(parent)
        self.setObjectName("eventLoopCollector")
        self.timer = QTimer(self)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self.collect_due)

    def start(self) -> None:
        """Turn automatic collection off and start checking from the event loop."""
        gc.disable()
        self.timer.start()

    @Slot()
    def collect_due(self) -> int | None:
        """Collect the oldest generation that is due, if any; return it."""
        generation = due_generation(gc.get_count(), gc.get_threshold())
        if generation is not None:
            gc.collect(generation)
        return generation


def install_event_loop_collector(parent: QObject) -> EventLoopCollector:
    """Hand garbage collection to the event loop for as long as ``parent`` (the application) lives."""
    collector = parent.findChild(EventLoopCollector)
    if collector is None:
        collector = EventLoopCollector(parent)
    collector.start()
    return collector
