"""File ▸ Export Per-Row Losses (CSV) in a background thread: chunks, progress, cancel, errors, closing."""

import errno
import math
import os
import threading

import numpy as np
import pytest
from PySide6.QtCore import Qt

from lossexplorer.dataset import Dataset
from lossexplorer.gui import export, export_job
from lossexplorer.gui.export import ExportCancelled, ExportError, per_row_csv_bytes, per_row_snapshot
from lossexplorer.gui.export_job import CsvExportJob, cancel_all_exports, running_exports
from lossexplorer.gui.mainwindow import MainWindow

REGRESSION_LOSSES = ["mean_squared_error", "mean_absolute_error", "huber"]


# ----- data ---------------------------------------------------------------------------------------------------
def regression_data(n=53):
    rng = np.random.default_rng(7)
    y_true = rng.normal(0.0, 1000.0, n)
    # Numbers whose shortest text has very different lengths, so the chunks' byte widths differ.
    y_true[:6] = [0.0, -0.0, 1e-300, 1.5e15, 123456789.123, 2.0]
    y_pred = y_true + rng.normal(0.0, 3.0, n)
    return Dataset("regression", y_true, y_pred, source="toy.csv")


def multiclass_data(n=40):
    rng = np.random.default_rng(3)
    # The first rows are all of the short class, the last ones of the long quoted one.
    y_true = np.repeat([0, 1, 2], [15, 10, n - 25])
    logits = rng.normal(0.0, 1.0, (n, 3))
    probabilities = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    return Dataset("multiclass", y_true, probabilities, "probability", true_name="label",
                   pred_names=("p_a", "p_b", "p_c"), class_names=("a", "a much longer class name", 'big, "odd"'))


def frozen(data):
    """The data set with arrays of its own, as it is now."""
    return data.with_arrays(data.y_true.copy(), data.y_pred.copy())


def make_window(qtbot, data, losses=REGRESSION_LOSSES):
    window = MainWindow(data)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    window.loss_state.set_checked_ids(losses)
    return window


class Answers:
    """Stands in for the dialogs: the file to write, and a record of questions and errors."""

    def __init__(self, actions, path):
        self.path, self.errors, self.asked = str(path), [], []
        actions.choose_path = self.choose_path
        actions.show_error = self.errors.append

    def choose_path(self, caption, suggested, filters):
        self.asked.append(caption)
        return self.path


class Hold:
    """Holds the export's worker thread at its first chunk until the test lets it go.

    Only worker threads are held, so the test can still compute expected bytes in the GUI thread.
    """

    def __init__(self, monkeypatch, fail_at=None):
        self.started, self.release = threading.Event(), threading.Event()
        self.calls = 0
        self._fail_at = fail_at
        original = export._csv_body

        def held(columns):
            if threading.current_thread() is threading.main_thread():
                return original(columns)
            self.calls += 1
            if not self.started.is_set():
                self.started.set()
                assert self.release.wait(10), "the test never let the export go on"
            if self._fail_at is not None and self.calls == self._fail_at[0]:
                raise self._fail_at[1]
            return original(columns)

        monkeypatch.setattr(export, "_csv_body", held)

    def release_on_cancel(self, monkeypatch, job):
        """Let the worker go on exactly when the job is cancelled (and not before)."""
        cancel = job.cancel

        def cancel_then_release():
            cancel()
            self.release.set()

        monkeypatch.setattr(job, "cancel", cancel_then_release)


@pytest.fixture(autouse=True)
def no_export_left_running(qtbot):
    yield
    qtbot.waitUntil(lambda: not running_exports(), timeout=10000)


# ----- the chunked writer (no window) -------------------------------------------------------------------------
@pytest.mark.parametrize("chunk_rows", [1, 3, 7, 52, 53, 54, 10_000])
@pytest.mark.parametrize("kind", ["regression", "multiclass"])
def test_chunked_write_gives_the_bytes_of_the_one_pass_csv(tmp_path, kind, chunk_rows):
    data = regression_data() if kind == "regression" else multiclass_data()
    losses = REGRESSION_LOSSES if kind == "regression" else ["categorical_crossentropy", "categorical_hinge"]
    params = {"huber": {"delta": 0.5}}
    header, columns = per_row_snapshot(data, losses, params)
    fractions = []
    path = export.write_per_row_csv(tmp_path / "rows.csv", header, columns, progress=fractions.append,
                                    chunk_rows=chunk_rows)
    assert path.read_bytes() == per_row_csv_bytes(data, losses, params)
    assert len(fractions) == math.ceil(data.n_rows / chunk_rows)
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    assert os.listdir(tmp_path) == ["rows.csv"]


