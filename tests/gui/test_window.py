"""The whole window: the screenshot command, names on every control, view switching and shortcuts."""

import os
import subprocess
import sys

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QFontMetrics, QImage, QKeySequence
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSlider,
    QAbstractSpinBox,
    QComboBox,
    QHeaderView,
    QLineEdit,
    QScrollBar,
    QTabBar,
    QWidget,
)

from lossexplorer import losses
from lossexplorer.demo import demo_dataset, demo_path

INTERACTIVE = (QAbstractButton, QAbstractSlider, QAbstractSpinBox, QComboBox, QLineEdit, QAbstractItemView,
               pg.GraphicsView)


@pytest.fixture
def window(shown_window):
    return shown_window


def run_screenshot(tmp_path, *extra):
    out = tmp_path / "window.png"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    result = subprocess.run([sys.executable, "-m", "lossexplorer", "--screenshot", str(out), *extra],
                            capture_output=True, text=True, env=env, timeout=120, check=False)
    return result, out


def image_statistics(path):
    image = QImage(str(path))
    assert not image.isNull()
    image = image.convertToFormat(QImage.Format.Format_RGB32)
    width, height = image.width(), image.height()
    pixels = np.frombuffer(image.constBits(), dtype=np.uint8).reshape(height, image.bytesPerLine())
    rgb = pixels[:, : width * 4].reshape(height, width, 4)[:, :, :3]
    colours = np.unique(rgb.reshape(-1, 3), axis=0)
    return width, height, float(rgb.std()), len(colours)


def test_screenshot_writes_a_large_picture_that_is_not_blank(tmp_path):
    result, out = run_screenshot(tmp_path)
    assert result.returncode == 0, result.stderr
    width, height, spread, colours = image_statistics(out)
    assert width >= 1100 and height >= 700
    assert spread > 20.0  # a blank or single-colour window has none
    assert colours > 200  # text, curves in several palette colours, antialiasing


def test_screenshot_of_a_file_opens_that_file(tmp_path):
    result, out = run_screenshot(tmp_path, demo_path("binary"))
    assert result.returncode == 0, result.stderr
    width, height, spread, _ = image_statistics(out)
    assert width >= 1100 and height >= 700 and spread > 20.0


# Reports the collector's state while the window is running (at the screenshot's grab, inside the event loop),
# and after the command returns.
COLLECTOR_PROBE = (
    "import gc, sys\n"
    "from lossexplorer.cli import main\n"
    "import lossexplorer.gui.mainwindow as mainwindow\n"
    "from lossexplorer.gui.collector import EventLoopCollector\n"
    "from PySide6.QtWidgets import QApplication\n"
    "original = mainwindow.MainWindow.grab\n"
    "def grab(self, *args):\n"
    "    collector = QApplication.instance().findChild(EventLoopCollector)\n"
    "    print('running', gc.isenabled(), collector.timer.isActive(), gc.get_freeze_count() > 1000)\n"
    "    return original(self, *args)\n"
    "mainwindow.MainWindow.grab = grab\n"
    "code = main(['--screenshot', sys.argv[1]])\n"
    "print('returned', code, gc.isenabled())\n"
)


def test_window_start_freezes_its_heap_and_collects_from_the_event_loop(tmp_path):
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    result = subprocess.run([sys.executable, "-c", COLLECTOR_PROBE, str(tmp_path / "shot.png")],
                            capture_output=True, text=True, env=env, timeout=120, check=False)
    # While the window runs, automatic collection is off and the event loop's timer collects instead.
    assert result.stdout.splitlines() == ["running False True True", "returned 0 True"], result.stderr


def owned_by_a_composite(widget):
    # Parts Qt builds inside another control (a spin box's line edit, a table's headers and scroll bars, a tab
    # widget's tab bar) take their names from it; the control itself is what is checked.
    if isinstance(widget, (QHeaderView, QScrollBar, QTabBar)):
        return True
    parent = widget.parentWidget()
    return isinstance(widget, QLineEdit) and isinstance(parent, (QAbstractSpinBox, QComboBox))


def test_every_interactive_widget_has_an_object_name_and_an_accessible_name(window):
    window.show_view("classification")
    for loss_id in losses.REGISTRY:
        window.loss_panel.page(loss_id)  # parameter pages are built on demand
    missing = []
    for widget in window.findChildren(QWidget):
        if not isinstance(widget, INTERACTIVE) or owned_by_a_composite(widget):
            continue
        if widget.objectName().startswith("qt_"):
            continue  # Qt's own parts (dock title buttons and the like) carry Qt's accessible names
        if not widget.objectName() or not widget.accessibleName():
            missing.append(f"{type(widget).__name__} {widget.objectName()!r} {widget.accessibleName()!r}")
    assert not missing, "unnamed controls:\n" + "\n".join(missing)


def test_the_window_follows_the_data_and_the_views_switch(window):
    assert window.current_view_name() == "regression"
    window.model.replace_dataset(demo_dataset("binary"))
    assert window.current_view_name() == "classification"
    window.view_actions["regression"].trigger()
    assert window.current_view_name() == "regression"
    assert window.regression_view.empty_label.isVisibleTo(window.regression_view)
    window.undo_action.trigger()
    assert window.current_view_name() == "regression"
    assert not window.regression_view.empty_label.isVisibleTo(window.regression_view)


