"""The classification view, driven through the real MainWindow on the demo data.

Expected numbers are worked by hand from the formulas (natural log), or are published values: the focal-loss
table of Lin et al. 2017, Fig. 1 (GUIDE section 4) and the textbook margin losses.
"""

import math

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QKeySequence

from lossexplorer import losses
from lossexplorer.dataset import Dataset
from lossexplorer.demo import demo_dataset
from lossexplorer.gui.classification_rows import MAX_DRAWN_ROWS
from lossexplorer.gui.mainwindow import MainWindow

CLIP = 1e-7
# The offscreen platform says this whenever a main window with docks is shown; it is not about the app.

def open_window(qtbot, data):
    window = MainWindow(data)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    window.show_view("classification")
    qtbot.waitUntil(lambda: window.classification_view.isVisible())
    return window


def press_shortcut(window, number):
    # The offscreen platform under pytest never makes the window active, so key presses do not reach the
    # shortcut map; fire the very action the shortcut is bound to, after checking the binding.
    action = window.view_actions[("regression", "classification")[number - 1]]
    assert action.shortcut() == QKeySequence(f"Ctrl+{number}")
    action.trigger()


@pytest.fixture
def binary_window(qtbot):
    return open_window(qtbot, demo_dataset("binary"))


@pytest.fixture
def multiclass_window(qtbot):
    return open_window(qtbot, demo_dataset("multiclass"))


def xy(item):
    """The data an item was given (not its log-transformed display copy)."""
    if hasattr(item, "x_values"):  # the rows' scatter
        return item.x_values, item.y_values
    return np.asarray(item.xData), np.asarray(item.yData)


def value_at(item, x):
    curve_x, curve_y = xy(item)
    order = np.argsort(curve_x)
    return float(np.interp(x, curve_x[order], curve_y[order]))


def hand_bce(p_true):
    return -np.log(np.clip(p_true, CLIP, 1 - CLIP))


def demo_p_true(data):
    return np.where(data.y_true == 1, data.y_pred, 1 - data.y_pred)


# ----- curves -------------------------------------------------------------------------------------------------
def test_checking_a_loss_draws_its_curve_with_the_librarys_values(binary_window):
    view = binary_window.classification_view
    plot = view.probability_plot
    assert not binary_window.loss_state.is_checked("squared_hinge")
    assert "squared_hinge" not in plot.curves or not plot.curves["squared_hinge"].isVisible()

    binary_window.loss_state.set_checked("squared_hinge", True)

    item = plot.curves["squared_hinge"]
    assert item.isVisible()
    x, y = xy(item)
    # Squared hinge acts on the score f = logit(p): max(0, 1 - f)^2, by hand ...
    logit = np.log(x) - np.log1p(-np.clip(x, None, 1 - CLIP))
    np.testing.assert_allclose(y, np.maximum(0.0, 1.0 - logit) ** 2, rtol=1e-9, atol=1e-12)
    # ... and exactly what the library gives for a label-1 row at that score.
    np.testing.assert_allclose(y, losses.squared_hinge(np.ones_like(x), logit, reduction="none"), rtol=1e-12)
    legend_names = [label.text for _, label in plot.legend.items]
    assert "Sq. hinge (on logit)" in legend_names

    binary_window.loss_state.set_checked("squared_hinge", False)
    assert not item.isVisible()
    assert "Sq. hinge (on logit)" not in [label.text for _, label in plot.legend.items]


def test_default_binary_curves_are_cross_entropy_and_brier_by_hand(binary_window):
    plot = binary_window.classification_view.probability_plot
    for p in (0.1, 0.5, 0.9):
        assert value_at(plot.curves["binary_crossentropy"], p) == pytest.approx(-math.log(p), abs=2e-4)
        assert value_at(plot.curves["mean_squared_error"], p) == pytest.approx((1 - p) ** 2, abs=1e-5)
        assert value_at(plot.curves["mean_absolute_error"], p) == pytest.approx(1 - p, abs=1e-9)


