"""The regression view in the real window: curves, rows on them, shares, aggregates and the outlier lab.

Expected numbers are worked by hand (MSE at e = 3 is 9, Huber with delta = 1 at e = 3 is 1*(3 - 1/2) = 2.5,
the MSE gradient is 2e, ...) or come from numpy on the raw arrays (mean, median), never from the view itself.
"""

import numpy as np
import pytest
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication, QDoubleSpinBox, QPushButton, QSlider, QSpinBox

from lossexplorer import losses
from lossexplorer.dataset import Dataset
from lossexplorer.demo import demo_dataset
from lossexplorer.gui import regression_view
from lossexplorer.gui.mainwindow import MainWindow
from lossexplorer.gui.row_cache import HeavyRows, RowLossCache, display_rows


def open_window(qtbot, dataset):
    win = MainWindow(dataset)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    return win


@pytest.fixture
def window(qtbot):
    return open_window(qtbot, demo_dataset("regression"))


def errors_of(window):
    data = window.model.dataset()
    return data.y_pred - data.y_true


def curve(window, loss_id, which="loss_curve"):
    x, y = getattr(window.regression_view.items_of(loss_id), which).getData()
    return np.asarray(x), np.asarray(y)


def points(window, loss_id, which="loss_points"):
    item = getattr(window.regression_view.items_of(loss_id), which)
    return item.data["x"].copy(), item.data["y"].copy()


def shown_rows(window):
    return window.regression_view._shown_rows


def bar_heights(window, loss_id):
    opts = window.regression_view.items_of(loss_id).bars.opts
    return np.asarray(opts["x"]), np.asarray(opts["height"])


def check_in_panel(window, qtbot, loss_id):
    tree = window.loss_panel.tree
    item = window.loss_panel.item(loss_id)
    tree.scrollToItem(item)
    qtbot.mouseClick(tree.viewport(), Qt.MouseButton.LeftButton, pos=tree.visualItemRect(item).center())
    with qtbot.waitSignal(window.loss_state.selection_changed):
        qtbot.keyClick(tree, Qt.Key.Key_Space)


# ----- (a) loss against error ----------------------------------------------------------------------------
def test_default_regression_losses_are_drawn(window):
    assert window.regression_view.shown_losses() == ("mean_squared_error", "mean_absolute_error", "huber")
    assert window.current_view_name() == "regression"


def test_checking_a_loss_in_the_panel_draws_its_curve_with_the_librarys_values(window, qtbot):
    check_in_panel(window, qtbot, "log_cosh")
    assert "log_cosh" in window.regression_view.shown_losses()
    x, y = curve(window, "log_cosh")
    np.testing.assert_allclose(y, losses.log_cosh(np.zeros_like(x), x, reduction="none"), rtol=1e-12)
    np.testing.assert_allclose(y, np.log(np.cosh(x)), rtol=1e-9, atol=1e-12)  # the textbook formula


def test_curves_cover_the_data_and_pass_through_hand_worked_points(window):
    e = errors_of(window)
    x, mse = curve(window, "mean_squared_error")
    assert x.min() <= e.min() and x.max() >= e.max()
    assert np.all(np.diff(x) > 0)
    np.testing.assert_allclose(mse, x * x, rtol=1e-12)
    assert np.interp(3.0, x, mse) == pytest.approx(9.0, abs=1e-3)
    _, mae = curve(window, "mean_absolute_error")
    assert np.interp(-3.0, x, mae) == pytest.approx(3.0, abs=1e-9)
    hx, huber = curve(window, "huber")
    assert np.interp(3.0, hx, huber) == pytest.approx(2.5, abs=1e-9)  # delta (|e| - delta / 2)
    assert np.interp(0.5, hx, huber) == pytest.approx(0.125, abs=1e-4)  # e^2 / 2 inside delta
    assert {1.0, -1.0} <= set(hx.tolist())  # the kinks are grid points, so the corners are sharp