def test_snapshot_owns_its_truth_and_prediction_columns():
    data = multiclass_data()
    _header, columns = per_row_snapshot(data, ["categorical_crossentropy"])
    assert not any(np.may_share_memory(column, source) for column in columns
                   for source in (data.y_true, data.y_pred))
    before = [column.copy() for column in columns]
    data.y_pred[:] = 1.0 / 3.0  # the model edits its arrays in place like this
    data.y_true[:] = 0
    for column, old in zip(columns, before, strict=True):
        np.testing.assert_array_equal(column, old)


def test_a_cancelled_write_leaves_the_old_file_and_no_temporary_file(tmp_path):
    target = tmp_path / "rows.csv"
    target.write_bytes(b"old content\n")
    header, columns = per_row_snapshot(regression_data(), REGRESSION_LOSSES)
    asked = []

    def stop_after_two_chunks():
        asked.append(True)
        return len(asked) > 2

    with pytest.raises(ExportCancelled):
        export.write_per_row_csv(target, header, columns, should_cancel=stop_after_two_chunks, chunk_rows=5)
    assert target.read_bytes() == b"old content\n"
    assert os.listdir(tmp_path) == ["rows.csv"]


# ----- the window's action ------------------------------------------------------------------------------------
def test_window_export_in_many_chunks_is_byte_identical_and_shows_progress(qtbot, tmp_path, monkeypatch):
    monkeypatch.setattr(export, "CSV_CHUNK_ROWS", 4)
    data = regression_data()
    window = make_window(qtbot, data)
    window.loss_state.set_param("huber", "delta", 0.5)
    expected = per_row_csv_bytes(frozen(data), REGRESSION_LOSSES, {"huber": {"delta": 0.5}})
    actions = window.export_actions
    answers = Answers(actions, tmp_path / "rows.csv")
    shown = []
    with qtbot.waitSignal(actions.csv_export_finished, timeout=10000) as finished:
        job = actions.export_csv()
        assert isinstance(job, CsvExportJob)
        actions.csv_progress_box.bar.valueChanged.connect(shown.append)
        assert actions.csv_progress_box.isVisible()
        assert actions.csv_progress_box.label.text() == "Exporting rows.csv…"
    assert finished.args == [tmp_path / "rows.csv"]
    assert (tmp_path / "rows.csv").read_bytes() == expected
    assert os.listdir(tmp_path) == ["rows.csv"]
    assert answers.errors == []
    assert shown == sorted(shown) and len(shown) >= 5 and shown[-1] == export_job.PROGRESS_STEPS
    assert actions.csv_progress_box.bar.maximum() == export_job.PROGRESS_STEPS
    assert window.statusBar().currentMessage() == f"Per-row losses written to {tmp_path / 'rows.csv'}"
    assert not actions.csv_progress_box.isVisible()
    assert actions.export_csv_action.isEnabled() and actions.csv_job is None


def test_edits_while_exporting_work_and_leave_the_file_as_of_the_export(qtbot, tmp_path, monkeypatch):
    monkeypatch.setattr(export, "CSV_CHUNK_ROWS", 10)
    data = regression_data()
    window = make_window(qtbot, data)
    model = window.model
    expected = per_row_csv_bytes(frozen(model.dataset()), REGRESSION_LOSSES, {"huber": {"delta": 1.0}})
    actions = window.export_actions
    answers = Answers(actions, tmp_path / "rows.csv")
    hold = Hold(monkeypatch)
    job = actions.export_csv()
    qtbot.waitUntil(hold.started.is_set, timeout=10000)
    assert job.isRunning() and not actions.export_csv_action.isEnabled()

    # The window keeps working: edits of truth and prediction (in place in the model's arrays), undo, redo.
    model.set_cells(np.array([0, 40]), np.array([1, 1]), [123.5, -7.25])
    model.set_cells(np.array([2]), np.array([0]), [99.0])
    assert model.dataset().y_pred[0] == 123.5 and model.dataset().y_true[2] == 99.0
    window.undo_stack.undo()
    assert model.dataset().y_true[2] == data.y_true[2]
    window.undo_stack.redo()
    assert model.dataset().y_true[2] == 99.0
    # A second export is refused with one status line, without asking for a file.
    assert actions.export_csv() is None
    assert "still being exported" in window.statusBar().currentMessage()
    assert answers.asked == ["Export Per-Row Losses"]
    assert job.isRunning()

    with qtbot.waitSignal(actions.csv_export_finished, timeout=10000) as finished:
        hold.release.set()
    assert finished.args == [tmp_path / "rows.csv"]
    written = (tmp_path / "rows.csv").read_bytes()
    assert written == expected
    assert written != per_row_csv_bytes(model.dataset(), REGRESSION_LOSSES, {"huber": {"delta": 1.0}})
    assert actions.export_csv_action.isEnabled()


