"""The two curve plots of the classification view: loss against the true-class probability, and against the margin.

Each plot keeps its items for its whole life: curves and row points are created once per key and then only
get new data (``setData`` with numpy arrays), are shown or hidden, and enter or leave the legend.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QLineF, QPointF, QRectF, Qt, Slot
from PySide6.QtGui import QColor, QPainter, QPen
from PySide6.QtWidgets import QGraphicsItem, QWidget

from lossexplorer import curves, losses
from lossexplorer.gui.plot_style import Crosshair, curve_color, curve_pen, make_plot

FOCAL_FAMILY_COLORS = ("#00402E", "#006B4F", "#139C77", "#5CC3A3", "#A3DFCB")
"""Shades of the focal loss's own green, dark to light: gamma is ordinal, so its curves differ by lightness."""

PROBABILITY_RANGE_LINEAR = (0.0, 5.0)
"""Lin et al. 2017, Fig. 1 shows losses up to 5; the reset view starts there and grows to cover the rows."""
PROBABILITY_FLOOR_LOG = 1e-3
MARGIN_RANGE = (-4.0, 4.0)
MARGIN_Y_LINEAR = (0.0, 8.0)
"""The textbook figure (ESL Fig. 10.4; scikit-learn's SGD loss example) clips the loss axis at about 8."""
MARGIN_Y_LOG = (1e-2, 60.0)
_NORMAL_WIDTH = 2.2
_BOLD_WIDTH = 3.6
_LARGEST_RESET_LOSS = 20.0  # a reset never zooms out past this, however wrong a row is
_LARGEST_MARGIN = 17.0  # |logit| of a probability clipped to [1e-7, 1 - 1e-7] is 16.1

_MARGIN_STYLE = {
    # The margin plot's own colours: hinge, squared hinge and logistic (= BCE / ln 2) borrow their losses'
    # pens so the same loss looks the same on every plot; the rest take the palette colours left over.
    "zero_one": ("#8C8C8C", Qt.PenStyle.SolidLine),
    "perceptron": ("#CC79A7", Qt.PenStyle.DotLine),
    "exponential": ("#D55E00", Qt.PenStyle.SolidLine),
    "modified_huber": ("#009E73", Qt.PenStyle.DashDotDotLine),
}
_MARGIN_BORROWED = {"hinge": "hinge", "squared_hinge": "squared_hinge", "logistic": "binary_crossentropy"}
MARGIN_LEGEND = {
    "zero_one": "0-1",
    "hinge": "Hinge",
    "squared_hinge": "Squared hinge",
    "perceptron": "Perceptron",
    "logistic": "Logistic (log₂)",
    "exponential": "Exponential",
    "modified_huber": "Modified Huber",
}
MARGIN_ROWS_ON = {"hinge": "hinge", "squared_hinge": "squared_hinge", "binary_crossentropy": "logistic"}
"""Which margin curve a checked loss's rows are drawn on (binary cross-entropy is the logistic loss in nats)."""

_PROBABILITY_NAMES = {
    "mean_squared_error": "Squared error (Brier)",
    "mean_absolute_error": "Absolute error",
    "binary_crossentropy": "Cross-entropy",
    "hinge": "Hinge (on logit)",
    "squared_hinge": "Sq. hinge (on logit)",
}


def margin_pen(name: str, width: float = 2.2) -> QPen:
    """The pen of a textbook margin curve."""
    if name in _MARGIN_BORROWED:
        return curve_pen(_MARGIN_BORROWED[name], width=width)
    colour, style = _MARGIN_STYLE[name]
    pen = pg.mkPen(colour, width=width)
    pen.setStyle(style)
    pen.setCosmetic(True)
    return pen


def margin_color(name: str) -> QColor:
    """The fill colour of the rows drawn on a margin curve."""
    if name in _MARGIN_BORROWED:
        return curve_color(_MARGIN_BORROWED[name])
    return QColor(_MARGIN_STYLE[name][0])