# Lin et al. 2017, Fig. 1 (GUIDE section 4): FL(p_t) = -(1 - p_t)^gamma * ln(p_t).
LIN_FIG1 = {
    0.0: (0.6931, 2.3026),
    0.5: (0.4901, 2.1844),
    1.0: (0.3466, 2.0723),
    2.0: (0.1733, 1.8651),
    5.0: (0.0217, 1.3597),
}


def test_focal_family_passes_through_lin_et_al_published_values(binary_window, qtbot):
    view = binary_window.classification_view
    family = view.probability_plot.family
    assert not any(item.isVisible() for item in family.values())

    qtbot.mouseClick(view.focal_family_check, Qt.MouseButton.LeftButton)

    assert view.focal_family_check.isChecked()
    for gamma, (at_half, at_tenth) in LIN_FIG1.items():
        item = family[gamma]
        assert item.isVisible()
        # Published to 4 decimals; linear interpolation between grid points adds < 4e-5.
        assert value_at(item, 0.5) == pytest.approx(at_half, abs=1.5e-4)
        assert value_at(item, 0.1) == pytest.approx(at_tenth, abs=1.5e-4)
    legend_names = [label.text for _, label in view.probability_plot.legend.items]
    assert {"FL γ=0", "FL γ=0.5", "FL γ=1", "FL γ=2", "FL γ=5"} <= set(legend_names)

    view.focal_family_check.setChecked(False)
    assert not any(item.isVisible() for item in family.values())


def test_changing_gamma_moves_the_focal_curve_to_lins_value(binary_window):
    plot = binary_window.classification_view.probability_plot
    focal = plot.curves["binary_focal_crossentropy"]
    assert value_at(focal, 0.5) == pytest.approx(0.1733, abs=1.5e-4)

    binary_window.loss_state.set_param("binary_focal_crossentropy", "gamma", 5.0)

    assert value_at(focal, 0.5) == pytest.approx(0.0217, abs=1.5e-4)
    assert value_at(focal, 0.1) == pytest.approx(1.3597, abs=1.5e-4)
    assert "Focal γ=5" in [label.text for _, label in plot.legend.items]


@pytest.mark.parametrize(("name", "z", "expected"), [
    ("logistic", 0.0, 1.0),          # log2(1 + e^0) = 1
    ("hinge", -1.0, 2.0),            # 1 - (-1)
    ("modified_huber", -2.0, 8.0),   # -4 * (-2)
    ("modified_huber", 0.0, 1.0),    # (1 - 0)^2
    ("exponential", 0.0, 1.0),       # e^0
    ("squared_hinge", -1.0, 4.0),    # (1 - (-1))^2
    ("perceptron", -3.0, 3.0),       # max(0, 3)
    ("zero_one", -0.5, 1.0),
    ("zero_one", 0.5, 0.0),
])
def test_margin_curves_pass_through_hand_worked_points(binary_window, name, z, expected):
    item = binary_window.classification_view.margin_plot.curves[name]
    assert item.isVisible()
    assert value_at(item, z) == pytest.approx(expected, abs=1e-9)


def test_margin_plot_has_a_legend_entry_per_textbook_loss(binary_window):
    legend = binary_window.classification_view.margin_plot.legend
    names = [label.text for _, label in legend.items]
    assert names == ["0-1", "Hinge", "Squared hinge", "Perceptron", "Logistic (log₂)", "Exponential",
                     "Modified Huber"]


def test_switching_the_true_label_mirrors_the_curves(binary_window, qtbot):
    view = binary_window.classification_view
    bce = view.probability_plot.curves["binary_crossentropy"]
    at_label_one = {p: value_at(bce, p) for p in (0.2, 0.5, 0.8)}

    qtbot.mouseClick(view.label_zero_button, Qt.MouseButton.LeftButton)

    assert view.true_label() == 0
    # x now reads p, the probability of class 1, of a row whose label is 0: the loss is -ln(1 - p).
    for p, before in at_label_one.items():
        assert value_at(bce, p) == pytest.approx(-math.log(1 - p), abs=2e-4)
        assert value_at(bce, 1 - p) == pytest.approx(before, abs=2e-4)
    axis_label = view.probability_plot.item.getAxis("bottom").labelText
    assert "class 1" in axis_label

    qtbot.mouseClick(view.label_one_button, Qt.MouseButton.LeftButton)
    assert value_at(bce, 0.2) == pytest.approx(-math.log(0.2), abs=2e-4)