def test_cancel_button_stops_the_export_and_leaves_the_old_file(qtbot, tmp_path, monkeypatch):
    monkeypatch.setattr(export, "CSV_CHUNK_ROWS", 5)
    window = make_window(qtbot, regression_data())
    actions = window.export_actions
    target = tmp_path / "rows.csv"
    target.write_bytes(b"old content\n")
    answers = Answers(actions, target)
    hold = Hold(monkeypatch)
    actions.export_csv()
    qtbot.waitUntil(hold.started.is_set, timeout=10000)
    assert len(os.listdir(tmp_path)) == 2, "the export writes to a temporary file beside the target"
    with qtbot.waitSignal(actions.csv_export_finished, timeout=10000) as finished:
        qtbot.mouseClick(actions.csv_progress_box.cancel_button, Qt.MouseButton.LeftButton)
        hold.release.set()
    assert finished.args == [None]
    assert hold.calls == 1, "the worker stopped at the chunk after the cancel"
    assert target.read_bytes() == b"old content\n"
    assert os.listdir(tmp_path) == ["rows.csv"]
    assert answers.errors == []
    assert window.statusBar().currentMessage() == "Stopped exporting per-row losses; rows.csv was not written"
    assert not actions.csv_progress_box.isVisible() and actions.export_csv_action.isEnabled()


@pytest.mark.parametrize("where", ["folder_missing", "target_is_a_folder"])
def test_unwritable_path_gives_one_error_line_and_no_file(qtbot, tmp_path, where):
    window = make_window(qtbot, regression_data())
    actions = window.export_actions
    if where == "folder_missing":
        path, reason = tmp_path / "missing" / "rows.csv", "does not exist"
    else:
        path, reason = tmp_path / "rows.csv", "is a folder"
        path.mkdir()
    before = sorted(os.listdir(tmp_path))
    answers = Answers(actions, path)
    with qtbot.waitSignal(actions.csv_export_finished, timeout=10000) as finished:
        actions.export_csv_action.trigger()
    assert finished.args == [None]
    assert len(answers.errors) == 1
    assert "\n" not in answers.errors[0] and reason in answers.errors[0] and str(path) in answers.errors[0]
    assert sorted(os.listdir(tmp_path)) == before
    assert actions.export_csv_action.isEnabled() and not actions.csv_progress_box.isVisible()


@pytest.mark.parametrize("error, words", [(OSError(errno.ENOSPC, "No space left on device"), "the disk is full"),
                                          (MemoryError("no room for the chunk"), "MemoryError: no room")])
def test_failure_part_way_leaves_the_old_file_and_no_temporary_file(qtbot, tmp_path, monkeypatch, error, words):
    monkeypatch.setattr(export, "CSV_CHUNK_ROWS", 5)
    window = make_window(qtbot, regression_data())
    actions = window.export_actions
    target = tmp_path / "rows.csv"
    target.write_bytes(b"old content\n")
    answers = Answers(actions, target)
    hold = Hold(monkeypatch, fail_at=(3, error))
    hold.release.set()
    with qtbot.waitSignal(actions.csv_export_finished, timeout=10000) as finished:
        actions.export_csv()
    assert finished.args == [None]
    assert len(answers.errors) == 1 and "\n" not in answers.errors[0] and words in answers.errors[0]
    assert target.read_bytes() == b"old content\n"
    assert os.listdir(tmp_path) == ["rows.csv"]