def probability_legend(loss_id: str, params: dict[str, object], task: str) -> str:
    """A short legend entry naming the loss and, where it matters, what it acts on and its parameters."""
    if loss_id == "binary_focal_crossentropy":
        text = f"Focal γ={float(params.get('gamma', 2.0)):g}"
        if params.get("apply_class_balancing"):
            text += f" α={float(params.get('alpha', 0.25)):g}"
        return _with_smoothing(text, params)
    if loss_id == "categorical_crossentropy" and task == "multiclass":
        return _with_smoothing("Categorical CE = −ln p_t", params)
    return _with_smoothing(_PROBABILITY_NAMES.get(loss_id, losses.REGISTRY[loss_id].display_name), params)


def _with_smoothing(text: str, params: dict[str, object]) -> str:
    smoothing = float(params.get("label_smoothing", 0.0) or 0.0)
    return f"{text} ε={smoothing:g}" if smoothing else text


def point_brush_pen(colour: QColor) -> tuple[object, object]:
    """Row points: filled in the loss's colour with a white rim, so they stand out on their own curve."""
    return pg.mkBrush(colour), pg.mkPen("#ffffff", width=1.0)


class StaticCurve(pg.PlotDataItem):
    """A loss curve: it changes with the losses and their parameters, never with an edit of the rows.

    Its drawing is cached as a pixmap, so the repaint an edit causes (a row's point moves across it) copies the
    pixmap instead of stroking hundreds of antialiased dashed segments again. Exports switch the cache off, so
    files get vector curves.
    """

    def __init__(self, pen: QPen) -> None:
        super().__init__(pen=pen)
        self.curve.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)

    def setExportMode(self, export: bool, opts: dict | None = None) -> bool:
        """Draw straight from the data while exporting; from the cache on screen."""
        mode = QGraphicsItem.CacheMode.NoCache if export else QGraphicsItem.CacheMode.DeviceCoordinateCache
        self.curve.setCacheMode(mode)
        return super().setExportMode(export, opts)


class TickGrid(pg.GraphicsObject):
    """Grid lines at the axes' ticks, as an item of their own inside the plot area.

    pyqtgraph draws its grid as part of each axis, so the axis's bounding box covers the plot area and any change
    inside it (a row's point moving) replays the whole axis, tick labels and all. Drawn here, only these lines are
    redrawn, and the axes stay untouched.
    """

    _PENS = (pg.mkPen(0, 0, 0, 34, width=1), pg.mkPen(0, 0, 0, 16, width=1))

    def __init__(self, plot: pg.PlotItem, x: bool = True, y: bool = True) -> None:
        super().__init__()
        self._plot, self._x, self._y = plot, x, y
        for pen in self._PENS:
            pen.setCosmetic(True)
        self._lines: list[list[QLineF]] = [[] for _ in self._PENS]
        self._lines_for: tuple[float, ...] = ()
        self.setZValue(-1000.0)

    def boundingRect(self) -> QRectF:
        """The visible part of the plot area, in data coordinates."""
        return self._plot.vb.viewRect()

    def viewRangeChanged(self) -> None:
        """Follow zooming and panning."""
        self.prepareGeometryChange()
        self.update()

    def paint(self, painter: QPainter, *_args: object) -> None:
        """Major tick lines, then fainter minor ones."""
        self._update_lines()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        for pen, lines in zip(self._PENS, self._lines, strict=True):
            painter.setPen(pen)
            painter.drawLines(lines)

    def _update_lines(self) -> None:
        # Ticks depend on the visible range and the plot's size only; repaints in between reuse them.
        view = self._plot.vb
        rect = view.viewRect()
        log_y = self._plot.ctrl.logYCheck.isChecked()
        key = (rect.left(), rect.right(), rect.top(), rect.bottom(), view.width(), view.height(), log_y)
        if key == self._lines_for:
            return
        self._lines_for = key
        self._lines = [[] for _ in self._PENS]
        if self._x:
            levels = self._plot.getAxis("bottom").tickValues(rect.left(), rect.right(), view.width())
            for lines, (_spacing, values) in zip(self._lines, levels, strict=False):
                lines.extend(QLineF(v, rect.top(), v, rect.bottom()) for v in values)
        if self._y:
            levels = self._plot.getAxis("left").tickValues(rect.top(), rect.bottom(), view.height())
            for lines, (_spacing, values) in zip(self._lines, levels, strict=False):
                lines.extend(QLineF(rect.left(), v, rect.right(), v) for v in values)