def test_rows_mirror_with_the_label_switch(binary_window):
    view = binary_window.classification_view
    data = demo_dataset("binary")
    points = view.probability_plot.points["binary_crossentropy"]
    np.testing.assert_allclose(xy(points)[0], demo_p_true(data), rtol=1e-12)
    view.set_true_label(0)
    np.testing.assert_allclose(xy(points)[0], 1 - demo_p_true(data), rtol=1e-12)
    np.testing.assert_allclose(xy(points)[1], hand_bce(demo_p_true(data)), rtol=1e-9)


def test_the_loss_on_show_in_the_panel_is_drawn_bolder(binary_window):
    view = binary_window.classification_view
    state = binary_window.loss_state
    state.set_current("hinge")
    assert view.probability_plot.curves["hinge"].opts["pen"].widthF() > \
        view.probability_plot.curves["binary_crossentropy"].opts["pen"].widthF()
    assert view.margin_plot.curves["hinge"].opts["pen"].widthF() > \
        view.margin_plot.curves["logistic"].opts["pen"].widthF()
    state.set_current("binary_crossentropy")
    # Cross-entropy is the logistic loss of the margin plot.
    assert view.margin_plot.curves["logistic"].opts["pen"].widthF() > \
        view.margin_plot.curves["hinge"].opts["pen"].widthF()


def test_log_y_toggles_the_loss_axes(binary_window):
    view = binary_window.classification_view
    plots = (view.probability_plot, view.margin_plot)
    assert not any(plot.item.getAxis("left").logMode for plot in plots)

    binary_window.log_y_action.trigger()

    assert all(plot.item.getAxis("left").logMode for plot in plots)
    assert all(plot.log_y for plot in plots)
    low, high = view.margin_plot.item.vb.viewRange()[1]
    assert low == pytest.approx(-2.0, abs=0.2) and high == pytest.approx(math.log10(60), abs=0.2)

    binary_window.log_y_action.trigger()
    assert not any(plot.item.getAxis("left").logMode for plot in plots)


# ----- rows -----------------------------------------------------------------------------------------------
def test_rows_sit_on_the_curves_at_their_true_class_probability_and_margin(binary_window):
    view = binary_window.classification_view
    data = demo_dataset("binary")
    p_true = demo_p_true(data)
    x, y = xy(view.probability_plot.points["binary_crossentropy"])
    np.testing.assert_allclose(x, p_true, rtol=1e-12)
    np.testing.assert_allclose(y, hand_bce(p_true), rtol=1e-9)

    z, hinge = xy(view.margin_plot.points["hinge"])
    logit = np.log(data.y_pred) - np.log1p(-data.y_pred)
    expected_z = np.where(data.y_true == 1, 1.0, -1.0) * logit
    np.testing.assert_allclose(z, expected_z, rtol=1e-9)
    np.testing.assert_allclose(hinge, np.maximum(0.0, 1.0 - expected_z), rtol=1e-9, atol=1e-12)
    # Cross-entropy's rows sit on the logistic curve, which is the same loss in bits.
    _, bits = xy(view.margin_plot.points["logistic"])
    np.testing.assert_allclose(bits, hand_bce(p_true) / math.log(2), rtol=1e-6)


def test_editing_a_probability_moves_its_point_the_bars_and_the_mean(binary_window, qtbot):
    view = binary_window.classification_view
    model = binary_window.model
    data = demo_dataset("binary")
    assert data.y_true[0] == 1

    with qtbot.waitSignal(model.arrays_changed, timeout=2000):
        assert model.setData(model.index(0, 1), "0.001")

    x, y = xy(view.probability_plot.points["binary_crossentropy"])
    assert x[0] == pytest.approx(0.001)
    assert y[0] == pytest.approx(-math.log(0.001), rel=1e-9)
    z, _ = xy(view.margin_plot.points["hinge"])
    assert z[0] == pytest.approx(math.log(0.001 / 0.999), rel=1e-9)

    p_true = demo_p_true(data)
    p_true[0] = 0.001
    expected_mean = float(np.mean(hand_bce(p_true)))
    assert view.aggregates()["binary_crossentropy"] == pytest.approx(expected_mean, rel=1e-12)
    assert f"{expected_mean:.4g}" in view.aggregates_panel.label.text()

    # Row 1 (table numbering) is now the worst row: first among the bars, with its share of the BCE total.
    bars = view.share_bars
    assert bars.rows[0] == 0
    bce_bar = bars.bars["binary_crossentropy"]
    share = -math.log(0.001) / float(np.sum(hand_bce(p_true)))
    assert bce_bar.opts["height"][0] == pytest.approx(100 * share, rel=1e-9)
    ticks = bars.item.getAxis("bottom")._tickLevels[0]
    assert ticks[0][1] == "1"


