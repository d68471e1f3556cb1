"""lossexplorer: an exact numpy loss library and an interactive explorer for it.

Importing the package is cheap and Qt-free; the window lives in :mod:`lossexplorer.gui`.
"""

__version__ = "0.1.0"