def add_tick_grid(plot: pg.PlotItem, x: bool = True, y: bool = True) -> TickGrid:
    """Replace pyqtgraph's axis grid by a :class:`TickGrid` (same lines, cheaper repaints)."""
    plot.showGrid(x=False, y=False)
    grid = TickGrid(plot, x, y)
    plot.addItem(grid, ignoreBounds=True)
    return grid


class RowScatter(pg.ScatterPlotItem):
    """The table's rows as points on a plot, movable one by one without rebuilding every point.

    A full ``setData`` restyles every point in Python (about 1.5 µs each); an edit moves one row, so
    :meth:`move` writes the new position into the item's spot array and only invalidates the drawing. The item
    follows the plot's log-y switch itself (``PlotItem`` calls :meth:`setLogMode` on its items), drawing rows with
    a zero loss nowhere rather than at minus infinity.

    Attributes:
        x_values: The rows' x positions as given.
        y_values: The rows' losses as given (not log-transformed).
    """

    def __init__(self, colour: QColor) -> None:
        brush, rim = point_brush_pen(colour)
        super().__init__(size=8, symbol="o", brush=brush, pen=rim, pxMode=True)
        self.x_values = np.empty(0)
        self.y_values = np.empty(0)
        self._log_y = False

    def set_points(self, x: np.ndarray, y: np.ndarray) -> None:
        """Replace every point."""
        self.x_values = np.array(x, dtype=np.float64)
        self.y_values = np.array(y, dtype=np.float64)
        self.setData(x=self.x_values, y=self._shown(self.y_values))

    def move(self, positions: np.ndarray, x: np.ndarray, y: np.ndarray) -> None:
        """Move the points at ``positions`` (indices into the points) to new places."""
        self.x_values[positions] = x
        self.y_values[positions] = y
        spots = self.data  # pyqtgraph's record array of the spots; the fields are views, written in place
        spots["x"][positions] = x
        spots["y"][positions] = self._shown(np.asarray(y, dtype=np.float64))
        self.prepareGeometryChange()
        self.bounds = [None, None]
        self.informViewBoundsChanged()
        self.invalidate()
        self.sigPlotChanged.emit(self)

    def setLogMode(self, x_log: bool, y_log: bool) -> None:
        """Follow the plot's log-y switch (log-x is never used here)."""
        if bool(y_log) != self._log_y:
            self._log_y = bool(y_log)
            self.setData(x=self.x_values, y=self._shown(self.y_values))

    def _shown(self, y: np.ndarray) -> np.ndarray:
        if not self._log_y:
            return y
        return np.log10(np.where(y > 0.0, y, np.nan))


