"""Garbage collection from the event loop: when a generation is due, and that cycles are freed there."""

import gc
import weakref

import pytest

from lossexplorer.gui.collector import EventLoopCollector, due_generation

THRESHOLDS = (700, 10, 10)  # CPython's defaults


@pytest.mark.parametrize(
    "counts, expected",
    [
        ((0, 0, 0), None),
        ((700, 10, 10), None),  # at a threshold is not over it
        ((701, 0, 0), 0),
        ((5, 11, 0), 1),
        ((701, 11, 0), 1),  # the older generation's pass includes the younger ones
        ((0, 0, 11), 2),
        ((701, 11, 11), 2),
    ],
)
def test_due_generation_follows_the_thresholds(counts, expected):
    assert due_generation(counts, THRESHOLDS) == expected


def test_a_zero_threshold_means_never():
    assert due_generation((10_000, 0, 0), (0, 10, 10)) is None


class Node:
    def __init__(self):
        self.me = self


def test_the_collector_frees_cycles_from_the_event_loop_and_keeps_automatic_collection_off(qapp, qtbot):
    collector = EventLoopCollector(interval_ms=10)
    was_enabled = gc.isenabled()
    try:
        collector.start()
        assert not gc.isenabled()
        node = Node()
        alive = weakref.ref(node)
        del node  # only the cycle holds it now: reference counting alone cannot free it
        # Make generation 0 due: more new container objects than its threshold.
        padding = [[] for _ in range(gc.get_threshold()[0] + 1)]
        assert alive() is not None  # automatic collection did not run
        qtbot.waitUntil(lambda: alive() is None, timeout=5000)
        assert not gc.isenabled()
        del padding
    finally:
        collector.timer.stop()
        if was_enabled:
            gc.enable()
