"""Start-up housekeeping shared by the command line and the window. No Qt.

Python's cyclic garbage collector runs dozens of full and partial passes while Qt, pyqtgraph and the window are
imported and built, yet nothing built then is garbage: about 40 ms of a 0.45 s start here. The window path pauses
the collector until the first paint, then freezes what start-up built (so later full passes, about 20 ms each
over that heap, skip it and cannot stall a drag) and lets the collector run again.
"""

from __future__ import annotations

import gc


def pause_garbage_collector() -> None:
    """Stop automatic cyclic collection until :func:`resume_garbage_collector` (reference counting goes on)."""
    gc.disable()


def resume_garbage_collector() -> None:
    """Set aside every object alive now from later collections and turn automatic collection back on."""
    gc.freeze()
    gc.enable()