class CurvePlot:
    """A plot with keyed curves and keyed row-point items, a legend kept in a given order, and a row readout."""

    def __init__(self, widget: pg.PlotWidget, x_name: str, y_name: str) -> None:
        self.widget = widget
        self.item = widget.getPlotItem()
        self.legend = self.item.legend
        self.curves: dict[str, StaticCurve] = {}
        self.points: dict[str, RowScatter] = {}
        self._legend_names: dict[str, str] = {}
        self._emphasised = ""
        self.crosshair = Crosshair(widget, x_name, y_name)
        self.grid = add_tick_grid(self.item)
        self._x_name = x_name
        self.row_numbers = np.empty(0, dtype=np.int64)
        self.point_names: dict[str, str] = {}
        self.row_label = pg.TextItem(anchor=(0.0, 1.0), color="#222222", fill=pg.mkBrush(255, 255, 240, 240),
                                     border=pg.mkPen("#9a9a9a"))
        self.row_label.setZValue(30.0)
        self.row_label.setVisible(False)
        self.item.addItem(self.row_label, ignoreBounds=True)
        self._hover = pg.SignalProxy(widget.scene().sigMouseMoved, rateLimit=30, slot=self._hovered)

    def nearest_row(self, point: QPointF, radius: float = 8.0) -> tuple[str, int] | None:
        """The drawn row point nearest to ``point`` (view coordinates) within ``radius`` pixels, as (key, index)."""
        pixel_w, pixel_h = self.item.vb.viewPixelSize()
        if not pixel_w or not pixel_h:
            return None
        best: tuple[float, str, int] | None = None
        for key, item in self.points.items():
            if not item.isVisible() or item.x_values.size == 0:
                continue
            distance = np.hypot((item.data["x"] - point.x()) / pixel_w, (item.data["y"] - point.y()) / pixel_h)
            if np.all(np.isnan(distance)):
                continue
            index = int(np.nanargmin(distance))
            if distance[index] <= radius and (best is None or distance[index] < best[0]):
                best = (float(distance[index]), key, index)
        return None if best is None else (best[1], best[2])

    def describe_row(self, key: str, index: int) -> str:
        """The readout for one drawn row: its table number, the loss and where it sits."""
        item = self.points[key]
        row = int(self.row_numbers[index]) + 1 if index < self.row_numbers.size else index + 1
        name = self.point_names.get(key, key)
        return (f"row {row} · {name}\n"
                f"loss {item.y_values[index]:.4g} at {self._x_name} = {item.x_values[index]:.4g}")

    @Slot(object)
    def _hovered(self, event: tuple[QPointF]) -> None:
        view_box = self.item.vb
        found = None
        if view_box.sceneBoundingRect().contains(event[0]):
            found = self.nearest_row(view_box.mapSceneToView(event[0]))
        if found is None:
            self.row_label.setVisible(False)
            return
        key, index = found
        x, y = float(self.points[key].data["x"][index]), float(self.points[key].data["y"][index])
        # Open the label towards the middle of the plot, so it never runs off an edge.
        (left, right), (bottom, top) = view_box.viewRange()
        right_half = x > (left + right) / 2.0
        upper_part = y > bottom + 0.7 * (top - bottom)
        self.row_label.setAnchor((1.05 if right_half else -0.05, -0.1 if upper_part else 1.1))
        self.row_label.setText(self.describe_row(key, index))
        self.row_label.setPos(x, y)
        self.row_label.setVisible(True)

    def curve(self, key: str, pen: QPen, z: float = 0.0) -> StaticCurve:
        """Return the curve item of ``key``, creating it (hidden, empty) on first use."""
        if key not in self.curves:
            item = StaticCurve(pen)
            # Curves have sorted x, so clipping and peak downsampling are safe for them (not for row points).
            item.setClipToView(True)
            item.setDownsampling(auto=True, method="peak")
            item.setZValue(z)
            item.setVisible(False)
            self.item.addItem(item)
            self.curves[key] = item
        return self.curves[key]

    def point_item(self, key: str, colour: QColor) -> RowScatter:
        """Return the row-point item of ``key``, creating it (hidden, empty) on first use."""
        if key not in self.points:
            item = RowScatter(colour)
            item.setZValue(10.0)
            item.setVisible(False)
            self.item.addItem(item)
            self.points[key] = item
        return self.points[key]

    def set_legend(self, entries: Sequence[tuple[pg.PlotDataItem, str]], columns: int = 1) -> None:
        """Show exactly these legend entries, in this order (rebuilt only when they change)."""
        names = {str(id(item)): name for item, name in entries}
        if names == self._legend_names and len(self.legend.items) == len(entries):
            return
        self.legend.clear()
        self.legend.setColumnCount(columns)
        for item, name in entries:
            self.legend.addItem(item, name)
        self._legend_names = names

    def emphasise(self, key: str) -> None:
        """Draw the curve of ``key`` bolder and every other curve at its normal width."""
        if key == self._emphasised:
            return
        for name in (self._emphasised, key):
            if name in self.curves:
                self.curves[name].setPen(self.pen_of(name, bold=name == key))
        self._emphasised = key

    def pen_of(self, key: str, bold: bool = False) -> QPen:
        """The pen of a curve of this plot (loss curves by default; the margin plot overrides)."""
        return curve_pen(key, width=_BOLD_WIDTH if bold else _NORMAL_WIDTH)

    def put_legend(self, right: bool, top: bool) -> None:
        """Move the legend into a corner (the one the curves leave empty)."""
        x, y = (1.0 if right else 0.0), (0.0 if top else 1.0)
        self.legend.anchor(itemPos=(x, y), parentPos=(x, y), offset=(-10 if right else 10, 10 if top else -10))

    def hide_points_except(self, keys: Iterable[str]) -> None:
        """Hide every row-point item whose key is not in ``keys``."""
        keep = set(keys)
        for key, item in self.points.items():
            if key not in keep:
                item.setVisible(False)

    @property
    def log_y(self) -> bool:
        """Whether the loss axis is logarithmic."""
        return bool(self.item.ctrl.logYCheck.isChecked())