def test_rows_sit_on_the_curves(window):
    e = errors_of(window)
    x, y = points(window, "mean_squared_error")
    rows = shown_rows(window)
    np.testing.assert_allclose(x, e[rows])
    np.testing.assert_allclose(y, e[rows] ** 2, rtol=1e-12)
    assert set(rows) == set(range(window.model.rowCount()))
    _, huber = points(window, "huber")
    a = np.abs(e[rows])
    np.testing.assert_allclose(huber, np.where(a <= 1.0, 0.5 * a * a, a - 0.5), rtol=1e-12)


# ----- (b) gradient against error --------------------------------------------------------------------------
def test_influence_curves_grow_stay_flat_and_clip(window):
    x, g_mse = curve(window, "mean_squared_error", "grad_curve")
    np.testing.assert_allclose(g_mse, 2.0 * x, rtol=1e-12)  # grows without bound
    _, g_mae = curve(window, "mean_absolute_error", "grad_curve")
    np.testing.assert_array_equal(g_mae[x > 0], 1.0)  # flat
    np.testing.assert_array_equal(g_mae[x < 0], -1.0)
    hx, g_huber = curve(window, "huber", "grad_curve")
    assert np.abs(g_huber).max() == pytest.approx(1.0)  # clipped at delta
    inside = np.abs(hx) < 1.0
    np.testing.assert_allclose(g_huber[inside], hx[inside], rtol=1e-12)
    e = errors_of(window)
    _px, py = points(window, "mean_squared_error", "grad_points")
    np.testing.assert_allclose(py, 2.0 * e[shown_rows(window)], rtol=1e-12)


def test_changing_delta_in_the_spin_box_changes_the_curves(window):
    window.loss_state.set_current("huber")  # as a click on Huber in the list does
    box = window.loss_panel.findChild(QDoubleSpinBox, "spin_huber_delta")
    x, before = curve(window, "huber")
    box.setValue(2.0)
    x, after = curve(window, "huber")
    assert not np.allclose(before, after)
    assert np.interp(3.0, x, after) == pytest.approx(2.0 * (3.0 - 1.0), abs=1e-9)
    _, gradient = curve(window, "huber", "grad_curve")
    assert np.abs(gradient).max() == pytest.approx(2.0)
    legend = window.regression_view.loss_plot.getPlotItem().legend
    assert "Huber (δ=2)" in [label.text for _sample, label in legend.items]


def test_changing_delta_by_the_slider_changes_the_curve(window):
    window.loss_state.set_current("huber")
    bar = window.loss_panel.findChild(QSlider, "slider_huber_delta")
    bar.setValue(bar.maximum())  # delta = 5, so every demo error is inside the quadratic part
    x, huber = curve(window, "huber")
    inside = np.abs(x) <= 5.0
    np.testing.assert_allclose(huber[inside], 0.5 * x[inside] ** 2, rtol=1e-12)


def test_unchecking_removes_the_curve(window):
    window.loss_state.set_checked("mean_absolute_error", False)
    assert window.regression_view.shown_losses() == ("mean_squared_error", "huber")
    assert window.regression_view.aggregates.rowCount() == 2


# ----- (c) shares and aggregates, and edits ------------------------------------------------------------------
def test_shares_and_aggregates_match_hand_computation(window):
    e = errors_of(window)
    _, mse_bars = bar_heights(window, "mean_squared_error")
    np.testing.assert_allclose(mse_bars, e**2 / np.sum(e**2) * 100.0, rtol=1e-12)
    _, mae_bars = bar_heights(window, "mean_absolute_error")
    np.testing.assert_allclose(mae_bars, np.abs(e) / np.sum(np.abs(e)) * 100.0, rtol=1e-12)
    view = window.regression_view
    assert view.mean_loss("mean_squared_error") == pytest.approx(np.mean(e**2), rel=1e-12)
    table = view.aggregates
    assert table.item(0, 1).text() == f"{np.mean(e**2):.5g}"
    heaviest = int(np.argmax(e**2))
    assert table.item(0, 3).text().startswith(f"{heaviest + 1} ")


