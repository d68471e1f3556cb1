"""The prediction table model, alone and in the window: Qt's model checks, paste, copy, refusals, undo and redo."""

import numpy as np
import pytest
from PySide6.QtCore import QItemSelection, QItemSelectionModel, Qt
from PySide6.QtWidgets import QApplication

from lossexplorer.dataset import Dataset
from lossexplorer.demo import demo_dataset
from lossexplorer.gui.table_model import PredictionTableModel


def regression_model(y_true=(1.0, 2.0, 3.0, 4.0), y_pred=(1.5, 2.5, 2.0, 8.0)):
    return PredictionTableModel(Dataset("regression", np.array(y_true), np.array(y_pred), "value"))


def arrays(model):
    data = model.dataset()
    return data.y_true.copy(), data.y_pred.copy()


@pytest.fixture
def window(shown_window):
    return shown_window


@pytest.mark.parametrize("task", ["regression", "binary", "multiclass"])
def test_qt_model_tester_passes(qtmodeltester, task):
    model = PredictionTableModel(demo_dataset(task))
    qtmodeltester.check(model, force_py=True)
    model.insert_rows(1, 2)
    model.paste_text(0, 0, model.copy_text(np.array([3, 4]), np.arange(model.columnCount())))
    qtmodeltester.check(model, force_py=True)


def test_shape_headers_and_text():
    model = PredictionTableModel(demo_dataset("multiclass"))
    assert model.columnCount() == 4
    assert [model.headerData(c, Qt.Orientation.Horizontal) for c in range(4)] == [
        "label", "prob_cat", "prob_dog", "prob_bird"]
    assert model.headerData(0, Qt.Orientation.Vertical) == "1"
    label = int(model.dataset().y_true[0])
    assert model.data(model.index(0, 0)) == f"{label}  {('cat', 'dog', 'bird')[label]}"
    assert model.data(model.index(0, 1), Qt.ItemDataRole.EditRole) == model.dataset().y_pred[0, 0]


def test_pasting_a_block_inside_the_table():
    model = regression_model()
    assert model.paste_text(1, 0, "10\t20\n30\t40\n")
    y_true, y_pred = arrays(model)
    np.testing.assert_array_equal(y_true, [1.0, 10.0, 30.0, 4.0])
    np.testing.assert_array_equal(y_pred, [1.5, 20.0, 40.0, 8.0])


def test_pasting_a_block_grows_the_table():
    model = regression_model()
    assert model.paste_text(3, 0, "5\t6\r\n7\t8\r\n9\t-1")
    y_true, y_pred = arrays(model)
    np.testing.assert_array_equal(y_true, [1.0, 2.0, 3.0, 5.0, 7.0, 9.0])
    np.testing.assert_array_equal(y_pred, [1.5, 2.5, 2.0, 6.0, 8.0, -1.0])
    assert model.rowCount() == 6


def test_pasting_one_column_and_decimal_commas():
    model = regression_model()
    assert model.paste_text(0, 1, "0,25\n1e3")
    np.testing.assert_array_equal(arrays(model)[1], [0.25, 1000.0, 2.0, 8.0])


def test_a_bad_pasted_cell_changes_nothing_and_says_where():
    model = regression_model()
    before = arrays(model)
    messages = []
    model.edit_rejected.connect(messages.append)
    assert not model.paste_text(0, 0, "1\t2\n3\tabc")
    assert messages and "row 2" in messages[0] and "abc" in messages[0]
    np.testing.assert_array_equal(arrays(model)[0], before[0])
    np.testing.assert_array_equal(arrays(model)[1], before[1])
    assert model.undo_stack.count() == 0


def test_too_wide_a_block_is_refused():
    model = regression_model()
    messages = []
    model.edit_rejected.connect(messages.append)
    assert not model.paste_text(0, 1, "1\t2")
    assert "2 columns wide" in messages[0]


def test_binary_probabilities_outside_the_unit_interval_are_refused():
    model = PredictionTableModel(demo_dataset("binary"))
    old = model.dataset().y_pred[2]
    messages = []
    model.edit_rejected.connect(messages.append)
    assert not model.setData(model.index(2, 1), "1.5")
    assert "outside [0, 1]" in messages[0] and "row 3" in messages[0]
    assert model.dataset().y_pred[2] == old


def test_multiclass_labels_can_be_typed_as_class_names():
    model = PredictionTableModel(demo_dataset("multiclass"))
    assert model.setData(model.index(0, 0), "bird")
    assert model.dataset().y_true[0] == 2
    assert not model.setData(model.index(0, 0), "7")