class ProbabilityPlot(CurvePlot):
    """Loss against the predicted probability of the true class, with the focal-loss family of Lin et al."""

    def __init__(self, parent: QWidget | None = None) -> None:
        widget = make_plot("Loss vs p(true class)", "p_t: predicted probability of the true class",
                           "loss", "probabilityPlot", parent)
        super().__init__(widget, "p", "loss")
        self._x_name = "p_t"
        self.label = 1
        self.grid = curves.probability_grid(600, 1e-3)
        self._data_top = PROBABILITY_RANGE_LINEAR[1]
        self.family: dict[float, pg.PlotDataItem] = {}
        for gamma, values in curves.focal_family(self.grid).items():
            index = len(self.family)
            pen = pg.mkPen(FOCAL_FAMILY_COLORS[index], width=1.6)
            pen.setCosmetic(True)
            item = self.curve(f"focal_family_{gamma:g}", pen, z=-1.0)
            item.setData(self.grid, values)
            self.family[gamma] = item

    def family_entries(self) -> list[tuple[pg.PlotDataItem, str]]:
        """Legend entries of the focal family."""
        return [(item, f"FL γ={gamma:g}") for gamma, item in self.family.items()]

    def x_of(self, p_true: np.ndarray) -> np.ndarray:
        """Where a true-class probability sits on the x axis: ``p_t`` for label 1, ``p = 1 - p_t`` for label 0."""
        return p_true if self.label == 1 else 1.0 - p_true

    def set_label(self, label: int) -> None:
        """Read the x axis as ``p`` for a row of this true label; the family curves follow."""
        self.label = label
        for gamma, item in self.family.items():
            item.setData(self.x_of(self.grid), curves.focal_family(self.grid, [gamma])[gamma])
        self._x_name = "p_t" if label == 1 else "p"
        if label == 1:
            self.item.setLabel("bottom", "p_t: predicted probability of the true class")
        else:
            self.item.setLabel("bottom", "p: predicted probability of class 1 (= 1 − p_t)")
        self.place_legend()

    def place_legend(self) -> None:
        """Curves fall from the side where the true class is unlikely: the legend takes the empty corner."""
        falling_right = self.label == 1
        if self.log_y:
            self.put_legend(right=not falling_right, top=False)
        else:
            self.put_legend(right=falling_right, top=True)

    def set_loss_curve(self, key: str, values: np.ndarray) -> None:
        """Give a loss's curve its values over :attr:`grid` (already for the current label) and show it."""
        item = self.curve(key, self.pen_of(key, bold=key == self._emphasised), z=1.0)
        item.setData(self.x_of(self.grid), values)
        item.setVisible(True)

    def set_row_points(self, key: str, p_true: np.ndarray, values: np.ndarray, name: str) -> None:
        """Draw rows at their true-class probability with their loss (``name`` for the hover readout)."""
        self.point_names[key] = name
        item = self.point_item(key, curve_color(key))
        item.set_points(self.x_of(p_true), values)
        item.setVisible(True)

    def move_row_points(self, key: str, positions: np.ndarray, p_true: np.ndarray, values: np.ndarray) -> None:
        """Move some of the drawn rows (``positions`` index the points) after an edit."""
        self.points[key].move(positions, self.x_of(p_true), values)

    def set_data_top(self, top: float) -> None:
        """The largest row loss on show, so a reset covers every row (up to a sane limit)."""
        self._data_top = top

    def reset_zoom(self) -> None:
        """Show (0, 1) and losses up to Lin et al.'s 5, or as far as the rows reach (at most 20)."""
        top = max(PROBABILITY_RANGE_LINEAR[1], min(self._data_top * 1.08, _LARGEST_RESET_LOSS))
        if self.log_y:
            self.item.setRange(xRange=(0.0, 1.0), yRange=(np.log10(PROBABILITY_FLOOR_LOG), np.log10(top * 2)),
                               padding=0.02)
        else:
            self.item.setRange(xRange=(0.0, 1.0), yRange=(0.0, top), padding=0.02)