def test_bars_read_out_the_row_under_the_mouse(binary_window):
    bars = binary_window.classification_view.share_bars
    data = demo_dataset("binary")
    bce = hand_bce(demo_p_true(data))
    first = int(bars.rows[0])
    text = bars._describe(QPointF(0.1, 1.0))
    assert text.startswith(f"row {first + 1}: ")
    assert f"BCE {100 * bce[first] / bce.sum():.1f} %" in text
    assert bars._describe(QPointF(0.5, 1.0)) == ""  # between two groups of bars


def test_incremental_updates_match_a_fresh_computation(binary_window, qtbot):
    view = binary_window.classification_view
    model = binary_window.model
    for row, value in [(3, "0.5"), (7, "0.999"), (3, "0.02"), (12, "0")]:
        with qtbot.waitSignal(model.arrays_changed, timeout=2000):
            model.setData(model.index(row, 1), value)
    with qtbot.waitSignal(model.arrays_changed, timeout=2000):
        model.setData(model.index(4, 0), "1")  # a label edit flips that row's p_t and margin
    current = model.dataset()
    p_true = np.where(current.y_true == 1, current.y_pred, 1 - current.y_pred)
    np.testing.assert_allclose(view.rows.p_true, p_true, rtol=1e-12)
    np.testing.assert_allclose(view.rows.per_row["binary_crossentropy"], hand_bce(p_true), rtol=1e-9)
    # Keras clips p inside the log only; the modulating factor (1 - p_t)^gamma sees the probability as given.
    focal = -(1 - p_true) ** 2 * np.log(np.clip(p_true, CLIP, 1 - CLIP))
    np.testing.assert_allclose(view.rows.per_row["binary_focal_crossentropy"], focal, rtol=1e-9, atol=1e-15)

    assert view.rows.p_true[4] == pytest.approx(current.y_pred[4])
    binary_window.undo_stack.undo()
    assert view.rows.p_true[4] == pytest.approx(1 - current.y_pred[4])


def test_edits_made_while_hidden_show_when_the_view_returns(binary_window, qtbot):
    view = binary_window.classification_view
    model = binary_window.model
    binary_window.show_view("regression")
    qtbot.waitUntil(lambda: not view.isVisible())
    model.setData(model.index(2, 1), "0.5")
    binary_window.show_view("classification")
    qtbot.waitUntil(view.isVisible)
    x, y = xy(view.probability_plot.points["binary_crossentropy"])
    assert x[2] == pytest.approx(0.5)
    assert y[2] == pytest.approx(math.log(2), rel=1e-9)


def test_many_rows_are_drawn_as_a_sample_but_averaged_in_full(qtbot):
    generator = np.random.default_rng(3)
    n = 3 * MAX_DRAWN_ROWS
    labels = generator.integers(0, 2, n).astype(float)
    probabilities = generator.uniform(0.01, 0.99, n)
    window = open_window(qtbot, Dataset("binary", labels, probabilities, "probability"))
    view = window.classification_view
    x, _ = xy(view.probability_plot.points["binary_crossentropy"])
    assert x.size == MAX_DRAWN_ROWS
    p_true = np.where(labels == 1, probabilities, 1 - probabilities)
    assert view.aggregates()["binary_crossentropy"] == pytest.approx(np.mean(-np.log(p_true)), rel=1e-12)
    assert view.share_bars.rows.size == 12  # five losses share the width: 60 // 5 rows
    assert "heaviest" in view.share_bars.item.titleLabel.text