def test_copy_text_round_trips_through_paste():
    rng = np.random.default_rng(0)
    values = rng.normal(size=(6, 2)) * 10.0 ** rng.integers(-8, 8, size=(6, 2))
    model = PredictionTableModel(Dataset("regression", values[:, 0].copy(), values[:, 1].copy(), "value"))
    text = model.copy_text(np.array([0, 1, 2]), np.array([0, 1]))
    assert text.count("\n") == 2 and text.count("\t") == 3
    model.paste_text(3, 0, text)
    y_true, y_pred = arrays(model)
    # Exact: 17 significant digits survive the trip through text.
    np.testing.assert_array_equal(y_true[3:], values[:3, 0])
    np.testing.assert_array_equal(y_pred[3:], values[:3, 1])


def check_undo_redo(model, change):
    before = arrays(model)
    change(model)
    after = arrays(model)
    assert not (np.array_equal(before[1], after[1]) and np.array_equal(before[0], after[0]))
    model.undo_stack.undo()
    np.testing.assert_array_equal(arrays(model)[0], before[0])
    np.testing.assert_array_equal(arrays(model)[1], before[1])
    model.undo_stack.redo()
    np.testing.assert_array_equal(arrays(model)[0], after[0])
    np.testing.assert_array_equal(arrays(model)[1], after[1])


@pytest.mark.parametrize("change", [
    lambda m: m.setData(m.index(2, 1), "-7.25"),
    lambda m: m.paste_text(1, 0, "9\t9\n8\t8"),
    lambda m: m.paste_text(3, 0, "9\t9\n8\t8"),
    lambda m: m.insert_rows(1, 2),
    lambda m: m.remove_rows_at(np.array([0, 2])),
    lambda m: m.move_prediction(3, 100.0, dragging=True),
], ids=["edit", "paste", "paste-grow", "insert", "delete", "move"])
def test_undo_and_redo_restore_the_exact_arrays(change):
    check_undo_redo(regression_model(), change)


def test_the_last_row_cannot_be_deleted():
    model = regression_model(y_true=(1.0,), y_pred=(2.0,))
    messages = []
    model.edit_rejected.connect(messages.append)
    model.remove_rows_at(np.array([0]))
    assert model.rowCount() == 1 and messages


# ----- in the window ---------------------------------------------------------------------------------------
def select_cell(table, row, column):
    index = table.model().index(row, column)
    table.selectionModel().setCurrentIndex(index, QItemSelectionModel.SelectionFlag.ClearAndSelect)


def test_a_bad_paste_shows_a_message_in_the_status_bar_and_keeps_the_old_value(window, qtbot):
    table = window.table_view
    before = arrays(window.model)
    select_cell(table, 0, 0)
    QApplication.clipboard().setText("3.5\tnot-a-number")
    table.setFocus()
    qtbot.keyClick(table, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    message = window.statusBar().currentMessage()
    assert "not-a-number" in message and "row 1" in message
    np.testing.assert_array_equal(arrays(window.model)[1], before[1])


def test_copy_and_paste_through_the_table_view(window, qtbot):
    table = window.table_view
    model = window.model
    top_left, bottom_right = model.index(0, 0), model.index(1, 1)
    table.selectionModel().select(QItemSelection(top_left, bottom_right),
                                  QItemSelectionModel.SelectionFlag.ClearAndSelect)
    table.setFocus()
    qtbot.keyClick(table, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    copied = QApplication.clipboard().text()
    y_true, y_pred = arrays(model)
    assert copied.splitlines()[0].split("\t") == [f"{y_true[0]:.17g}", f"{y_pred[0]:.17g}"]
    n = model.rowCount()
    select_cell(table, n - 1, 0)
    qtbot.keyClick(table, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    assert model.rowCount() == n + 1
    new_true, new_pred = arrays(model)
    np.testing.assert_array_equal(new_true[n - 1:], y_true[:2])
    np.testing.assert_array_equal(new_pred[n - 1:], y_pred[:2])
    window.undo_action.trigger()
    assert model.rowCount() == n


def test_add_and_delete_rows_from_the_edit_menu(window):
    model = window.model
    n = model.rowCount()
    select_cell(window.table_view, 4, 1)
    window.table_view.add_row_action.trigger()
    assert model.rowCount() == n + 1
    assert model.dataset().y_true[5] == model.dataset().y_true[4]
    select_cell(window.table_view, 0, 0)
    window.table_view.delete_rows_action.trigger()
    assert model.rowCount() == n
    window.undo_action.trigger()
    window.undo_action.trigger()
    np.testing.assert_array_equal(model.dataset().y_true, demo_dataset("regression").y_true)
