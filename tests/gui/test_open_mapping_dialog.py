"""The column-mapping dialog: it starts from the reader's guess, shows the first rows, and any choice changes the
mapping it returns (Open stays disabled, with the reason, while the choice is invalid)."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from lossexplorer.csvio import ColumnMapping, inspect_csv
from lossexplorer.gui.mapping_dialog import PRED_TINT, TRUE_TINT, MappingDialog

DATA = Path(__file__).resolve().parent.parent / "data"


@pytest.fixture
def make_dialog(qtbot):
    def make(name):
        dialog = MappingDialog(inspect_csv(DATA / name))
        qtbot.addWidget(dialog)
        return dialog

    return make


def choose(box, data):
    index = box.findData(data)
    assert index >= 0, data
    box.setCurrentIndex(index)


def test_the_dialog_starts_from_the_guess(make_dialog):
    dialog = make_dialog("binary_probabilities.csv")
    assert dialog.mapping() == ColumnMapping("binary", "label", ("prob",), "probability")
    assert (dialog.task(), dialog.true_box.currentData(), dialog.pred_box.currentData()) == ("binary", "label", "prob")
    assert dialog.open_button.isEnabled()
    assert dialog.problem() == ""
    assert not dialog.doubt_label.isVisibleTo(dialog)
    assert not dialog.skip_bad_rows()


def test_the_preview_shows_the_first_rows_with_file_line_numbers(make_dialog):
    dialog = make_dialog("european_semicolon_cp1252.csv")
    table = dialog.table
    assert (table.rowCount(), table.columnCount()) == (4, 4)
    assert table.horizontalHeaderItem(1).text() == "Beschreibung"
    assert table.item(1, 1).text() == "Größe Süd"
    assert table.item(3, 2).text() == "1000,125"
    assert table.verticalHeaderItem(0).text() == "2"
    assert "semicolon-separated" in dialog.summary_label.text()
    assert "decimal commas" in dialog.summary_label.text()
    assert "CP1252" in dialog.summary_label.text()


def test_the_columns_in_use_are_tinted(make_dialog):
    dialog = make_dialog("extra_columns.csv")
    table = dialog.table
    assert table.item(0, 3).background().color() == TRUE_TINT
    assert table.item(0, 4).background().color() == PRED_TINT
    assert table.item(0, 1).background().style() == Qt.BrushStyle.NoBrush
    choose(dialog.pred_box, "id")
    assert table.item(0, 0).background().color() == PRED_TINT
    assert table.item(0, 4).background().style() == Qt.BrushStyle.NoBrush


def test_a_doubtful_guess_says_why(make_dialog):
    dialog = make_dialog("no_header.csv")
    assert dialog.doubt_label.isVisibleTo(dialog)
    assert "no header row" in dialog.doubt_label.text()
    assert dialog.mapping() == ColumnMapping("regression", "column 1", ("column 2",), "value")


def test_changing_the_task_and_kind_changes_the_mapping(make_dialog):
    dialog = make_dialog("binary_probabilities.csv")
    choose(dialog.kind_box, "logit")
    assert dialog.mapping() == ColumnMapping("binary", "label", ("prob",), "logit")
    choose(dialog.task_box, "regression")
    assert not dialog.kind_box.isEnabled()
    assert dialog.mapping() == ColumnMapping("regression", "label", ("prob",), "value")
    choose(dialog.true_box, "prob")
    choose(dialog.pred_box, "id")
    assert dialog.mapping() == ColumnMapping("regression", "prob", ("id",), "value")


def test_multiclass_takes_the_ticked_columns_and_names_the_classes(make_dialog):
    dialog = make_dialog("multiclass_names.csv")
    assert dialog.class_columns() == ("prob_cat", "prob_dog", "prob_bird")
    assert "cat, dog, bird" in dialog.classes_label.text()
    dialog.set_class_columns(["prob_cat", "prob_bird"])
    assert dialog.mapping() == ColumnMapping(
        "multiclass", "label", ("prob_cat", "prob_bird"), "probability", ("cat", "bird")
    )
    dialog.class_list.item(3).setCheckState(Qt.CheckState.Checked)  # prob_dog, by a click on its box
    assert dialog.mapping().pred_columns == ("prob_cat", "prob_dog", "prob_bird")


def test_switching_to_multiclass_ticks_the_numeric_columns(make_dialog):
    dialog = make_dialog("regression_tab.tsv")
    choose(dialog.task_box, "multiclass")
    assert dialog.pred_stack.currentWidget() is dialog.class_list
    assert dialog.class_columns() == ("yhat",)
    assert dialog.mapping() is None
    assert not dialog.open_button.isEnabled()
    assert dialog.problem_label.text() == "Tick one prediction column per class (at least two)."


def test_an_invalid_choice_disables_open_and_says_why(make_dialog):
    dialog = make_dialog("regression_comma.csv")
    choose(dialog.pred_box, "y_true")
    assert dialog.mapping() is None
    assert not dialog.open_button.isEnabled()
    assert dialog.problem_label.text() == '"y_true" cannot be both the true and a predicted column.'
    choose(dialog.pred_box, "y_pred")
    assert dialog.open_button.isEnabled()
    assert dialog.problem_label.text() == ""


def test_skip_bad_rows_is_a_choice(make_dialog):
    dialog = make_dialog("regression_comma.csv")
    dialog.skip_box.setChecked(True)
    assert dialog.skip_bad_rows()


def test_a_file_without_a_guess_gets_a_starting_point(make_dialog):
    dialog = make_dialog("bad/text_only.csv")
    assert "no numeric columns" in dialog.doubt_label.text()
    assert dialog.mapping() == ColumnMapping("regression", "name", ("city",), "value")
