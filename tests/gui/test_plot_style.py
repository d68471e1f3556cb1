"""The shared plot look: axis titles typeset only when their text changes, and the crosshair made on first hover."""

import pyqtgraph as pg
import pytest
from PySide6.QtCore import QPointF

from lossexplorer.gui.plot_style import Crosshair, make_plot


@pytest.fixture
def plot(qtbot):
    widget = make_plot("Title", "x label", "y label", "testPlot")
    qtbot.addWidget(widget)
    widget.resize(400, 300)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def count_typesetting(axis):
    calls = []
    original = axis.label.setHtml
    axis.label.setHtml = lambda html: calls.append(html) or original(html)
    return calls


def test_axis_title_is_typeset_again_only_when_its_text_changes(plot):
    axis = plot.getPlotItem().getAxis("left")
    calls = count_typesetting(axis)
    plot.getPlotItem().setYRange(0.0, 10.0, padding=0)
    plot.getPlotItem().setYRange(0.0, 20.0, padding=0)
    assert calls == []
    # Values of a millionth make pyqtgraph scale the ticks and say so in the title: that text is new.
    plot.getPlotItem().setYRange(0.0, 2e-6, padding=0)
    assert len(calls) == 1
    assert "x1e-06" in axis.label.toPlainText()
    plot.getPlotItem().setYRange(0.0, 20.0, padding=0)
    assert len(calls) == 2
    assert axis.label.toPlainText().strip() == "y label"


def test_only_the_bottom_and_left_axes_show(plot):
    item = plot.getPlotItem()
    shown = {side for side in ("left", "bottom", "top", "right") if item.getAxis(side).isVisible()}
    assert shown == {"left", "bottom"}


def items_in(widget):
    return set(widget.getPlotItem().vb.addedItems) | set(widget.getPlotItem().vb.allChildren())


def test_crosshair_is_made_when_the_mouse_first_enters_the_plot(plot, qtbot):
    before = items_in(plot)
    crosshair = Crosshair(plot, "e", "loss")
    assert items_in(plot) == before  # nothing added until it is needed
    plot.getPlotItem().setXRange(0.0, 10.0, padding=0)
    plot.getPlotItem().setYRange(0.0, 10.0, padding=0)
    view_box = plot.getPlotItem().vb
    crosshair._moved((QPointF(-50.0, -50.0),))  # a move outside the plot, as the rate-limiting proxy passes it
    assert items_in(plot) == before
    inside = view_box.mapViewToScene(QPointF(4.0, 6.0))
    plot.scene().sigMouseMoved.emit(inside)
    qtbot.waitUntil(lambda: crosshair._items is not None and crosshair.readout.isVisible())
    assert crosshair.vertical.value() == pytest.approx(4.0, abs=0.05)
    assert crosshair.horizontal.value() == pytest.approx(6.0, abs=0.05)
    text = crosshair.readout.textItem.toPlainText()
    assert "e = 4" in text and "loss = 6" in text
    assert isinstance(crosshair.vertical, pg.InfiniteLine)
