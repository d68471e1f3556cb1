"""The two curve plots of the classification view: loss against the true-class probability, and against the margin.

Each plot keeps its items for its whole life: curves and row points are created once per key and then only
get new data (``setData`` with numpy arrays), are shown or hidden, and enter or leave the legend.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPen
from PySide6.QtWidgets import QWidget

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


def margin_pen(name: str) -> QPen:
    """The pen of a textbook margin curve."""
    if name in _MARGIN_BORROWED:
        return curve_pen(_MARGIN_BORROWED[name])
    colour, style = _MARGIN_STYLE[name]
    pen = pg.mkPen(colour, width=2.2)
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


class CurvePlot:
    """A plot with keyed curves and keyed row-point items, a legend kept in a given order, and a note."""

    def __init__(self, widget: pg.PlotWidget, x_name: str, y_name: str) -> None:
        self.widget = widget
        self.item = widget.getPlotItem()
        self.legend = self.item.legend
        self.curves: dict[str, pg.PlotDataItem] = {}
        self.points: dict[str, pg.PlotDataItem] = {}
        self._legend_names: dict[str, str] = {}
        self.crosshair = Crosshair(widget, x_name, y_name)
        self.note = pg.TextItem(anchor=(0.5, 0.5), color="#555555", fill=pg.mkBrush(255, 255, 255, 225))
        self.note.setParentItem(self.item.vb)
        self.note.setVisible(False)
        self.item.vb.sigResized.connect(self._place_note)

    def curve(self, key: str, pen: QPen, z: float = 0.0) -> pg.PlotDataItem:
        """Return the curve item of ``key``, creating it (hidden, empty) on first use."""
        if key not in self.curves:
            item = pg.PlotDataItem(pen=pen)
            # Curves have sorted x, so clipping and peak downsampling are safe for them (not for row points).
            item.setClipToView(True)
            item.setDownsampling(auto=True, method="peak")
            item.setZValue(z)
            item.setVisible(False)
            self.item.addItem(item)
            self.curves[key] = item
        return self.curves[key]

    def point_item(self, key: str, colour: QColor) -> pg.PlotDataItem:
        """Return the row-point item of ``key``, creating it (hidden, empty) on first use."""
        if key not in self.points:
            brush, rim = point_brush_pen(colour)
            item = pg.PlotDataItem(pen=None, symbol="o", symbolSize=8, symbolBrush=brush, symbolPen=rim)
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

    def show_note(self, text: str) -> None:
        """Show a short note across the middle of the plot, or hide it for an empty text."""
        self.note.setText(text)
        self.note.setVisible(bool(text))
        self._place_note()

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

    def _place_note(self) -> None:
        # Lower right: on both plots the curves have fallen close to zero there.
        rect = self.item.vb.rect()
        self.note.setPos(rect.width() * 0.74, rect.height() * 0.62)

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
        if label == 1:
            self.item.setLabel("bottom", "p_t: predicted probability of the true class")
        else:
            self.item.setLabel("bottom", "p: predicted probability of class 1 (label 0, so p_t = 1 − p)")
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
        item = self.curve(key, curve_pen(key), z=1.0)
        item.setData(self.x_of(self.grid), values)
        item.setVisible(True)

    def set_row_points(self, key: str, p_true: np.ndarray, values: np.ndarray) -> None:
        """Draw rows at their true-class probability with their loss."""
        item = self.point_item(key, curve_color(key))
        item.setData(self.x_of(p_true), values)
        item.setVisible(True)

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
        self.half_width = MARGIN_RANGE[1]
        for name in curves.MARGIN_LOSSES:
            item = self.curve(name, margin_pen(name), z=1.0 if name in _MARGIN_BORROWED else 0.0)
            item.setVisible(True)
        self._draw_curves()
        self.set_legend([(self.curves[name], MARGIN_LEGEND[name]) for name in curves.MARGIN_LOSSES])
        marker = pg.InfiniteLine(pos=0.0, angle=90, movable=False,
                                 pen=pg.mkPen("#bbbbbb", width=1, style=Qt.PenStyle.DotLine))
        self.item.addItem(marker, ignoreBounds=True)

    def _draw_curves(self) -> None:
        grid = curves.margin_grid(int(200 * self.half_width) + 1, self.half_width)
        for name in curves.MARGIN_LOSSES:
            self.curves[name].setData(grid, curves.margin_curve(name, grid))

    def cover_margins(self, largest: float) -> None:
        """Widen the curves beyond the textbook [-4, 4] when a row's margin lies outside (logits reach ±16.1)."""
        wanted = float(np.clip(np.ceil(largest * 1.05 * 2.0) / 2.0, MARGIN_RANGE[1], _LARGEST_MARGIN))
        if wanted != self.half_width:
            self.half_width = wanted
            self._draw_curves()

    def set_row_points(self, name: str, z: np.ndarray, values: np.ndarray) -> None:
        """Draw rows at their margins on the margin curve ``name``."""
        item = self.point_item(name, margin_color(name))
        item.setData(z, values)
        item.setVisible(True)

    def place_legend(self) -> None:
        """Top right on a linear axis; on a log axis the curves fill the top, so bottom left."""
        self.put_legend(right=not self.log_y, top=not self.log_y)

    def reset_zoom(self) -> None:
        """The textbook window, z in [-4, 4] and loss up to 8 (60 on a log axis), widened to cover every row."""
        x_range = (-self.half_width, self.half_width)
        if self.log_y:
            self.item.setRange(xRange=x_range, yRange=tuple(np.log10(MARGIN_Y_LOG)), padding=0.02)
        else:
            self.item.setRange(xRange=x_range, yRange=MARGIN_Y_LINEAR, padding=0.02)