def test_logits_are_drawn_at_their_sigmoid_and_their_own_margin(qtbot):
    labels = np.array([1.0, 0.0, 1.0, 0.0])
    logits = np.array([2.0, 2.0, -30.0, -0.5])
    window = open_window(qtbot, Dataset("binary", labels, logits, "logit"))
    view = window.classification_view
    z_expected = np.array([2.0, -2.0, -30.0, 0.5])
    z, hinge = xy(view.margin_plot.points["hinge"])
    np.testing.assert_allclose(z, z_expected, rtol=1e-12)
    np.testing.assert_allclose(hinge, np.maximum(0.0, 1.0 - z_expected), rtol=1e-12)
    x, bce = xy(view.probability_plot.points["binary_crossentropy"])
    np.testing.assert_allclose(x, 1.0 / (1.0 + np.exp(-z_expected)), rtol=1e-12)
    # From logits, cross-entropy is softplus(-z) with no clipping: 30.0 for the confidently wrong row.
    np.testing.assert_allclose(bce, np.logaddexp(0.0, -z_expected), rtol=1e-9)
    low, high = view.margin_plot.span
    assert low <= -17.0 + 1e-9 and high == 4.0  # widened to the far wrong row (capped), not past 4 on the right


# ----- multiclass ---------------------------------------------------------------------------------------------
def test_multiclass_rows_get_cross_entropy_kl_cosine_and_dice(multiclass_window):
    view = multiclass_window.classification_view
    data = demo_dataset("multiclass")
    heat = view.heat_table
    assert set(heat.loss_ids) >= {"categorical_crossentropy", "sparse_categorical_crossentropy", "kl_divergence",
                                  "cosine_similarity", "dice"}
    rows = np.arange(data.n_rows)
    p = data.y_pred
    p_label = p[rows, data.y_true]
    # CCE renormalises the probabilities (Keras); the demo's rows sum to 1 up to rounding.
    expected_cce = -np.log(p_label / p.sum(axis=1))
    cce = heat.values[heat.loss_ids.index("categorical_crossentropy")]
    np.testing.assert_allclose(cce, expected_cce, rtol=1e-9)
    np.testing.assert_allclose(cce, -np.log(p_label), atol=5e-4)
    sparse = heat.values[heat.loss_ids.index("sparse_categorical_crossentropy")]
    np.testing.assert_allclose(sparse, expected_cce, rtol=1e-9)
    # Negative cosine between one-hot and p: -p[label] / |p|.
    cosine = heat.values[heat.loss_ids.index("cosine_similarity")]
    np.testing.assert_allclose(cosine, -p_label / np.linalg.norm(p, axis=1), rtol=1e-6)
    means = view.aggregates()
    assert means["categorical_crossentropy"] == pytest.approx(float(np.mean(expected_cce)), rel=1e-9)
    assert view.bottom_stack.currentWidget() is heat.widget

    x, y = xy(view.probability_plot.points["categorical_crossentropy"])
    np.testing.assert_allclose(x, p_label, rtol=1e-12)
    np.testing.assert_allclose(y, expected_cce, rtol=1e-9)
    assert value_at(view.probability_plot.curves["categorical_crossentropy"], 0.5) == pytest.approx(
        math.log(2), abs=2e-4)
    assert not view.label_zero_button.isEnabled()
    assert not any(item.isVisible() for item in view.margin_plot.points.values())
    assert "no single margin" in view.note_label.text()


def test_heat_table_reads_out_the_cell_under_the_mouse(multiclass_window):
    heat = multiclass_window.classification_view.heat_table
    data = demo_dataset("multiclass")
    p = data.y_pred[3]
    text = heat._describe(QPointF(3.0, 0.0))
    assert text.startswith("row 4: CCE ")
    assert f"CCE {-math.log(p[data.y_true[3]] / p.sum()):.4g}" in text
    assert heat._describe(QPointF(-3.0, 0.0)) == ""


