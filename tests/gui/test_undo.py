"""Undo and redo: after any sequence of edits each undo restores the exact previous arrays, and redo replays them.

A hypothesis state machine drives the table model with random cell edits, pastes (that may grow the table),
added and deleted rows, loads, outlier-lab drags and refused edits. It keeps its own expected history,
computed with plain numpy from the operation's documented meaning, and compares bit for bit after every step.
"""

import numpy as np
import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from PySide6.QtGui import QKeySequence

from lossexplorer.dataset import Dataset
from lossexplorer.demo import demo_dataset
from lossexplorer.gui.mainwindow import MainWindow
from lossexplorer.gui.table_model import CellValueError, PredictionTableModel

FINITE = st.floats(-1e6, 1e6, allow_nan=False) | st.sampled_from([-0.0, 0.0, 5e-324, 0.1 + 0.2])
UNIT = st.floats(0.0, 1.0) | st.sampled_from([0.0, 1.0, -0.0])


@st.composite
def datasets(draw):
    task = draw(st.sampled_from(["regression", "binary", "multiclass"]))
    n = draw(st.integers(1, 6))
    if task == "regression":
        y_true = draw(st.lists(FINITE, min_size=n, max_size=n))
        y_pred = draw(st.lists(FINITE, min_size=n, max_size=n))
        return Dataset(task, np.array(y_true), np.array(y_pred), "value")
    kind = draw(st.sampled_from(["probability", "logit"]))
    values = UNIT if kind == "probability" else FINITE
    if task == "binary":
        labels = draw(st.lists(st.sampled_from([0.0, 1.0]) | UNIT, min_size=n, max_size=n))
        preds = draw(st.lists(values, min_size=n, max_size=n))
        return Dataset(task, np.array(labels), np.array(preds), kind, true_name="label", pred_names=("p",))
    k = draw(st.integers(2, 4))
    labels = draw(st.lists(st.integers(0, k - 1), min_size=n, max_size=n))
    preds = draw(st.lists(values, min_size=n * k, max_size=n * k))
    names = tuple(f"c{i}" for i in range(k)) if draw(st.booleans()) else ()
    return Dataset(task, np.array(labels, dtype=np.int64), np.array(preds).reshape(n, k), kind,
                   true_name="label", pred_names=tuple(f"p{i}" for i in range(k)), class_names=names)


def snapshot(data):
    return (data.task, data.pred_kind, data.true_name, data.pred_names, data.class_names,
            data.y_true.dtype.str, data.y_true.shape, data.y_true.tobytes(),
            data.y_pred.dtype.str, data.y_pred.shape, data.y_pred.tobytes())


def cell_values(data, column):
    """Values the column may hold."""
    if column == 0:
        if data.task == "multiclass":
            return st.integers(0, data.y_pred.shape[1] - 1).map(float)
        return UNIT if data.task == "binary" else FINITE
    return UNIT if data.pred_kind == "probability" else FINITE


def write(y_true, y_pred, rows, columns, values):
    """Expected arrays after writing cells, element by element (a test may loop; the code may not)."""
    for row, column, value in zip(rows, columns, values, strict=True):
        if column == 0:
            y_true[row] = value
        elif y_pred.ndim == 1:
            y_pred[row] = value
        else:
            y_pred[row, column - 1] = value


