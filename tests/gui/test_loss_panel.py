"""The loss panel in the real window: the grouped list, check boxes, tooltips, parameter controls, reset, formula.

Binding goes both ways: the widgets drive LossState, and LossState drives the widgets without echoing back.
"""

import math

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QDoubleSpinBox, QPushButton, QSlider

from lossexplorer import losses
from lossexplorer.gui.loss_panel import LOSS_ID_ROLE


@pytest.fixture
def window(shown_window):
    return shown_window


def click_item(qtbot, tree, item):
    tree.scrollToItem(item)
    rect = tree.visualItemRect(item)
    qtbot.mouseClick(tree.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def spin(window, loss_id, name):
    return window.loss_panel.page(loss_id).findChild(QDoubleSpinBox, f"spin_{loss_id}_{name}")


def slider(window, loss_id, name):
    return window.loss_panel.page(loss_id).findChild(QSlider, f"slider_{loss_id}_{name}")


def test_every_registry_loss_is_listed_once_under_its_family(window):
    tree = window.loss_panel.tree
    assert tree.topLevelItemCount() == len(losses.FAMILIES)
    for index, family in enumerate(losses.FAMILIES):
        group = tree.topLevelItem(index)
        ids = [group.child(i).data(0, LOSS_ID_ROLE) for i in range(group.childCount())]
        assert ids == [k for k, spec in losses.REGISTRY.items() if spec.family == family]
        assert not group.flags() & Qt.ItemFlag.ItemIsUserCheckable
    listed = sum(tree.topLevelItem(i).childCount() for i in range(tree.topLevelItemCount()))
    assert listed == len(losses.REGISTRY)


def test_hovering_a_loss_shows_when_to_use_it(window):
    for loss_id, spec in losses.REGISTRY.items():
        tip = window.loss_panel.item(loss_id).toolTip(0)
        first_words = " ".join(spec.use_when.split()[:4])
        assert first_words.replace("&", "&amp;") in tip
        assert spec.display_name.split(" (")[0] in tip


def test_checks_start_from_the_state(window):
    for loss_id in losses.REGISTRY:
        item = window.loss_panel.item(loss_id)
        assert (item.checkState(0) == Qt.CheckState.Checked) == window.loss_state.is_checked(loss_id)


def test_space_on_a_selected_loss_checks_it_in_the_state(window, qtbot):
    tree = window.loss_panel.tree
    item = window.loss_panel.item("log_cosh")
    assert not window.loss_state.is_checked("log_cosh")
    click_item(qtbot, tree, item)
    with qtbot.waitSignal(window.loss_state.selection_changed):
        qtbot.keyClick(tree, Qt.Key.Key_Space)
    assert window.loss_state.is_checked("log_cosh")
    assert item.checkState(0) == Qt.CheckState.Checked


def test_state_changes_tick_the_items_without_echo(window, qtbot):
    emitted = []
    window.loss_state.selection_changed.connect(lambda: emitted.append(1))
    window.loss_state.set_checked("mean_squared_error", False)
    assert window.loss_panel.item("mean_squared_error").checkState(0) == Qt.CheckState.Unchecked
    window.loss_state.set_checked_ids(["quantile", "dice"])
    assert window.loss_panel.item("quantile").checkState(0) == Qt.CheckState.Checked
    assert window.loss_panel.item("huber").checkState(0) == Qt.CheckState.Unchecked
    # One signal per state change: pushing the new checks into the tree did not come back as user edits.
    assert len(emitted) == 2


def test_clicking_a_loss_makes_it_current_with_its_formula_and_controls(window, qtbot):
    panel = window.loss_panel
    with qtbot.waitSignal(window.loss_state.current_changed) as blocker:
        click_item(qtbot, panel.tree, panel.item("huber"))
    assert blocker.args == ["huber"]
    spec = losses.REGISTRY["huber"]
    assert spec.formula_html in panel.formula_label.text()
    assert "y_true" in panel.formula_label.text() and "y_pred" in panel.formula_label.text()
    assert panel.param_pages.currentWidget().objectName() == "paramPage_huber"
    assert spin(window, "huber", "delta").isVisible()
    assert "Huber" in panel.params_box.title()


def test_state_current_selects_the_item(window):
    window.loss_state.set_current("quantile")
    panel = window.loss_panel
    assert panel.tree.currentItem() is panel.item("quantile")
    assert panel.param_pages.currentWidget().objectName() == "paramPage_quantile"


def test_spin_box_sets_the_parameter_and_moves_the_slider(window, qtbot):
    window.loss_state.set_current("huber")
    box, bar = spin(window, "huber", "delta"), slider(window, "huber", "delta")
    with qtbot.waitSignal(window.loss_state.params_changed) as blocker:
        box.setValue(2.5)
    assert blocker.args == ["huber"]
    assert window.loss_state.params("huber")["delta"] == 2.5
    spec = losses.REGISTRY["huber"].params[0]
    # The slider spans ui_low..ui_high in 1000 steps: (2.5 - 0.05) / (5 - 0.05) of the way.
    assert bar.value() == round((2.5 - spec.ui_low) / (spec.ui_high - spec.ui_low) * 1000)


def test_slider_sets_the_parameter_and_the_spin_box(window):
    window.loss_state.set_current("quantile")
    bar = slider(window, "quantile", "tau")
    bar.setValue(bar.maximum())
    assert window.loss_state.params("quantile")["tau"] == pytest.approx(0.99)
    assert spin(window, "quantile", "tau").value() == pytest.approx(0.99)
    bar.setValue(bar.minimum())
    assert window.loss_state.params("quantile")["tau"] == pytest.approx(0.01)


def test_open_bounds_are_kept_out_of_reach(window):
    tau = spin(window, "quantile", "tau")
    assert tau.minimum() > 0.0 and tau.maximum() < 1.0
    delta = spin(window, "huber", "delta")
    assert delta.minimum() > 0.0
    delta.setValue(-3.0)  # clamped by the spin box, never an invalid delta
    assert window.loss_state.params("huber")["delta"] > 0.0


def test_state_pushes_values_into_the_controls_without_echo(window):
    emitted = []
    window.loss_state.params_changed.connect(emitted.append)
    window.loss_state.set_param("general_robust", "scale", 2.0)
    assert spin(window, "general_robust", "scale").value() == 2.0
    bar = slider(window, "general_robust", "scale")
    assert bar.value() == round((2.0 - 0.05) / (5.0 - 0.05) * 1000)
    assert emitted == ["general_robust"]


def test_barron_alpha_reaches_minus_infinity(window):
    box = spin(window, "general_robust", "alpha")
    box.setValue(box.minimum())
    assert window.loss_state.params("general_robust")["alpha"] == -math.inf
    assert box.text() == "−∞"
    window.loss_state.set_param("general_robust", "alpha", 0.0)
    assert box.value() == 0.0


def test_bool_parameters_are_check_boxes(window):
    page = window.loss_panel.page("binary_focal_crossentropy")
    box = page.findChild(QCheckBox, "check_binary_focal_crossentropy_apply_class_balancing")
    assert box is not None and not box.isChecked()
    box.setChecked(True)
    assert window.loss_state.params("binary_focal_crossentropy")["apply_class_balancing"] is True
    window.loss_state.reset_params("binary_focal_crossentropy")
    assert not box.isChecked()


def test_reset_button_restores_the_defaults(window, qtbot):
    window.loss_state.set_current("huber")
    button = window.loss_panel.findChild(QPushButton, "resetParamsButton")
    assert not button.isEnabled()
    spin(window, "huber", "delta").setValue(3.0)
    assert button.isEnabled()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert window.loss_state.params("huber")["delta"] == 1.0
    assert spin(window, "huber", "delta").value() == 1.0
    assert not button.isEnabled()


def test_every_float_parameter_has_a_slider_and_spin_box_with_registry_default(window):
    for loss_id, spec in losses.REGISTRY.items():
        for param in spec.params:
            if param.kind == "float":
                box = spin(window, loss_id, param.name)
                assert box is not None and slider(window, loss_id, param.name) is not None
                assert box.value() == pytest.approx(param.default)
                assert box.accessibleName()


def test_a_parameter_page_is_built_when_its_loss_first_becomes_current(window):
    panel = window.loss_panel
    built = {panel.param_pages.widget(i).objectName() for i in range(panel.param_pages.count())}
    assert built == {f"paramPage_{window.loss_state.current}"}
    # A value set before the page exists shows on it when it is built.
    window.loss_state.set_param("quantile", "tau", 0.8)
    window.loss_state.set_current("quantile")
    assert panel.param_pages.currentWidget().objectName() == "paramPage_quantile"
    assert spin(window, "quantile", "tau").value() == pytest.approx(0.8)
    assert panel.param_pages.count() == 2
    window.loss_state.set_current(next(iter(built)).removeprefix("paramPage_"))
    window.loss_state.set_current("quantile")
    assert panel.param_pages.count() == 2  # built once
