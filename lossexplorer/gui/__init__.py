"""Everything Qt: the table model, widgets, plots, the main window and export. Arithmetic stays in the core."""

import os

# pyqtgraph picks PyQt6 first when it is installed; this app is PySide6 only.
os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")