class MarginPlot(CurvePlot):
    """The textbook margin losses over z = y·f in [-4, 4], with the binary rows at their margins."""

    def __init__(self, parent: QWidget | None = None) -> None:
        widget = make_plot("Loss vs margin z = y·f", "z = y·f  (y = ±1, f = logit p)", "loss", "marginPlot", parent)
        super().__init__(widget, "z", "loss")
        self.span = MARGIN_RANGE
        for name in curves.MARGIN_LOSSES:
            item = self.curve(name, margin_pen(name), z=1.0 if name in _MARGIN_BORROWED else 0.0)
            item.setVisible(True)
        self._draw_curves()
        self.set_legend([(self.curves[name], MARGIN_LEGEND[name]) for name in curves.MARGIN_LOSSES])
        marker = pg.InfiniteLine(pos=0.0, angle=90, movable=False,
                                 pen=pg.mkPen("#bbbbbb", width=1, style=Qt.PenStyle.DotLine))
        self.item.addItem(marker, ignoreBounds=True)

    def pen_of(self, key: str, bold: bool = False) -> QPen:
        """The textbook curve's pen."""
        return margin_pen(key, width=_BOLD_WIDTH if bold else _NORMAL_WIDTH)

    def _draw_curves(self) -> None:
        low, high = self.span
        # The textbook grid's spacing (0.01) over whatever span the rows need.
        grid = curves.margin_grid(int(100 * (high - low)) + 1, (high - low) / 2.0) + (high + low) / 2.0
        for name in curves.MARGIN_LOSSES:
            self.curves[name].setData(grid, curves.margin_curve(name, grid))

    def cover_margins(self, smallest: float, largest: float, *, shrink: bool = True) -> None:
        """Extend the curves past the textbook [-4, 4] on each side where rows lie (logits reach ±16.1).

        Args:
            smallest: The most negative margin of a drawn row.
            largest: The most positive one.
            shrink: Whether the span may also narrow (a full redraw); an edit only ever widens it.
        """
        def reach(value: float, textbook: float) -> float:
            return float(np.clip(np.ceil(abs(value) * 1.05 * 2.0) / 2.0, textbook, _LARGEST_MARGIN))

        wanted = (-reach(smallest, -MARGIN_RANGE[0]), reach(largest, MARGIN_RANGE[1]))
        if not shrink:
            wanted = (min(wanted[0], self.span[0]), max(wanted[1], self.span[1]))
        if wanted != self.span:
            self.span = wanted
            self._draw_curves()

    def set_row_points(self, name: str, z: np.ndarray, values: np.ndarray) -> None:
        """Draw rows at their margins on the margin curve ``name``."""
        self.point_names[name] = MARGIN_LEGEND[name]
        item = self.point_item(name, margin_color(name))
        item.set_points(z, values)
        item.setVisible(True)

    def place_legend(self) -> None:
        """Top right on a linear axis; on a log axis the curves fill the top, so bottom left."""
        self.put_legend(right=not self.log_y, top=not self.log_y)

    def reset_zoom(self) -> None:
        """The textbook window, z in [-4, 4] and loss up to 8 (60 on a log axis), widened to cover every row."""
        x_range = self.span
        if self.log_y:
            self.item.setRange(xRange=x_range, yRange=tuple(np.log10(MARGIN_Y_LOG)), padding=0.02)
        else:
            self.item.setRange(xRange=x_range, yRange=MARGIN_Y_LINEAR, padding=0.02)