def test_editing_a_cell_updates_point_bars_and_aggregate(window, qtbot):
    data = window.model.dataset()
    y_true, y_pred = data.y_true.copy(), data.y_pred.copy()
    with qtbot.waitSignal(window.model.arrays_changed):
        assert window.model.setData(window.model.index(0, 1), repr(float(y_true[0] + 3.0)))
    y_pred[0] = y_true[0] + 3.0
    e = y_pred - y_true
    x, y = points(window, "mean_squared_error")
    row_zero = int(np.flatnonzero(shown_rows(window) == 0)[0])
    assert x[row_zero] == pytest.approx(3.0) and y[row_zero] == pytest.approx(9.0)
    _, huber = points(window, "huber")
    assert huber[row_zero] == pytest.approx(2.5)
    _positions, heights = bar_heights(window, "mean_squared_error")
    assert heights[0] == pytest.approx(9.0 / np.sum(e**2) * 100.0)
    assert window.regression_view.mean_loss("mean_squared_error") == pytest.approx(np.mean(e**2), rel=1e-12)
    assert window.regression_view.aggregates.item(0, 1).text() == f"{np.mean(e**2):.5g}"
    assert window.regression_view.mean_loss("mean_absolute_error") == pytest.approx(np.mean(np.abs(e)))


def test_many_edits_keep_the_running_sums_exact(qtbot):
    rng = np.random.default_rng(7)
    n = 3000
    y_true = rng.normal(size=n)
    data = Dataset("regression", y_true, y_true + rng.normal(size=n), "value")
    win = open_window(qtbot, data)
    rows = rng.integers(0, n, 40)
    for row, value in zip(rows, rng.normal(scale=5.0, size=rows.size), strict=True):
        win.model.setData(win.model.index(int(row), 1), float(value))
    win.model.paste_text(10, 0, "1\t2\n3\t-4\n5\t60")
    final = win.model.dataset()
    e = final.y_pred - final.y_true
    view = win.regression_view
    assert view.mean_loss("mean_squared_error") == pytest.approx(np.mean(e**2), rel=1e-10)
    assert view.mean_loss("huber") == pytest.approx(
        np.mean(np.where(np.abs(e) <= 1, 0.5 * e**2, np.abs(e) - 0.5)), rel=1e-10)
    x, _ = curve(win, "mean_squared_error")
    assert x.max() >= np.abs(e).max()


def test_large_data_is_decimated_but_keeps_outliers_and_edits(qtbot):
    rng = np.random.default_rng(3)
    n = 50_000
    y_true = rng.normal(size=n)
    y_pred = y_true + rng.normal(size=n)
    y_pred[12_345] += 80.0
    win = open_window(qtbot, Dataset("regression", y_true, y_pred, "value"))
    view = win.regression_view
    rows = shown_rows(win)
    assert rows.size <= regression_view.POINT_LIMIT + regression_view.RECENT_SLOTS + 1
    assert 12_345 in rows
    assert view.selected_row() == 12_345
    title = view.share_plot.getPlotItem().titleLabel.text
    assert "top" in title and "50,000" in title
    e = y_pred - y_true
    _positions, heights = bar_heights(win, "mean_squared_error")
    assert heights.max() == pytest.approx(e[12_345] ** 2 / np.sum(e**2) * 100.0)
    win.model.setData(win.model.index(777, 1), float(y_true[777] + 0.5))
    assert 777 in shown_rows(win)
    assert shown_rows(win).size == rows.size  # the point count, and so the in-place update, stays


# ----- (d) the outlier lab -----------------------------------------------------------------------------------
def test_best_constants_are_the_mean_and_the_median_of_the_errors(window):
    e = errors_of(window)
    centres = window.regression_view.centres()
    assert centres["mean_squared_error"] == pytest.approx(np.mean(e), abs=1e-12)
    assert centres["mean_absolute_error"] == pytest.approx(np.median(e), abs=1e-12)
    # Huber's M-estimate solves sum(clip(e - c, -delta, delta)) = 0.
    c = centres["huber"]
    assert np.sum(np.clip(e - c, -1.0, 1.0)) == pytest.approx(0.0, abs=1e-7)


