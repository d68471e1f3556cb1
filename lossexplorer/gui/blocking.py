"""Block a widget's signals while the program pushes a value into it, so the value does not echo back.

PySide6 6.12's ``QSignalBlocker`` drops a reference to ``None`` on every use (``sys.getrefcount(None)`` falls
by one per block), which after a few thousand uses crashes the interpreter at exit with "deallocating None".
``QObject.blockSignals`` has no such leak, so this module wraps it instead.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from PySide6.QtCore import QObject


@contextmanager
def signals_blocked(*objects: QObject) -> Iterator[None]:
    """Block the signals of ``objects`` for the duration of a ``with`` block, then restore their old state."""
    previous = [obj.blockSignals(True) for obj in objects]
    try:
        yield
    finally:
        for obj, was_blocked in zip(objects, previous, strict=True):
            obj.blockSignals(was_blocked)