class UndoMachine(RuleBasedStateMachine):
    @initialize(data=datasets())
    def start(self, data):
        self.model = PredictionTableModel(data)
        self.history = [snapshot(self.model.dataset())]
        self.index = 0

    # ----- helpers -------------------------------------------------------------------------------
    @property
    def data(self):
        return self.model.dataset()

    def expect(self, y_true, y_pred, base=None):
        expected = (base or self.data).with_arrays(y_true, y_pred)
        self.history = [*self.history[:self.index + 1], snapshot(expected)]
        self.index += 1

    def copies(self):
        return self.data.y_true.copy(), self.data.y_pred.copy()

    def draw_cells(self, draw, count):
        n, width = self.data.n_rows, self.model.columnCount()
        rows = [draw(st.integers(0, n - 1)) for _ in range(count)]
        columns = [draw(st.integers(0, width - 1)) for _ in range(count)]
        values = [draw(cell_values(self.data, c)) for c in columns]
        return rows, columns, values

    # ----- edits ---------------------------------------------------------------------------------
    @rule(data=st.data(), count=st.integers(1, 4), as_text=st.booleans())
    def edit_cells(self, data, count, as_text):
        rows, columns, values = self.draw_cells(data.draw, count)
        # One cell edited twice in one step keeps the last value, like the model.
        y_true, y_pred = self.copies()
        write(y_true, y_pred, rows, columns, values)
        given = [repr(v) for v in values] if as_text else np.array(values)
        self.model.set_cells(np.array(rows), np.array(columns), given)
        self.expect(y_true, y_pred)

    @rule(data=st.data())
    def paste(self, data):
        n, width = self.data.n_rows, self.model.columnCount()
        top = data.draw(st.integers(0, n))
        left = data.draw(st.integers(0, width - 1))
        height, span = data.draw(st.integers(1, 3)), data.draw(st.integers(1, width - left))
        block = [[data.draw(cell_values(self.data, left + j)) for j in range(span)] for _ in range(height)]
        text = "\n".join("\t".join(repr(v) for v in line) for line in block)
        y_true, y_pred = self.copies()
        grow = top + height - n
        if grow > 0:
            # A paste past the end adds rows that start as copies of the last row.
            y_true = np.concatenate([y_true, np.repeat(y_true[-1:], grow, axis=0)])
            y_pred = np.concatenate([y_pred, np.repeat(y_pred[-1:], grow, axis=0)])
        cells = [(top + i, left + j, block[i][j]) for i in range(height) for j in range(span)]
        write(y_true, y_pred, *map(list, zip(*cells, strict=True)))
        assert self.model.paste_text(top, left, text)
        self.expect(y_true, y_pred)

    @rule(data=st.data())
    def insert_rows(self, data):
        n = self.data.n_rows
        position, count = data.draw(st.integers(0, n)), data.draw(st.integers(1, 3))
        source = max(position - 1, 0)
        y_true, y_pred = self.copies()
        # New rows copy the row above the insertion point (the first row when inserting at the top).
        y_true = np.concatenate([y_true[:position], np.repeat(y_true[source:source + 1], count, axis=0),
                                 y_true[position:]])
        y_pred = np.concatenate([y_pred[:position], np.repeat(y_pred[source:source + 1], count, axis=0),
                                 y_pred[position:]])
        self.model.insert_rows(position, count)
        self.expect(y_true, y_pred)

    @precondition(lambda self: self.data.n_rows > 1)
    @rule(data=st.data())
    def remove_rows(self, data):
        n = self.data.n_rows
        doomed = data.draw(st.sets(st.integers(0, n - 1), min_size=1, max_size=n - 1))
        keep = [i for i in range(n) if i not in doomed]
        y_true, y_pred = self.copies()
        shuffled = data.draw(st.permutations(sorted(doomed)))
        self.model.remove_rows_at(np.array(shuffled))
        self.expect(y_true[keep], y_pred[keep])

    @rule(replacement=datasets())
    def load(self, replacement):
        self.model.replace_dataset(replacement)
        self.expect(replacement.y_true.copy(), replacement.y_pred.copy(), base=replacement)

    @precondition(lambda self: self.data.task != "multiclass")
    @rule(data=st.data(), moves=st.integers(1, 6))
    def drag(self, data, moves):
        row = data.draw(st.integers(0, self.data.n_rows - 1))
        values = [data.draw(cell_values(self.data, 1)) for _ in range(moves)]
        y_true, y_pred = self.copies()
        y_pred[row] = values[-1]
        for value in values:
            self.model.move_prediction(row, value, dragging=True)
        self.model.end_drag()
        # However many moves, the drag is one step.
        self.expect(y_true, y_pred)

    @precondition(lambda self: self.data.task != "multiclass")
    @rule(data=st.data())
    def single_move(self, data):
        row = data.draw(st.integers(0, self.data.n_rows - 1))
        value = data.draw(cell_values(self.data, 1))
        y_true, y_pred = self.copies()
        y_pred[row] = value
        self.model.move_prediction(row, value)
        self.expect(y_true, y_pred)

    @rule(data=st.data())
    def refused_edit(self, data):
        column = data.draw(st.integers(0, self.model.columnCount() - 1))
        bad = data.draw(st.sampled_from([np.nan, np.inf, -np.inf]))
        with pytest.raises(CellValueError):
            self.model.set_cells(np.array([0]), np.array([column]), np.array([bad]))

    @rule()
    def refused_paste(self):
        assert not self.model.paste_text(0, 0, "not-a-number")

    @rule()
    def remove_every_row_is_refused(self):
        self.model.remove_rows_at(np.arange(self.data.n_rows))

    # ----- undo and redo -------------------------------------------------------------------------
    @precondition(lambda self: self.index > 0)
    @rule()
    def undo(self):
        self.model.undo_stack.undo()
        self.index -= 1

    @precondition(lambda self: self.index < len(self.history) - 1)
    @rule()
    def redo(self):
        self.model.undo_stack.redo()
        self.index += 1

    @invariant()
    def arrays_match_the_history(self):
        if not hasattr(self, "model"):
            return
        assert snapshot(self.data) == self.history[self.index]
        assert self.model.undo_stack.index() == self.index
        assert self.model.undo_stack.count() == len(self.history) - 1
        assert self.model.rowCount() == self.data.n_rows

    def teardown(self):
        if hasattr(self, "model"):
            # Walk the whole history both ways: every state comes back exactly.
            while self.index > 0:
                self.model.undo_stack.undo()
                self.index -= 1
                assert snapshot(self.data) == self.history[self.index]
            while self.index < len(self.history) - 1:
                self.model.undo_stack.redo()
                self.index += 1
                assert snapshot(self.data) == self.history[self.index]