def test_the_mean_follows_the_outlier_and_the_median_stays(window, qtbot):
    view = window.regression_view
    view.pick_largest_error()
    row = view.selected_row()
    e = errors_of(window)
    assert row == int(np.argmax(np.abs(e)))
    median_before = view.centres()["mean_absolute_error"]
    spin = view.findChild(QDoubleSpinBox, "labPredictionSpin")
    y_true = float(window.model.dataset().y_true[row])
    for offset in (10.0, 25.0, 60.0):
        spin.setValue(y_true + offset)
        moved = errors_of(window)
        assert moved[row] == pytest.approx(offset)
        centres = view.centres()
        assert centres["mean_squared_error"] == pytest.approx(np.mean(moved), abs=1e-12)
        assert centres["mean_absolute_error"] == median_before
    line = view.items_of("mean_squared_error").centre_line
    assert line.value() == pytest.approx(np.mean(errors_of(window)))


def test_large_data_centres_arrive_from_the_background_thread(window, qtbot, monkeypatch):
    monkeypatch.setattr(regression_view, "DEFERRED_CENTRES_ABOVE", 10)  # the demo's 40 rows count as large
    view = window.regression_view
    row = view.selected_row()
    y_true = float(window.model.dataset().y_true[row])
    for offset in (20.0, 40.0, 80.0):  # quick moves: requests queue up behind a running one
        window.model.move_prediction(row, y_true + offset, dragging=True)
    qtbot.waitUntil(lambda: not view.centres_pending(), timeout=5000)
    e = errors_of(window)
    line = view.items_of("mean_squared_error").centre_line
    assert line.value() == pytest.approx(np.mean(e), abs=1e-12)  # the newest request won
    assert view.items_of("mean_absolute_error").centre_line.value() == pytest.approx(np.median(e), abs=1e-12)


def test_quantile_centre_is_the_pinball_minimiser(window):
    window.loss_state.set_checked("quantile", True)
    window.loss_state.set_param("quantile", "tau", 0.9)
    e = errors_of(window)
    c = window.regression_view.centres()["quantile"]
    # Adding -c to every prediction should minimise the pinball loss; compare with a fine scan by hand.
    shifts = np.linspace(e.min(), e.max(), 20001)
    residual = -(e[None, :] - shifts[:, None])
    pinball = np.maximum(0.9 * residual, -0.1 * residual).sum(axis=1)
    assert np.sum(np.maximum(0.9 * -(e - c), -0.1 * -(e - c))) <= pinball.min() + 1e-9


def test_dragging_the_lab_handle_moves_the_prediction_in_one_undo_step(window, qtbot):
    view = window.regression_view
    row = view.selected_row()
    old = window.model.dataset().y_pred.copy()
    steps_before = window.undo_stack.count()
    drag_handle(qtbot, view.lab_plot, view.lab_handle, dx_pixels=(40, 80, 120))
    moved = window.model.dataset().y_pred
    assert moved[row] != old[row]
    np.testing.assert_array_equal(np.delete(moved, row), np.delete(old, row))
    assert window.undo_stack.count() == steps_before + 1
    window.undo_stack.undo()
    np.testing.assert_array_equal(window.model.dataset().y_pred, old)


def test_the_loss_plot_handle_drags_along_the_curve(window, qtbot):
    view = window.regression_view
    row = view.selected_row()
    drag_handle(qtbot, view.loss_plot, view.loss_handle, dx_pixels=(-30, -60))
    e = errors_of(window)[row]
    handle = view.loss_handle.pos()
    assert handle.x() == pytest.approx(e)
    assert handle.y() == pytest.approx(e * e)  # snapped onto the first curve, MSE


def test_two_drags_are_two_undo_steps(window, qtbot):
    view = window.regression_view
    steps_before = window.undo_stack.count()
    drag_handle(qtbot, view.lab_plot, view.lab_handle, dx_pixels=(30, 60))
    drag_handle(qtbot, view.lab_plot, view.lab_handle, dx_pixels=(30, 60))
    assert window.undo_stack.count() == steps_before + 2


def test_slider_drag_is_one_undo_step(window):
    view = window.regression_view
    bar = view.findChild(QSlider, "labPredictionSlider")
    row = view.selected_row()
    old = float(window.model.dataset().y_pred[row])
    steps_before = window.undo_stack.count()
    bar.setSliderDown(True)
    for position in (bar.value() + 50, bar.value() + 150, bar.value() + 300):
        bar.setValue(position)
    bar.setSliderDown(False)
    assert window.undo_stack.count() == steps_before + 1
    assert float(window.model.dataset().y_pred[row]) > old
    window.undo_stack.undo()
    assert float(window.model.dataset().y_pred[row]) == old


