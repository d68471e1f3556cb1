"""The data table: a QTableView over the model with spreadsheet-style copy, paste, add and delete."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt, Slot
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QAbstractItemView, QApplication, QHeaderView, QStyle, QTableView, QWidget

from lossexplorer.gui.table_model import PredictionTableModel

FIT_SAMPLE_ROWS = 200


class DataTableView(QTableView):
    """Shows the prediction table; all edits go to the model, which keeps them undoable."""

    def __init__(self, model: PredictionTableModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("dataTable")
        self.setAccessibleName("Prediction data table")
        self.setModel(model)
        self._model = model
        self.setAlternatingRowColors(True)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectItems)
        self.setEditTriggers(QAbstractItemView.EditTrigger.DoubleClicked
                             | QAbstractItemView.EditTrigger.EditKeyPressed
                             | QAbstractItemView.EditTrigger.AnyKeyPressed)
        # Fixed row heights keep scrolling cheap at a million rows: Qt never measures rows.
        vertical = self.verticalHeader()
        vertical.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        vertical.setDefaultSectionSize(22)
        self.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        model.modelReset.connect(self.fit_columns)
        self.fit_columns()
        self.copy_action = self._action("Copy", QKeySequence.StandardKey.Copy, self.copy_selection, "copyAction")
        self.paste_action = self._action("Paste", QKeySequence.StandardKey.Paste, self.paste_clipboard,
                                         "pasteAction")
        self.add_row_action = self._action("Add Row", QKeySequence("Ctrl+Shift+N"), self.add_row, "addRowAction")
        self.delete_rows_action = self._action("Delete Rows", QKeySequence("Ctrl+Del"), self.delete_selected_rows,
                                               "deleteRowsAction")
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)

    @Slot()
    def fit_columns(self) -> None:
        """Keep every column as wide as its name and the values of the first rows.

        A narrow dock scrolls sideways instead of clipping either.
        """
        header = self.horizontalHeader()
        widest_name = max(header.fontMetrics().horizontalAdvance(name) for name in self._model.column_names())
        widest_value = max((self.fontMetrics().horizontalAdvance(text) for text in self._sample_texts()), default=0)
        # Room for the header's margins and frame (or the cell's) on both sides of the text.
        margins = 2 * header.style().pixelMetric(QStyle.PixelMetric.PM_HeaderMargin) + 8
        header.setMinimumSectionSize(max(widest_name, widest_value) + margins)

    def _sample_texts(self) -> list[str]:
        # The first rows stand for the rest: measuring a million rows would cost seconds.
        model = self._model
        rows = range(min(model.rowCount(), FIT_SAMPLE_ROWS))
        return [model.data(model.index(row, column)) for row in rows for column in range(model.columnCount())]

    def fitting_width(self) -> int:
        """The width that shows every column at its minimum without sideways scrolling."""
        columns = self._model.columnCount() * self.horizontalHeader().minimumSectionSize()
        scroll_bar = self.style().pixelMetric(QStyle.PixelMetric.PM_ScrollBarExtent)
        return self.verticalHeader().sizeHint().width() + columns + scroll_bar + 2 * self.frameWidth() + 4

    def _action(self, text: str, shortcut: QKeySequence | QKeySequence.StandardKey, slot: object,
                name: str) -> QAction:
        action = QAction(text, self)
        action.setObjectName(name)
        action.setShortcut(shortcut)
        action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        action.triggered.connect(slot)
        self.addAction(action)
        return action

    def selected_cells(self) -> tuple[np.ndarray, np.ndarray]:
        """Row and column indices of the selected cells."""
        indexes = self.selectionModel().selectedIndexes()
        rows = np.array([index.row() for index in indexes], dtype=np.int64)
        columns = np.array([index.column() for index in indexes], dtype=np.int64)
        return rows, columns

    @Slot()
    def copy_selection(self) -> None:
        """Copy the selected block to the clipboard as tab-separated text."""
        rows, columns = self.selected_cells()
        if rows.size:
            QApplication.clipboard().setText(self._model.copy_text(rows, columns))

    @Slot()
    def paste_clipboard(self) -> None:
        """Paste tab-separated text from the clipboard at the current cell."""
        current = self.currentIndex()
        top, left = (current.row(), current.column()) if current.isValid() else (0, 0)
        self._model.paste_text(top, left, QApplication.clipboard().text())

    @Slot()
    def add_row(self) -> None:
        """Insert a row below the current one."""
        current = self.currentIndex()
        position = current.row() + 1 if current.isValid() else self._model.rowCount()
        self._model.insert_rows(position, 1)
        self.selectRow(position)

    @Slot()
    def delete_selected_rows(self) -> None:
        """Delete every row that has a selected cell."""
        rows, _ = self.selected_cells()
        self._model.remove_rows_at(rows)
