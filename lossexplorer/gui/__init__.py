"""Everything Qt: the table model, widgets, plots, the main window and export. Arithmetic stays in the core."""

import ctypes
import os
import sys

# pyqtgraph picks PyQt6 first when it is installed; this app is PySide6 only.
os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")

if sys.version_info < (3, 12):
    # PySide6 6.12 hands out True and None without a new reference (as if they were immortal, as they are from
    # Python 3.12 on): every Signal.emit() from Python drops one reference to True. Under 3.11 a few thousand
    # pyqtgraph updates then abort the interpreter ("Fatal Python error: bool_dealloc"). A large head start on
    # their reference counts makes them immortal here too; the singletons are never freed anyway.
    for _singleton in (True, False, None):
        ctypes.c_ssize_t.from_address(id(_singleton)).value += 1 << 40