def test_add_outlier_row_appends_and_picks_it(window, qtbot):
    view = window.regression_view
    n = window.model.rowCount()
    qtbot.mouseClick(view.findChild(QPushButton, "labAddOutlierButton"), Qt.MouseButton.LeftButton)
    assert window.model.rowCount() == n + 1
    assert view.selected_row() == n
    e = errors_of(window)
    assert abs(e[n]) == np.abs(e).max()
    assert view.centres()["mean_squared_error"] == pytest.approx(np.mean(e))
    window.undo_stack.undo()
    assert window.model.rowCount() == n
    assert view.selected_row() < n


def test_clicking_a_point_picks_its_row(window, qtbot):
    view = window.regression_view
    e = errors_of(window)
    target = int(np.argmin(e))  # an isolated point: the most negative error
    assert target != view.selected_row()
    x, y = points(window, "mean_squared_error")
    index = int(np.flatnonzero(shown_rows(window) == target)[0])
    plot = view.loss_plot
    scene_point = plot.getPlotItem().vb.mapViewToScene(QPointF(x[index], y[index]))
    qtbot.mouseClick(plot.viewport(), Qt.MouseButton.LeftButton, pos=plot.mapFromScene(scene_point))
    assert view.selected_row() == target
    assert view.findChild(QDoubleSpinBox, "labPredictionSpin").value() == pytest.approx(
        window.model.dataset().y_pred[target], abs=1e-3)


def test_the_lab_and_the_table_follow_each_other(window, qtbot):
    view, table = window.regression_view, window.table_view
    rect = table.visualRect(window.model.index(3, 1))
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert view.selected_row() == 3
    assert view.findChild(QDoubleSpinBox, "labPredictionSpin").value() == pytest.approx(
        window.model.dataset().y_pred[3], abs=1e-3)
    view.findChild(QSpinBox, "labRowSpin").setValue(11)  # 1-based, as in the table
    assert view.selected_row() == 10
    assert table.currentIndex().row() == 10
    assert table.currentIndex().column() == 1  # the column the user was in stays


# ----- plots behave -------------------------------------------------------------------------------------------
def test_log_axis_from_the_view_menu(window):
    view = window.regression_view
    window.log_y_action.trigger()
    assert view.loss_plot.getPlotItem().ctrl.logYCheck.isChecked()
    e = errors_of(window)
    _, y = points(window, "mean_squared_error")
    expected = np.log10(e[shown_rows(window)] ** 2)
    np.testing.assert_allclose(y, expected, rtol=1e-9)
    window.log_y_action.trigger()
    _, y = points(window, "mean_squared_error")
    np.testing.assert_allclose(y, e[shown_rows(window)] ** 2, rtol=1e-12)


def test_reset_zoom_brings_autorange_back(window):
    plot = window.regression_view.loss_plot.getPlotItem()
    plot.setXRange(100, 200)
    assert not plot.vb.autoRangeEnabled()[0]
    window.reset_zoom()
    assert plot.vb.autoRangeEnabled()[0]


def test_crosshair_reads_out_values(window):
    crosshair = window.regression_view.crosshairs[0]
    crosshair.show_at(QPointF(3.0, 9.0))
    assert "e = 3" in crosshair.readout.textItem.toPlainText()
    assert "loss = 9" in crosshair.readout.textItem.toPlainText()


def test_classification_data_shows_a_note_instead(window):
    window.model.replace_dataset(demo_dataset("binary"))
    view = window.regression_view
    assert view.empty_label.isVisibleTo(view)
    assert "classification" in view.empty_label.text()
    window.model.replace_dataset(demo_dataset("regression"))
    window.show_view("regression")
    assert not view.empty_label.isVisibleTo(view)
    assert view.mean_loss("mean_squared_error") == pytest.approx(np.mean(errors_of(window) ** 2))


