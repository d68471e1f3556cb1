"""The column-mapping dialog shown when a CSV file is opened: a preview of the first rows and the guessed mapping.

The dialog starts from :attr:`lossexplorer.csvio.CsvPreview.mapping` (the reader's guess), says why the guess
may be wrong when the reader had doubts, and lets the user change any of it: the task, the true column, the
predicted column (one per class for multiclass) and whether predictions are probabilities or logits. The
preview colours the columns in use. Open stays disabled, with the reason shown, while the choice is invalid.

:func:`ask_mapping` runs the dialog modally; the open actions call it through an attribute tests replace.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Slot
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QStackedWidget,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from lossexplorer.csvio import ColumnMapping, CsvPreview, class_names_from_columns

TASK_LABELS = {
    "regression": "Regression (predicted values)",
    "binary": "Binary classification (one probability or logit per row)",
    "multiclass": "Multiclass classification (one column per class)",
}
KIND_LABELS = {"probability": "Probabilities", "logit": "Logits"}
DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}
TRUE_TINT = QColor("#e3f4e1")
PRED_TINT = QColor("#e1ecf8")


class MappingDialog(QDialog):
    """Choose how a CSV file's columns map to the truth and the predictions.

    Args:
        preview: What :func:`lossexplorer.csvio.inspect_csv` found in the file.
        parent: The window the dialog belongs to.
    """

    def __init__(self, preview: CsvPreview, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("csvMappingDialog")
        self.preview = preview
        name = preview.path.replace("\\", "/").rsplit("/", 1)[-1]
        self.setWindowTitle(f"Open {name}")
        self._build(name)
        self._start_from(preview.mapping)
        self._connect()
        self._refresh()

    # ----- building ------------------------------------------------------------------------------
    def _build(self, name: str) -> None:
        preview = self.preview
        self.summary_label = QLabel(self._summary(name), self)
        self.summary_label.setObjectName("mappingSummary")
        self.doubt_label = QLabel(self)
        self.doubt_label.setObjectName("mappingDoubts")
        self.doubt_label.setWordWrap(True)
        self.doubt_label.setStyleSheet("color: #8a5300;")
        self.doubt_label.setText(f"Please check the columns: {preview.ambiguity}." if preview.ambiguity else "")
        self.doubt_label.setVisible(bool(preview.ambiguity) or preview.mapping is None)
        if preview.mapping is None and not preview.ambiguity:
            self.doubt_label.setText("Please choose the columns.")
        self.table = self._preview_table()
        self.task_box = self._combo("mappingTask", [(label, task) for task, label in TASK_LABELS.items()])
        columns = [(column, column) for column in preview.columns]
        self.true_box = self._combo("mappingTrueColumn", columns)
        self.pred_box = self._combo("mappingPredColumn", columns)
        self.class_list = QListWidget(self)
        self.class_list.setObjectName("mappingClassColumns")
        self.class_list.setAccessibleName("Class columns")
        self.class_list.setMaximumHeight(120)
        for column in preview.columns:
            item = QListWidgetItem(column, self.class_list)
            item.setFlags(Qt.ItemFlag.ItemIsUserCheckable | Qt.ItemFlag.ItemIsEnabled)
            item.setCheckState(Qt.CheckState.Unchecked)
        self.pred_stack = QStackedWidget(self)
        self.pred_stack.addWidget(self.pred_box)
        self.pred_stack.addWidget(self.class_list)
        self.kind_box = self._combo("mappingPredKind", [(label, kind) for kind, label in KIND_LABELS.items()])
        self.classes_label = QLabel(self)
        self.classes_label.setObjectName("mappingClasses")
        self.classes_label.setWordWrap(True)
        self.skip_box = QCheckBox("Skip rows with problems (they are counted and reported)", self)
        self.skip_box.setObjectName("mappingSkipBadRows")
        self.problem_label = QLabel(self)
        self.problem_label.setObjectName("mappingProblem")
        self.problem_label.setStyleSheet("color: #b00020;")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel, self)
        self.open_button = self.buttons.addButton("&Open", QDialogButtonBox.ButtonRole.AcceptRole)
        self.open_button.setObjectName("mappingOpenButton")
        self.open_button.setDefault(True)
        self._lay_out()

    def _lay_out(self) -> None:
        form = QFormLayout()
        form.addRow("&Task:", self.task_box)
        form.addRow("T&rue values:", self.true_box)
        form.addRow("&Predictions:", self.pred_stack)
        form.addRow("Predictions &are:", self.kind_box)
        form.addRow("", self.classes_label)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary_label)
        layout.addWidget(self.doubt_label)
        layout.addWidget(self.table, 1)
        layout.addLayout(form)
        layout.addWidget(self.skip_box)
        layout.addWidget(self.problem_label)
        layout.addWidget(self.buttons)
        self.resize(760, 520)

    def _summary(self, name: str) -> str:
        preview = self.preview
        parts = [name, f"{DELIMITER_NAMES.get(preview.delimiter, repr(preview.delimiter))}-separated"]
        parts.append(preview.encoding.upper().replace("-SIG", " with BOM"))
        parts.append("header row" if preview.has_header else "no header row")
        if preview.decimal_comma:
            parts.append("decimal commas")
        shown = len(preview.rows)
        parts.append(f"first {shown} row{'s' if shown != 1 else ''} shown")
        return " · ".join(parts)

    def _preview_table(self) -> QTableWidget:
        preview = self.preview
        table = QTableWidget(len(preview.rows), len(preview.columns), self)
        table.setObjectName("mappingPreview")
        table.setAccessibleName("Preview of the first rows")
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setHorizontalHeaderLabels(list(preview.columns))
        table.setVerticalHeaderLabels([str(preview.first_data_line + i) for i in range(len(preview.rows))])
        for row, cells in enumerate(preview.rows):
            for column, text in enumerate(cells):
                table.setItem(row, column, QTableWidgetItem(text))
        return table

    def _combo(self, name: str, entries: list[tuple[str, str]]) -> QComboBox:
        box = QComboBox(self)
        box.setObjectName(name)
        box.setAccessibleName(name)
        for label, data in entries:
            box.addItem(label, data)
        return box

    def _connect(self) -> None:
        self.task_box.currentIndexChanged.connect(self._task_changed)
        self.true_box.currentIndexChanged.connect(self._changed)
        self.pred_box.currentIndexChanged.connect(self._changed)
        self.kind_box.currentIndexChanged.connect(self._changed)
        self.class_list.itemChanged.connect(self._item_changed)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

    def _start_from(self, mapping: ColumnMapping | None) -> None:
        numeric = [c for c in self.preview.columns if c in self.preview.numeric_columns] or list(self.preview.columns)
        if mapping is None:
            true_column = numeric[0]
            others = [c for c in numeric if c != true_column] or [c for c in self.preview.columns if c != true_column]
            mapping_task, pred_columns, kind = "regression", (others[0] if others else true_column,), "probability"
        else:
            true_column, mapping_task = mapping.true_column, mapping.task
            pred_columns = mapping.pred_columns
            kind = mapping.pred_kind if mapping.pred_kind != "value" else "probability"
        self._select(self.task_box, mapping_task)
        self._select(self.true_box, true_column)
        self._select(self.pred_box, pred_columns[0])
        self._select(self.kind_box, kind)
        if mapping_task == "multiclass":
            self.set_class_columns(pred_columns)
        self.pred_stack.setCurrentIndex(1 if mapping_task == "multiclass" else 0)

    @staticmethod
    def _select(box: QComboBox, data: str) -> None:
        index = box.findData(data)
        if index >= 0:
            box.setCurrentIndex(index)

    # ----- the choice ----------------------------------------------------------------------------
    def task(self) -> str:
        """The chosen task."""
        return str(self.task_box.currentData())

    def class_columns(self) -> tuple[str, ...]:
        """The checked class columns, in file order."""
        items = [self.class_list.item(i) for i in range(self.class_list.count())]
        return tuple(item.text() for item in items if item.checkState() == Qt.CheckState.Checked)

    def set_class_columns(self, columns: tuple[str, ...] | list[str]) -> None:
        """Check exactly these columns in the multiclass list."""
        wanted = set(columns)
        for i in range(self.class_list.count()):
            item = self.class_list.item(i)
            item.setCheckState(Qt.CheckState.Checked if item.text() in wanted else Qt.CheckState.Unchecked)

    def mapping(self) -> ColumnMapping | None:
        """The mapping the controls describe, or None while it is invalid (see :meth:`problem`)."""
        return self._mapping_or_problem()[0]

    def problem(self) -> str:
        """Why the current choice cannot be opened, or ``""``."""
        return self._mapping_or_problem()[1]

    def skip_bad_rows(self) -> bool:
        """Whether rows with problems are to be left out."""
        return self.skip_box.isChecked()

    def _mapping_or_problem(self) -> tuple[ColumnMapping | None, str]:
        task = self.task()
        if task == "multiclass":
            preds = self.class_columns()
            if len(preds) < 2:
                return None, "Tick one prediction column per class (at least two)."
        else:
            preds = (str(self.pred_box.currentData()),)
        kind = "value" if task == "regression" else str(self.kind_box.currentData())
        names = class_names_from_columns(preds) if task == "multiclass" else ()
        try:
            return ColumnMapping(task, str(self.true_box.currentData()), preds, kind, names), ""
        except ValueError as error:
            text = str(error)
            return None, text[:1].upper() + text[1:] + "."

    # ----- slots ---------------------------------------------------------------------------------
    @Slot(int)
    def _task_changed(self, _index: int) -> None:
        multiclass = self.task() == "multiclass"
        self.pred_stack.setCurrentIndex(1 if multiclass else 0)
        if multiclass and not self.class_columns():
            self.set_class_columns(self._default_class_columns())
        self._refresh()

    def _default_class_columns(self) -> tuple[str, ...]:
        guess = self.preview.mapping
        if guess is not None and guess.task == "multiclass":
            return guess.pred_columns
        true_column = str(self.true_box.currentData())
        return tuple(c for c in self.preview.numeric_columns if c != true_column)

    @Slot(int)
    def _changed(self, _index: int) -> None:
        self._refresh()

    @Slot(QListWidgetItem)
    def _item_changed(self, _item: QListWidgetItem) -> None:
        self._refresh()

    def _refresh(self) -> None:
        task = self.task()
        self.kind_box.setEnabled(task != "regression")
        mapping, problem = self._mapping_or_problem()
        self.problem_label.setText(problem)
        self.open_button.setEnabled(mapping is not None)
        if mapping is not None and task == "multiclass":
            self.classes_label.setText(f"Classes, in column order: {', '.join(mapping.class_names)}")
        else:
            self.classes_label.setText("")
        self._tint_columns(mapping)

    def _tint_columns(self, mapping: ColumnMapping | None) -> None:
        roles = {}
        if mapping is not None:
            roles = {mapping.true_column: TRUE_TINT} | {column: PRED_TINT for column in mapping.pred_columns}
        for column, name in enumerate(self.preview.columns):
            brush = QBrush(roles[name]) if name in roles else QBrush()
            header = self.table.horizontalHeaderItem(column)
            if header is not None:
                role = "true values" if mapping is not None and name == mapping.true_column else "prediction"
                header.setToolTip(role if name in roles else "not used")
            for row in range(self.table.rowCount()):
                item = self.table.item(row, column)
                if item is not None:
                    item.setBackground(brush)


def ask_mapping(parent: QWidget | None, preview: CsvPreview) -> tuple[ColumnMapping, bool] | None:
    """Show the mapping dialog modally; return the chosen mapping and the skip-bad-rows choice, or None."""
    dialog = MappingDialog(preview, parent)
    try:
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        mapping = dialog.mapping()
        return None if mapping is None else (mapping, dialog.skip_bad_rows())
    finally:
        dialog.deleteLater()