def test_any_sequence_of_edits_undoes_and_redoes_exactly(qapp):
    run_state_machine_as_test(UndoMachine, settings=settings(
        max_examples=60, stateful_step_count=30, deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]))


def test_a_drag_is_one_undo_step_and_two_drags_are_two(qapp):
    model = PredictionTableModel(demo_dataset("regression"))
    start = model.dataset().y_pred.copy()
    for step in range(50):
        model.move_prediction(3, 10.0 + step, dragging=True)
    model.end_drag()
    assert model.undo_stack.count() == 1 and model.dataset().y_pred[3] == 59.0
    for step in range(5):
        model.move_prediction(3, -float(step), dragging=True)
    model.end_drag()
    assert model.undo_stack.count() == 2
    model.undo_stack.undo()
    assert model.dataset().y_pred[3] == 59.0
    model.undo_stack.undo()
    assert model.dataset().y_pred.tobytes() == start.tobytes()


def test_window_undo_redo_actions_and_shortcuts(qtbot):
    window = MainWindow(demo_dataset("regression"))
    qtbot.addWidget(window)
    assert window.undo_action.shortcut() == QKeySequence(QKeySequence.StandardKey.Undo)
    assert QKeySequence("Ctrl+Shift+Z") in window.redo_action.shortcuts()
    before = window.model.dataset().y_pred.copy()
    window.model.replace_dataset(demo_dataset("binary"))
    window.model.set_cells(np.array([0]), np.array([1]), [0.5])
    window.undo_action.trigger()
    window.undo_action.trigger()
    assert window.model.dataset().task == "regression"
    assert window.model.dataset().y_pred.tobytes() == before.tobytes()
    window.redo_action.trigger()
    window.redo_action.trigger()
    assert window.model.dataset().task == "binary" and window.model.dataset().y_pred[0] == 0.5