# ----- the Qt-free helpers -----------------------------------------------------------------------------------
def test_heavy_rows_stay_exact_under_edits():
    rng = np.random.default_rng(11)
    values = rng.exponential(size=5000)
    heavy = HeavyRows(values, capacity=16)
    for _ in range(300):
        rows = np.unique(rng.integers(0, values.size, 3))
        values[rows] = rng.exponential(scale=rng.choice([0.5, 5.0]), size=rows.size)
        heavy.update(values, rows)
        expected = np.argsort(-values, kind="stable")[:10]
        np.testing.assert_array_equal(np.sort(values[heavy.top(values, 10)]), np.sort(values[expected]))


@pytest.mark.parametrize(("value", "expected"), [(57.3, 60.0), (60.2, 80.0), (0.83, 1.0), (0.0101, 0.012),
                                                  (100.0, 100.0), (3.2, 4.0)])
def test_share_axis_tops_are_round_numbers(value, expected):
    assert regression_view._nice_ceiling(value) == pytest.approx(expected)


def test_display_rows_keep_the_largest_errors():
    errors = np.zeros(100_000)
    errors[[5, 50_000, 99_999]] = [7.0, -9.0, 8.0]
    rows = display_rows(errors, 1000, np.array([42]))
    assert rows.size <= 1000 + 1
    assert {5, 50_000, 99_999, 42} <= set(rows.tolist())


def test_row_cache_matches_the_library_after_row_updates():
    rng = np.random.default_rng(5)
    y_true = rng.normal(size=200)
    y_pred = y_true + rng.normal(size=200)
    data = Dataset("regression", y_true, y_pred, "value")
    cache = RowLossCache()
    cache.sync(data, {"huber": {"delta": 0.7}, "quantile": {"tau": 0.2}})
    rows = np.array([3, 17, 150])
    y_pred[rows] += [4.0, -2.0, 9.0]
    cache.update_rows(data, rows)
    assert cache.mean("huber") == pytest.approx(losses.huber(y_true, y_pred, delta=0.7), rel=1e-12)
    assert cache.mean("quantile") == pytest.approx(losses.quantile(y_true, y_pred, tau=0.2), rel=1e-12)


# ----- helpers ------------------------------------------------------------------------------------------------
def send_mouse(widget, kind, pos, button, buttons):
    local = QPointF(pos)
    event = QMouseEvent(kind, local, QPointF(widget.mapToGlobal(pos)), button, buttons,
                        Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(widget, event)


def drag_handle(qtbot, plot, handle, dx_pixels):
    """Press on the handle, move right or left by each offset in turn, release."""
    viewport = plot.viewport()
    start = plot.mapFromScene(handle.mapToScene(QPointF(0.0, 0.0)))
    left = Qt.MouseButton.LeftButton
    send_mouse(viewport, QEvent.Type.MouseButtonPress, start, left, left)
    for dx in dx_pixels:
        send_mouse(viewport, QEvent.Type.MouseMove, start + QPoint(dx, 0), Qt.MouseButton.NoButton, left)
    send_mouse(viewport, QEvent.Type.MouseButtonRelease, start + QPoint(dx_pixels[-1], 0), left,
               Qt.MouseButton.NoButton)
    QApplication.processEvents()


def small_table():
    # Errors -0.75, +0.75, +0.5, -0.62: every one well inside the smallest lab range (half-width 1).
    return Dataset("regression", np.array([12.5, -3.25, 0.5, 1000.12]), np.array([11.75, -2.5, 1.0, 999.5]))


def test_outlier_lab_shows_every_error_of_a_small_table(qtbot):
    window = open_window(qtbot, small_table())
    view_box = window.regression_view.lab_plot.getPlotItem().getViewBox()
    qtbot.waitUntil(lambda: view_box.viewRange()[0][0] < -0.75 and view_box.viewRange()[0][1] > 0.75)


def test_share_bars_are_labelled_with_whole_row_numbers(qtbot):
    window = open_window(qtbot, small_table())
    axis = window.regression_view.share_plot.getPlotItem().getAxis("bottom")
    low, high = window.regression_view.share_plot.getPlotItem().getViewBox().viewRange()[0]
    values = [value for _spacing, level in axis.tickValues(low, high, 400) for value in level]
    assert values, "the row axis has ticks"
    assert all(float(value).is_integer() for value in values)
    assert {1.0, 2.0, 3.0, 4.0} <= set(values)
