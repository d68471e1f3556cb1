"""The one source of truth for the prediction data: a table model over numpy arrays, with undo.

Every change to the data goes through a ``QUndoCommand`` on :attr:`PredictionTableModel.undo_stack`, so
cell edits, pastes, added and deleted rows, loads and outlier-lab moves are all undoable. Views never keep
their own copy of the data: they listen to :attr:`PredictionTableModel.arrays_changed` and read
:meth:`PredictionTableModel.dataset`.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QUndoCommand, QUndoStack

from lossexplorer.dataset import Dataset

AnyIndex = QModelIndex | QPersistentModelIndex
_DRAG_MERGE_ID = 4711


class CellValueError(ValueError):
    """A value typed or pasted into a cell that the column cannot hold."""


class PredictionTableModel(QAbstractTableModel):
    """Rows of (y_true, y_pred...) held as numpy arrays; column 0 is the truth, the rest predictions.

    Signals:
        arrays_changed(object): after any change. The payload is a numpy array of the changed row indices
            when only values in existing rows changed, or ``None`` when the shape or everything changed.
        edit_rejected(str): a one-line reason when an edit or paste was refused; the data is unchanged.
        dataset_replaced(): after a load or any change of task, columns or class names.
    """

    arrays_changed = Signal(object)
    edit_rejected = Signal(str)
    dataset_replaced = Signal()

    def __init__(self, dataset: Dataset, parent: object = None) -> None:
        super().__init__(parent)
        self.undo_stack = QUndoStack(self)
        self._data = _writable_copy(dataset)

    # ----- reading -------------------------------------------------------------------------------
    def dataset(self) -> Dataset:
        """Return the current data. Its arrays are the model's own: read them, never write to them."""
        return self._data

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        """Number of data rows (zero under a valid parent, as a flat table requires)."""
        return 0 if parent.isValid() else self._data.n_rows

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        """The truth column plus one column per prediction."""
        return 0 if parent.isValid() else 1 + len(self._data.pred_names)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        """Cell text for display, the raw number for editing, right alignment for numbers."""
        if not index.isValid():
            return None
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role not in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            return None
        value = self.cell_value(index.row(), index.column())
        if role == Qt.ItemDataRole.EditRole:
            return value
        return self._display_text(index.column(), value)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> object:
        """Column names across the top, 1-based row numbers down the side."""
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Vertical:
            return str(section + 1)
        return self.column_names()[section] if section < self.columnCount() else None

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        """Every cell is selectable and editable."""
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsEditable

    def column_names(self) -> list[str]:
        """The truth column's name followed by the prediction columns' names."""
        return [self._data.true_name, *self._data.pred_names]

    def cell_value(self, row: int, column: int) -> float:
        """Return the number stored at (row, column)."""
        if column == 0:
            return float(self._data.y_true[row])
        if self._data.y_pred.ndim == 1:
            return float(self._data.y_pred[row])
        return float(self._data.y_pred[row, column - 1])

    def _display_text(self, column: int, value: float) -> str:
        if column == 0 and self._data.task == "multiclass" and self._data.class_names:
            return f"{int(value)}  {self._data.class_names[int(value)]}"
        if column == 0 and self._data.task == "binary" and value in (0.0, 1.0):
            return str(int(value))
        return f"{value:.6g}"

    # ----- editing (all undoable) ----------------------------------------------------------------
    def setData(self, index: AnyIndex, value: object,
                role: int = Qt.ItemDataRole.EditRole) -> bool:
        """Validate and store one cell through the undo stack; refuse bad values with ``edit_rejected``."""
        if not index.isValid() or role != Qt.ItemDataRole.EditRole:
            return False
        try:
            self.set_cells(np.array([index.row()]), np.array([index.column()]), [value])
        except CellValueError as error:
            self.edit_rejected.emit(str(error))
            return False
        return True

    def set_cells(self, rows: np.ndarray, columns: np.ndarray, values: list[object] | np.ndarray,
                  text: str = "Edit cell") -> None:
        """Store many cells as one undo step. Raises :class:`CellValueError`, changing nothing, if any is bad."""
        rows = np.asarray(rows, dtype=np.int64)
        columns = np.asarray(columns, dtype=np.int64)
        new_values = self._parse_cells(rows, columns, values)
        self._check_values(rows, columns, new_values)
        old_values = self._read_cells(rows, columns)
        self.undo_stack.push(_SetCellsCommand(self, rows, columns, old_values, new_values, text))

    def move_prediction(self, row: int, value: float, *, dragging: bool = False) -> None:
        """Set one row's prediction (regression or binary); consecutive drag moves merge into one undo step."""
        rows, columns = np.array([row]), np.array([1])
        new_values = np.array([float(value)])
        self._check_values(rows, columns, new_values)
        command = _SetCellsCommand(self, rows, columns, self._read_cells(rows, columns), new_values,
                                   "Move prediction", merge=dragging)
        self.undo_stack.push(command)

    def end_drag(self) -> None:
        """Close the drag in progress, so that the next drag of the same row is an undo step of its own."""
        top = self.undo_stack.command(self.undo_stack.index() - 1)
        if isinstance(top, _SetCellsCommand):
            top._merge = False

    def replace_dataset(self, dataset: Dataset, text: str = "Load data") -> None:
        """Replace everything (a load, a paste that grows the table, rows added or deleted) as one undo step."""
        self.undo_stack.push(_ReplaceCommand(self, self._data, _writable_copy(dataset), text))

    def insert_rows(self, position: int, count: int = 1) -> None:
        """Insert ``count`` rows before ``position``, copying the neighbouring row's values as a start."""
        data = self._data
        source = min(max(position - 1, 0), max(data.n_rows - 1, 0))
        template_true = data.y_true[source:source + 1] if data.n_rows else np.zeros(1, data.y_true.dtype)
        template_pred = data.y_pred[source:source + 1] if data.n_rows else _empty_prediction(data)
        new_true = np.insert(data.y_true, position, np.repeat(template_true, count, axis=0), axis=0)
        new_pred = np.insert(data.y_pred, position, np.repeat(template_pred, count, axis=0), axis=0)
        self.replace_dataset(data.with_arrays(new_true, new_pred), "Add rows" if count > 1 else "Add row")

    def remove_rows_at(self, rows: np.ndarray) -> None:
        """Delete the given rows as one undo step; at least one row always stays."""
        rows = np.unique(np.asarray(rows, dtype=np.int64))
        if rows.size == 0:
            return
        if rows.size >= self._data.n_rows:
            self.edit_rejected.emit("the table needs at least one row")
            return
        keep = np.ones(self._data.n_rows, dtype=bool)
        keep[rows] = False
        data = self._data
        text = "Delete rows" if rows.size > 1 else "Delete row"
        self.replace_dataset(data.with_arrays(data.y_true[keep], data.y_pred[keep]), text)

    def paste_text(self, top: int, left: int, text: str) -> bool:
        """Paste a tab-separated block at (top, left) as one undo step, growing the table if needed.

        Returns False, with a one-line ``edit_rejected`` message and nothing changed, if any cell is bad.
        """
        try:
            block = _split_block(text)
            self._paste_block(top, left, block)
        except CellValueError as error:
            self.edit_rejected.emit(str(error))
            return False
        return True

    def copy_text(self, rows: np.ndarray, columns: np.ndarray) -> str:
        """Return the cells of the given rows and columns as tab-separated text for the clipboard."""
        rows = np.unique(np.asarray(rows, dtype=np.int64))
        columns = np.unique(np.asarray(columns, dtype=np.int64))
        table = np.column_stack([self._column_array(c)[rows] for c in columns])
        lines = ["\t".join(f"{v:.17g}" for v in line) for line in table]
        return "\n".join(lines)

    # ----- internals -----------------------------------------------------------------------------
    def _paste_block(self, top: int, left: int, block: list[list[str]]) -> None:
        width = max(len(line) for line in block)
        if left + width > self.columnCount():
            raise CellValueError(f"the pasted block is {width} columns wide; only "
                                 f"{self.columnCount() - left} fit from column {left + 1}")
        rows = np.repeat(np.arange(top, top + len(block)), width)
        columns = np.tile(np.arange(left, left + width), len(block))
        cells = [line[i] if i < len(line) else "" for line in block for i in range(width)]
        values = self._parse_cells(rows, columns, cells)
        self._check_values(rows, columns, values)
        grow = top + len(block) - self._data.n_rows
        if grow <= 0:
            self.set_cells(rows, columns, values, "Paste")
            return
        data = self._data
        y_true = np.concatenate([data.y_true, np.repeat(data.y_true[-1:], grow, axis=0)])
        y_pred = np.concatenate([data.y_pred, np.repeat(data.y_pred[-1:], grow, axis=0)])
        _write_into(y_true, y_pred, rows, columns, values)
        self.replace_dataset(data.with_arrays(y_true, y_pred), "Paste")

    def _column_array(self, column: int) -> np.ndarray:
        if column == 0:
            return self._data.y_true
        return self._data.y_pred if self._data.y_pred.ndim == 1 else self._data.y_pred[:, column - 1]

    def _parse_cells(self, rows: np.ndarray, columns: np.ndarray,
                     values: list[object] | np.ndarray) -> np.ndarray:
        if isinstance(values, np.ndarray) and values.dtype.kind in "fiu":
            return values.astype(np.float64)
        texts = np.char.strip(np.asarray([str(v) for v in values], dtype=str))
        texts = np.char.replace(texts, ",", ".")
        if self._data.task == "multiclass":
            texts = self._class_names_to_indices(texts, columns == 0)
        try:
            return texts.astype(np.float64)
        except ValueError:
            first = next(i for i, t in enumerate(texts) if not _is_number(t))
            shown = repr(str(texts[first])) if texts[first] else "an empty cell"
            raise CellValueError(f"{self._where(rows[first], columns[first])}: {shown} is not a number") from None

    def _class_names_to_indices(self, texts: np.ndarray, is_label: np.ndarray) -> np.ndarray:
        # Labels may be typed as a class name or shown as "2  bird"; keep only the first word.
        first_words = np.array([t.split()[0] if t else t for t in texts], dtype=object)
        texts = texts.astype(object)
        texts[is_label] = first_words[is_label]
        for index, name in enumerate(self._data.class_names):
            texts[is_label & (texts == name)] = str(index)
        return texts.astype(str)

    def _check_values(self, rows: np.ndarray, columns: np.ndarray, values: np.ndarray) -> None:
        bad = ~np.isfinite(values)
        if bad.any():
            first = int(np.argmax(bad))
            raise CellValueError(f"{self._where(rows[first], columns[first])}: "
                                 f"{values[first]} is not a finite number")
        task = self._data.task
        if task == "regression":
            return
        if task == "multiclass":
            self._check_multiclass(rows, columns, values)
            return
        needs_unit = (columns == 0) | (self._data.pred_kind == "probability")
        outside = needs_unit & ((values < 0.0) | (values > 1.0))
        if outside.any():
            first = int(np.argmax(outside))
            what = "label" if columns[first] == 0 else "probability"
            raise CellValueError(f"{self._where(rows[first], columns[first])}: "
                                 f"{what} {values[first]:g} is outside [0, 1]")

    def _check_multiclass(self, rows: np.ndarray, columns: np.ndarray, values: np.ndarray) -> None:
        k = self._data.n_classes
        is_label = columns == 0
        bad_label = is_label & ((values != np.round(values)) | (values < 0) | (values > k - 1))
        if bad_label.any():
            first = int(np.argmax(bad_label))
            raise CellValueError(f"{self._where(rows[first], columns[first])}: label {values[first]:g} "
                                 f"is not a class index 0..{k - 1}")
        if self._data.pred_kind != "probability":
            return
        bad_prob = ~is_label & ((values < 0.0) | (values > 1.0))
        if bad_prob.any():
            first = int(np.argmax(bad_prob))
            raise CellValueError(f"{self._where(rows[first], columns[first])}: "
                                 f"probability {values[first]:g} is outside [0, 1]")

    def _where(self, row: int, column: int) -> str:
        return f'row {int(row) + 1}, column "{self.column_names()[int(column)]}"'

    def _read_cells(self, rows: np.ndarray, columns: np.ndarray) -> np.ndarray:
        data = self._data
        values = np.empty(rows.size, dtype=np.float64)
        is_true = columns == 0
        values[is_true] = data.y_true[rows[is_true]]
        if data.y_pred.ndim == 1:
            values[~is_true] = data.y_pred[rows[~is_true]]
        else:
            values[~is_true] = data.y_pred[rows[~is_true], columns[~is_true] - 1]
        return values

    def _apply_cells(self, rows: np.ndarray, columns: np.ndarray, values: np.ndarray) -> None:
        """Write cell values without touching the undo stack; used by the undo commands."""
        _write_into(self._data.y_true, self._data.y_pred, rows, columns, values)
        if rows.size == 1:
            index = self.index(int(rows[0]), int(columns[0]))
            self.dataChanged.emit(index, index, [Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole])
        else:
            self.dataChanged.emit(self.index(int(rows.min()), int(columns.min())),
                                  self.index(int(rows.max()), int(columns.max())),
                                  [Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole])
        self.arrays_changed.emit(np.unique(rows))

    def _apply_dataset(self, dataset: Dataset) -> None:
        """Swap in a whole data set without touching the undo stack; used by the undo commands."""
        self.beginResetModel()
        self._data = dataset
        self.endResetModel()
        self.dataset_replaced.emit()
        self.arrays_changed.emit(None)


