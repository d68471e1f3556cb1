"""One look for every plot: a colour-blind-safe palette, distinct line styles, legends and a crosshair readout."""

from __future__ import annotations

import pyqtgraph as pg
from pyqtgraph.graphicsItems.ViewBox.ViewBoxMenu import ViewBoxMenu
from PySide6.QtCore import QPointF, Qt, Slot
from PySide6.QtGui import QColor, QFont, QPaintEngine, QPainter, QPen
from PySide6.QtWidgets import QGraphicsItem, QStyleOptionGraphicsItem, QWidget

from lossexplorer import losses

# Okabe & Ito (2008), "Color Universal Design": distinguishable under the common colour-vision deficiencies.
OKABE_ITO = (
    "#0072B2",  # blue
    "#D55E00",  # vermillion
    "#009E73",  # bluish green
    "#CC79A7",  # reddish purple
    "#E69F00",  # orange
    "#56B4E9",  # sky blue
    "#000000",  # black
    "#F0E442",  # yellow, last: weak on white
)
LINE_STYLES = (
    Qt.PenStyle.SolidLine,
    Qt.PenStyle.DashLine,
    Qt.PenStyle.DashDotLine,
    Qt.PenStyle.DotLine,
    Qt.PenStyle.DashDotDotLine,
)
AXIS_FONT_SIZE = 10


def style_index(key: str) -> int:
    """A stable index for a curve key: registry losses keep their registry position, so colours never jump."""
    order = list(losses.REGISTRY)
    if key in order:
        return order.index(key)
    return sum(map(ord, key))


# Registry order alone gives seven colours to sixteen losses, so some losses drawn side by side (MSE and focal on
# binary data, CCE and Dice on multiclass data) would share one. These moves keep every task's set distinct.
_COLOR_INDEX = {
    "binary_focal_crossentropy": 2, "categorical_crossentropy": 6, "sparse_categorical_crossentropy": 3,
    "kl_divergence": 2, "categorical_hinge": 4, "cosine_similarity": 5,
}


def curve_color(key: str) -> QColor:
    """The palette colour of a curve."""
    palette = OKABE_ITO[:-1]
    return QColor(palette[_COLOR_INDEX.get(key, style_index(key)) % len(palette)])


def curve_pen(key: str, width: float = 2.2) -> QPen:
    """A cosmetic pen with the curve's colour and line style, so curves differ by more than colour alone."""
    index = style_index(key)
    pen = pg.mkPen(curve_color(key), width=width)
    pen.setStyle(LINE_STYLES[index % len(LINE_STYLES)])
    pen.setCosmetic(True)
    return pen


class LazyMenuViewBox(pg.ViewBox):
    """A ViewBox whose right-click menu is built the first time it is asked for.

    pyqtgraph builds each plot's axis-options menu (two forms of widgets) up front: a few milliseconds per plot
    of the window's start-up, for a menu most sessions never open.
    """

    def __init__(self, **kwargs: object) -> None:
        super().__init__(enableMenu=False, **kwargs)
        self.state["enableMenu"] = True

    def getMenu(self, ev: object) -> ViewBoxMenu | None:
        """The right-click menu, built now if it does not exist yet."""
        self._build_menu()
        return super().getMenu(ev)

    def getContextMenus(self, event: object) -> list:
        """The menu's actions for a parent's context menu, building the menu first."""
        self._build_menu()
        return super().getContextMenus(event)

    def _build_menu(self) -> None:
        if self.menu is None and self.menuEnabled():
            self.menu = ViewBoxMenu(self)
            self.updateViewLists()


class ClippedAxis(pg.AxisItem):
    """An axis that, when cached, clips its painting to its bounds, where the cache confines it anyway.

    Qt's raster engine draws translucent lines (the faint grid lines an axis draws across its plot) on an
    unclipped painter through a slow path: 2-4 ms per axis here, against 0.1 ms clipped. That is about 15 ms of
    the window's first paint, and again whenever an edit moves an axis.
    """

    def paint(self, p: QPainter, opt: QStyleOptionGraphicsItem, widget: QWidget | None) -> None:
        """Paint as pyqtgraph does, clipped to the bounding rectangle on a raster device if the item is cached."""
        if (self.cacheMode() != QGraphicsItem.CacheMode.NoCache
                and p.paintEngine().type() == QPaintEngine.Type.Raster):
            operation = Qt.ClipOperation.IntersectClip if p.hasClipping() else Qt.ClipOperation.ReplaceClip
            # A little outside the bounds, as Qt's cache pixmap is, so the axis line on the edge stays whole.
            p.setClipRect(self.boundingRect().adjusted(-2.0, -2.0, 2.0, 2.0), operation)
        super().paint(p, opt, widget)

    def _updateLabel(self) -> None:  # pyqtgraph calls it from its range and label setters
        """Re-typeset the axis title only when its text changed, then repaint.

        pyqtgraph sets the title's HTML again on every range change (five or more per axis while a window is
        built, and on every edit that moves an axis), though the text changes only with the SI prefix.
        """
        text = self.labelString()
        if text != getattr(self, "_typeset_label", None):
            self._typeset_label = text
            self.label.setHtml(text)
            self._adjustSize()
        self.picture = None
        self.update()