def test_no_applicable_loss_is_reported_at_once(qtbot, tmp_path):
    window = make_window(qtbot, regression_data(), losses=["binary_crossentropy"])
    actions = window.export_actions
    answers = Answers(actions, tmp_path / "rows.csv")
    with qtbot.waitSignal(actions.csv_export_finished, timeout=1000) as finished:
        assert actions.export_csv() is None
    assert finished.args == [None]
    assert answers.errors == ["no checked loss applies to regression data (checked: binary_crossentropy)"]
    assert os.listdir(tmp_path) == []


def test_closing_the_window_mid_export_stops_it_and_waits(qtbot, tmp_path, monkeypatch):
    monkeypatch.setattr(export, "CSV_CHUNK_ROWS", 5)
    window = make_window(qtbot, regression_data())
    actions = window.export_actions
    Answers(actions, tmp_path / "rows.csv")
    hold = Hold(monkeypatch)
    job = actions.export_csv()
    hold.release_on_cancel(monkeypatch, job)
    qtbot.waitUntil(hold.started.is_set, timeout=10000)
    with qtbot.waitSignal(actions.csv_export_finished, timeout=10000) as finished:
        assert window.close()
        # close() returns only once the worker has stopped and removed its temporary file.
        assert job.isFinished()
        assert os.listdir(tmp_path) == []
    assert finished.args == [None]
    assert hold.calls == 1
    assert not window.isVisible()


def test_a_refused_close_leaves_the_export_running(qtbot, tmp_path, monkeypatch):
    from lossexplorer.gui import session_actions

    data = regression_data(n=12)
    window = make_window(qtbot, data)
    window.model.set_cells(np.array([0]), np.array([1]), [5.0])  # unsaved changes: closing asks first
    expected = per_row_csv_bytes(frozen(window.model.dataset()), REGRESSION_LOSSES)
    actions = window.export_actions
    Answers(actions, tmp_path / "rows.csv")
    hold = Hold(monkeypatch)
    job = actions.export_csv()
    qtbot.waitUntil(hold.started.is_set, timeout=10000)
    monkeypatch.setattr(session_actions, "ask_unsaved", lambda _parent, _name: "cancel")
    assert not window.close()
    assert window.isVisible() and not job.is_cancelled()
    with qtbot.waitSignal(actions.csv_export_finished, timeout=10000) as finished:
        hold.release.set()
    assert finished.args == [tmp_path / "rows.csv"]
    assert (tmp_path / "rows.csv").read_bytes() == expected
    monkeypatch.setattr(session_actions, "ask_unsaved", lambda _parent, _name: "discard")


def test_quitting_cancels_every_running_export(qtbot, tmp_path, monkeypatch):
    monkeypatch.setattr(export, "CSV_CHUNK_ROWS", 5)
    header, columns = per_row_snapshot(regression_data(), REGRESSION_LOSSES)
    hold = Hold(monkeypatch)
    job = CsvExportJob(str(tmp_path / "rows.csv"), header, columns)
    outcomes = []
    job.written.connect(lambda path: outcomes.append(path))
    job.cancelled.connect(lambda: outcomes.append("cancelled"))
    hold.release_on_cancel(monkeypatch, job)
    job.start_job()
    qtbot.waitUntil(hold.started.is_set, timeout=10000)
    assert running_exports() == [job]
    cancel_all_exports()
    assert job.isFinished()
    assert os.listdir(tmp_path) == []
    qtbot.waitUntil(lambda: outcomes == ["cancelled"], timeout=10000)


def test_errors_of_the_writer_are_export_errors(tmp_path):
    header, columns = per_row_snapshot(regression_data(), REGRESSION_LOSSES)
    with pytest.raises(ExportError, match="does not exist"):
        export.write_per_row_csv(tmp_path / "nowhere" / "rows.csv", header, columns)


def test_a_window_deleted_without_closing_cancels_its_export(qtbot, tmp_path, monkeypatch):
    import shiboken6

    monkeypatch.setattr(export, "CSV_CHUNK_ROWS", 5)
    window = MainWindow(regression_data())
    window.loss_state.set_checked_ids(REGRESSION_LOSSES)
    Answers(window.export_actions, tmp_path / "rows.csv")
    hold = Hold(monkeypatch)
    job = window.export_actions.export_csv()
    qtbot.waitUntil(hold.started.is_set, timeout=10000)
    shiboken6.delete(window)
    assert job.is_cancelled()
    hold.release.set()
    qtbot.waitUntil(lambda: not running_exports(), timeout=10000)
    assert hold.calls == 1
    assert os.listdir(tmp_path) == []