def test_usual_actions_have_shortcuts(window):
    expected = {
        "undoAction": QKeySequence(QKeySequence.StandardKey.Undo),
        "regressionViewAction": QKeySequence("Ctrl+1"),
        "classificationViewAction": QKeySequence("Ctrl+2"),
        "logYAction": QKeySequence("Ctrl+L"),
        "resetZoomAction": QKeySequence("Ctrl+0"),
    }
    actions = {action.objectName(): action for action in window.actions()}
    actions["undoAction"] = window.undo_action
    for name, sequence in expected.items():
        assert actions[name].shortcut() == sequence, name


def test_every_regression_plot_has_a_legend_axis_labels_and_a_title(window):
    for title, plot in window.regression_view.plot_widgets():
        item = plot.getPlotItem()
        assert item.titleLabel.text, title
        assert item.getAxis("bottom").labelText
        assert plot.objectName() and plot.accessibleName()
    legend = window.regression_view.loss_plot.getPlotItem().legend
    assert [label.text for _sample, label in legend.items] == ["MSE", "MAE", "Huber (δ=1)"]


def test_curves_differ_by_more_than_colour(window):
    view = window.regression_view
    styles = {view.items_of(k).loss_curve.opts["pen"].style() for k in view.shown_losses()}
    colours = {view.items_of(k).loss_curve.opts["pen"].color().name() for k in view.shown_losses()}
    assert len(styles) == len(view.shown_losses()) and len(colours) == len(view.shown_losses())


def test_the_hidden_classification_view_builds_its_plots_when_first_shown(window, qtbot):
    view = window.classification_view
    assert not view.is_built()  # regression data: the window opened on the regression view only
    window.log_y_action.setChecked(True)
    window.show_view("classification")
    qtbot.waitUntil(lambda: view.probability_plot.widget.isVisible())
    assert view.is_built()
    # Set while the plots did not exist yet, the log axis reaches them when they are built.
    assert view.probability_plot.item.ctrl.logYCheck.isChecked()
    for _title, widget in view.plot_widgets():
        assert widget.scene().contextMenu[0].objectName() == "plotExportAction"


def test_a_plot_menu_is_built_when_first_asked_for(window):
    view_box = window.regression_view.loss_plot.getPlotItem().getViewBox()
    assert view_box.menuEnabled()
    menu = view_box.getMenu(None)
    assert menu is not None
    assert "View All" in [action.text() for action in menu.actions()]


def test_clipping_cached_axes_to_their_bounds_changes_no_pixel(window):
    from PySide6.QtWidgets import QGraphicsItem

    plot = window.regression_view.loss_plot
    axes = [plot.getPlotItem().getAxis(name) for name in ("left", "bottom")]
    assert all(axis.cacheMode() != QGraphicsItem.CacheMode.NoCache for axis in axes)
    clipped = plot.grab().toImage()
    for axis in axes:  # uncached, an axis paints unclipped
        axis.setCacheMode(QGraphicsItem.CacheMode.NoCache)
    unclipped = plot.grab().toImage()
    assert clipped == unclipped


def test_table_columns_never_clip_their_names(make_window, qtbot):
    window = make_window("multiclass", show=True)
    header = window.table_view.horizontalHeader()
    metrics = header.fontMetrics()
    for column, name in enumerate(["label", "prob_cat", "prob_dog", "prob_bird"]):
        assert window.model.headerData(column, Qt.Orientation.Horizontal) == name
        assert header.sectionSize(column) >= metrics.horizontalAdvance(name)
    # The dock opens wide enough for all four columns, so nothing needs sideways scrolling.
    qtbot.waitUntil(lambda: window.data_dock.width() >= window.table_view.fitting_width())
    assert not window.table_view.horizontalScrollBar().isVisible()


def test_table_columns_never_clip_the_values_of_the_first_rows(make_window, qtbot):
    # The binary demo's names ("label", "prob") are short; its probabilities ("0.0123457") are not.
    window = make_window("binary", show=True)
    view, model = window.table_view, window.model
    metrics = view.fontMetrics()
    texts = [model.data(model.index(row, 1)) for row in range(model.rowCount())]
    assert max(metrics.horizontalAdvance(text) for text in texts) > metrics.horizontalAdvance("prob")
    qtbot.waitUntil(lambda: window.data_dock.width() >= view.fitting_width())
    for column in range(model.columnCount()):
        widest = max(metrics.horizontalAdvance(model.data(model.index(row, column))) for row in range(40))
        assert view.horizontalHeader().sectionSize(column) >= widest + 4


def test_multiclass_heat_map_names_every_loss_row(make_window, qtbot):
    window = make_window("multiclass", show=True)
    window.show_view("classification")
    heat = window.findChild(pg.PlotWidget, "multiclassHeat")
    qtbot.waitUntil(lambda: heat is not None and heat.isVisible())
    axis = heat.getPlotItem().getAxis("left")
    names = [label for _value, label in axis._tickLevels[0]]
    assert "Sparse CCE" in names and len(names) >= 5
    font_width = QFontMetrics(axis.style["tickFont"] or axis.font()).horizontalAdvance("Sparse CCE")
    assert axis.width() >= font_width
