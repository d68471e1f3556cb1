"""Start-up housekeeping of the garbage collector, shared by the command line and the window. No Qt.

Python's cyclic garbage collector runs dozens of full and partial passes while Qt, pyqtgraph and the window are
imported and built, yet nothing built then is garbage: about 40 ms of a 0.45 s start here. The window path pauses
the collector before it imports Qt; once the window has painted, it freezes what start-up built (so later full
passes, about 20 ms each over that heap, skip it and cannot stall a drag) and hands collection to the event loop
(:mod:`lossexplorer.gui.collector`), which never turns automatic collection back on.
"""

from __future__ import annotations

import gc


def pause_garbage_collector() -> None:
    """Stop automatic cyclic collection (reference counting goes on)."""
    gc.disable()


def freeze_start_up_heap() -> None:
    """Set every object alive now aside from later collections: start-up builds what lives until exit."""
    gc.freeze()


def resume_garbage_collector() -> None:
    """Turn automatic collection back on, for a process that leaves before the window's collector takes over."""
    gc.enable()