def test_multiclass_edit_updates_the_heat_table(multiclass_window, qtbot):
    view = multiclass_window.classification_view
    model = multiclass_window.model
    data = demo_dataset("multiclass")
    label = int(data.y_true[4])
    with qtbot.waitSignal(model.arrays_changed, timeout=2000):
        model.set_cells(np.array([4, 4, 4]), np.array([1, 2, 3]),
                        np.where(np.arange(3) == label, 0.25, 0.375))
    heat = view.heat_table
    cce = heat.values[heat.loss_ids.index("categorical_crossentropy")]
    assert cce[4] == pytest.approx(-math.log(0.25), rel=1e-9)


# ----- views and tasks ----------------------------------------------------------------------------------------
def test_views_switch_with_the_shortcuts_and_follow_the_data(qtbot):
    window = open_window(qtbot, demo_dataset("regression"))
    window.show_view("regression")
    assert window.current_view_name() == "regression"
    press_shortcut(window, 2)
    assert window.current_view_name() == "classification"
    view = window.classification_view
    qtbot.waitUntil(view.isVisible)
    # Regression data: the curves, no rows, and a note saying why.
    assert view.probability_plot.curves["binary_crossentropy"].isVisible()
    assert not any(item.isVisible() for item in view.probability_plot.points.values())
    assert "regression data" in view.aggregates_panel.label.text()
    assert not view.bottom_stack.isVisible()
    titles = [title for title, _ in view.plot_widgets()]
    assert titles == ["Loss vs probability of the true class", "Loss vs margin"]

    press_shortcut(window, 1)
    assert window.current_view_name() == "regression"

    window.model.replace_dataset(demo_dataset("binary"))
    assert window.current_view_name() == "classification"
    qtbot.waitUntil(view.isVisible)
    assert view.probability_plot.points["binary_crossentropy"].isVisible()
    assert view.bottom_stack.isVisible() and view.bottom_stack.currentWidget() is view.share_bars.widget
    assert [title for title, _ in view.plot_widgets()][-1] == "Row shares of each loss"


def test_reset_zoom_returns_to_the_home_ranges(binary_window):
    view = binary_window.classification_view
    view.probability_plot.item.vb.setRange(xRange=(0.4, 0.6), yRange=(0, 0.1))
    view.margin_plot.item.vb.setRange(xRange=(1, 2), yRange=(0, 0.1))
    binary_window.reset_zoom()
    (x_low, x_high), (y_low, y_high) = view.probability_plot.item.vb.viewRange()
    assert x_low <= 0.0 and x_high >= 1.0
    assert y_low <= 0.0 and y_high >= 5.0  # Lin et al.'s range, at least
    (z_low, z_high), _ = view.margin_plot.item.vb.viewRange()
    data = demo_dataset("binary")
    z = np.where(data.y_true == 1, 1.0, -1.0) * np.log(data.y_pred / (1 - data.y_pred))
    # The textbook window [-4, 4], widened on each side as far as the rows reach.
    assert z_low <= min(-4.0, z.min()) and z_high >= max(4.0, z.max())
    assert z_low > z.min() - 1.0 and z_high < z.max() + 1.0


def test_hovering_a_row_point_names_the_row_and_its_loss(binary_window):
    plot = binary_window.classification_view.probability_plot
    x, y = xy(plot.points["binary_crossentropy"])
    row = 5  # table row 6: label 1, p = 0.011, the worst row of the demo
    scene_position = plot.item.vb.mapViewToScene(QPointF(x[row], y[row]))
    plot._hovered((scene_position,))
    assert plot.row_label.isVisible()
    text = plot.row_label.textItem.toPlainText()
    assert text.startswith("row 6 · Cross-entropy")
    assert f"loss {-math.log(0.011):.4g} at p_t = 0.011" in text
    far_away = plot.item.vb.mapViewToScene(QPointF(0.5, 5.0))
    plot._hovered((far_away,))
    assert not plot.row_label.isVisible()


def test_crosshair_reads_out_the_point_under_the_cursor(binary_window):
    crosshair = binary_window.classification_view.probability_plot.crosshair
    crosshair.show_at(QPointF(0.25, 1.5))
    assert crosshair.readout.textItem.toPlainText() == "p = 0.25   loss = 1.5"
