"""A scatter of table rows whose positions can change without pyqtgraph restyling every point.

``ScatterPlotItem.setData`` rebuilds the whole point table and looks up every point's symbol in its atlas
with a Python loop: about 2 ms for 2,000 points, which is most of a 16 ms frame once several plots show the
rows. After a cell edit the same rows are drawn with the same style, only at new places, so
:meth:`RowPoints.set_positions` writes the new coordinates into the existing table and tells the item its
bounds changed. A different number of points falls back to ``setData``.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg


class RowPoints(pg.ScatterPlotItem):
    """Uniformly styled points, one per drawn table row, that can be moved in place.

    With :attr:`log_y` set, y values are drawn on a log10 axis (non-positive values are hidden), as a
    ``PlotDataItem`` does under ``setLogMode``; a bare scatter item does not follow the plot's log mode.
    """

    def __init__(self, **style: object) -> None:
        super().__init__(**style)
        self.log_y = False

    def set_positions(self, x: np.ndarray, y: np.ndarray) -> None:
        """Show points at ``(x, y)``, in place when their number is unchanged."""
        shown_y = _log10_or_nan(y) if self.log_y else np.asarray(y, dtype=np.float64)
        if not np.any(np.isfinite(shown_y)):
            x, shown_y = x[:0], shown_y[:0]
        if self.data.size != x.size:
            self.setData(x=x, y=shown_y)
            return
        # pyqtgraph reads positions from its record array at paint time; styles and atlas entries stay valid.
        self.data["x"] = x
        self.data["y"] = shown_y
        self.prepareGeometryChange()
        self.bounds = [None, None]
        self.informViewBoundsChanged()
        self.update()


def _log10_or_nan(values: np.ndarray) -> np.ndarray:
    values = np.asarray(values, dtype=np.float64)
    positive = values > 0
    out = np.full(values.shape, np.nan)
    out[positive] = np.log10(values[positive])
    return out