def make_plot(title: str, x_label: str, y_label: str, name: str, parent: QWidget | None = None) -> pg.PlotWidget:
    """A plot widget with the app's look: title, labelled axes, grid, legend, and an objectName for tests."""
    # The hidden top and right axes follow every range change too, so they get the cheaper label update as well.
    axes = {side: ClippedAxis(side) for side in ("left", "bottom", "top", "right")}
    widget = pg.PlotWidget(parent=parent, viewBox=LazyMenuViewBox(), axisItems=axes)
    widget.setObjectName(name)
    widget.setAccessibleName(title)
    widget.setBackground("w")
    item = widget.getPlotItem()
    item.hideAxis("top")  # pyqtgraph shows every axis it is handed
    item.hideAxis("right")
    item.setTitle(title, color="#222222", size="11pt")
    item.setLabel("bottom", x_label, color="#333333")
    item.setLabel("left", y_label, color="#333333")
    item.showGrid(x=True, y=True, alpha=0.15)
    font = QFont()
    font.setPointSize(AXIS_FONT_SIZE)
    for axis in ("bottom", "left"):
        # Tick labels may widen an axis but never narrow it: otherwise the first paint, finding labels shorter
        # than pyqtgraph's initial guess, shrinks the axis and lays out and paints the whole plot a second time
        # (about 20 ms of the window's start-up); it also keeps axes still while a point is dragged.
        item.getAxis(axis).setStyle(autoReduceTextSpace=False)
        item.getAxis(axis).setTickFont(font)
        item.getAxis(axis).setPen(pg.mkPen("#666666"))
        item.getAxis(axis).setTextPen(pg.mkPen("#333333"))
    legend = item.addLegend(offset=(-10, 10), labelTextColor="#222222", labelTextSize="9pt")
    legend.setBrush(pg.mkBrush(255, 255, 255, 220))
    legend.setPen(pg.mkPen("#cccccc"))
    return widget


class Crosshair:
    """A crosshair that follows the mouse over a plot and reads out the values under it in a corner label.

    Its lines and label are made the first time the mouse enters the plot (or one of them is asked for): nine
    scene items over a window's three plots are about 2 ms of its start-up otherwise.
    """

    def __init__(self, widget: pg.PlotWidget, x_name: str = "x", y_name: str = "y") -> None:
        self._widget, self._x_name, self._y_name = widget, x_name, y_name
        self._items: tuple[pg.InfiniteLine, pg.InfiniteLine, pg.TextItem] | None = None
        self._proxy = pg.SignalProxy(widget.scene().sigMouseMoved, rateLimit=60, slot=self._moved)

    @property
    def vertical(self) -> pg.InfiniteLine:
        """The vertical line at the cursor's x."""
        return self._made()[0]

    @property
    def horizontal(self) -> pg.InfiniteLine:
        """The horizontal line at the cursor's y."""
        return self._made()[1]

    @property
    def readout(self) -> pg.TextItem:
        """The corner label reading out x and y."""
        return self._made()[2]

    def _made(self) -> tuple[pg.InfiniteLine, pg.InfiniteLine, pg.TextItem]:
        if self._items is None:
            pen = pg.mkPen("#888888", width=1, style=Qt.PenStyle.DashLine)
            vertical = pg.InfiniteLine(angle=90, movable=False, pen=pen)
            horizontal = pg.InfiniteLine(angle=0, movable=False, pen=pen)
            readout = pg.TextItem(anchor=(0, 0), color="#222222", fill=pg.mkBrush(255, 255, 255, 210))
            for item in (vertical, horizontal):
                self._widget.addItem(item, ignoreBounds=True)
            readout.setParentItem(self._widget.getPlotItem().vb)
            readout.setPos(6, 4)
            for item in (vertical, horizontal, readout):
                item.setVisible(False)
                item.setObjectName("transient")  # exports leave it out (lossexplorer.gui.export.TRANSIENT_NAME)
            self._items = (vertical, horizontal, readout)
        return self._items

    @Slot(object)
    def _moved(self, event: tuple[QPointF]) -> None:
        position = event[0]
        view_box = self._widget.getPlotItem().vb
        inside = self._widget.sceneBoundingRect().contains(position) and view_box.sceneBoundingRect().contains(
            position)
        if not inside and self._items is None:
            return
        for item in self._made():
            item.setVisible(inside)
        if inside:
            self.show_at(view_box.mapSceneToView(position))

    def show_at(self, point: QPointF) -> None:
        """Place the crosshair at a point in data coordinates and read it out."""
        x, y = point.x(), point.y()
        if self._widget.getPlotItem().ctrl.logYCheck.isChecked():
            y = 10.0 ** y
        self.vertical.setPos(point.x())
        self.horizontal.setPos(point.y())
        self.readout.setText(f"{self._x_name} = {x:.4g}   {self._y_name} = {y:.4g}")