class _SetCellsCommand(QUndoCommand):
    def __init__(self, model: PredictionTableModel, rows: np.ndarray, columns: np.ndarray,
                 old: np.ndarray, new: np.ndarray, text: str, merge: bool = False) -> None:
        super().__init__(text)
        self._model, self._rows, self._columns = model, rows, columns
        self._old, self._new, self._merge = old, new, merge

    def redo(self) -> None:
        self._model._apply_cells(self._rows, self._columns, self._new)

    def undo(self) -> None:
        self._model._apply_cells(self._rows, self._columns, self._old)

    def id(self) -> int:
        return _DRAG_MERGE_ID if self._merge else -1

    def mergeWith(self, other: QUndoCommand) -> bool:
        # A drag is one undo step: later moves of the same cell fold into the first.
        if not isinstance(other, _SetCellsCommand) or not other._merge:
            return False
        if not (np.array_equal(other._rows, self._rows) and np.array_equal(other._columns, self._columns)):
            return False
        self._new = other._new
        return True


class _ReplaceCommand(QUndoCommand):
    def __init__(self, model: PredictionTableModel, old: Dataset, new: Dataset, text: str) -> None:
        super().__init__(text)
        self._model, self._old, self._new = model, old, new

    def redo(self) -> None:
        self._model._apply_dataset(self._new)

    def undo(self) -> None:
        self._model._apply_dataset(self._old)


def _writable_copy(dataset: Dataset) -> Dataset:
    y_true = np.array(dataset.y_true, dtype=np.int64 if dataset.task == "multiclass" else np.float64)
    return dataset.with_arrays(y_true, np.array(dataset.y_pred, dtype=np.float64))


def _empty_prediction(data: Dataset) -> np.ndarray:
    shape = (1, data.y_pred.shape[1]) if data.y_pred.ndim == 2 else (1,)
    return np.zeros(shape)


def _write_into(y_true: np.ndarray, y_pred: np.ndarray, rows: np.ndarray, columns: np.ndarray,
                values: np.ndarray) -> None:
    is_true = columns == 0
    y_true[rows[is_true]] = values[is_true]
    if y_pred.ndim == 1:
        y_pred[rows[~is_true]] = values[~is_true]
    else:
        y_pred[rows[~is_true], columns[~is_true] - 1] = values[~is_true]


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _split_block(text: str) -> list[list[str]]:
    lines = text.replace("\r\n", "\n").replace("\r", "\n").rstrip("\n").split("\n")
    if not text.strip():
        raise CellValueError("the clipboard holds no cells to paste")
    return [line.split("\t") for line in lines]
