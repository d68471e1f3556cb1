"""File ▸ Open, Open Recent, dropped files and the background load: the data changes only on success."""

from __future__ import annotations

import threading
import warnings
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QTimer, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QMessageBox

from lossexplorer import csvio
from lossexplorer.csvio import ColumnMapping
from lossexplorer.demo import demo_dataset
from lossexplorer.gui import loader, open_actions, settings
from lossexplorer.gui.mainwindow import MainWindow
from lossexplorer.gui.mapping_dialog import MappingDialog

DATA = Path(__file__).resolve().parent.parent / "data"


@pytest.fixture
def window(shown_window, qtbot):
    yield shown_window
    loader.cancel_all_loads()
    qtbot.waitUntil(lambda: not loader.running_loads())


class Recorder:
    """A scripted question that records what it was asked."""

    def __init__(self, answer):
        self.answer, self.calls, self.keywords = answer, [], []

    def __call__(self, *args, **keywords):
        self.calls.append(args)
        self.keywords.append(keywords)
        return self.answer(*args) if callable(self.answer) else self.answer


def accept_guess(_parent, preview):
    return preview.mapping, False


def snapshot(window):
    data = window.model.dataset()
    return data.task, data.source, data.y_true.copy(), data.y_pred.copy(), window.undo_stack.index()


def assert_unchanged(window, before):
    task, source, y_true, y_pred, steps = snapshot(window)
    assert (task, source, steps) == (before[0], before[1], before[4])
    np.testing.assert_array_equal(y_true, before[2])
    np.testing.assert_array_equal(y_pred, before[3])


def outcomes_of(window):
    seen: list[str] = []
    window.open_actions.load_finished.connect(seen.append)
    return seen


@pytest.fixture
def gate(monkeypatch):
    """Hold the first load's thread at the door until the test opens it, so a cancel lands deterministically."""
    door = threading.Event()
    real = csvio.load_csv
    calls = []

    def gated(*args, **kwargs):
        calls.append(args[0])
        if len(calls) == 1:
            door.wait(10)
        return real(*args, **kwargs)

    monkeypatch.setattr(csvio, "load_csv", gated)
    yield door
    door.set()


# ----- the actions -------------------------------------------------------------------------------
def test_open_and_open_recent_lead_the_file_menu(window):
    texts = [action.text() for action in window.menu("File").actions()]
    assert texts[:2] == ["&Open…", "Open &Recent"]
    assert window.open_actions.open_action.shortcut().toString() == "Ctrl+O"
    assert window.acceptDrops()


def test_open_loads_the_chosen_file_in_the_background(window, qtbot):
    path = str(DATA / "multiclass_names.csv")
    controller = window.open_actions
    controller.ask_open_path = Recorder(path)
    controller.ask_mapping = Recorder(accept_guess)
    before = snapshot(window)
    with qtbot.waitSignal(controller.load_finished, timeout=10000) as finished:
        assert controller.open_dialog()
        assert controller.progress_box.isVisible()
    assert finished.args == ["loaded"]
    data = window.model.dataset()
    assert (data.task, data.source, data.class_names) == ("multiclass", path, ("cat", "dog", "bird"))
    np.testing.assert_array_equal(data.y_true, [0, 1, 2, 1])
    np.testing.assert_array_equal(data.y_pred[2], [0.2, 0.2, 0.6])
    assert not controller.progress_box.isVisible()
    assert settings.recent_files()[0] == str(Path(path).resolve())
    assert window.windowTitle().startswith("[*]multiclass_names.csv")
    preview = controller.ask_mapping.calls[0][1]
    assert preview.columns == ("image", "label", "prob_cat", "prob_dog", "prob_bird")
    window.undo_stack.undo()
    assert_unchanged(window, before)


def test_the_mapping_chosen_in_the_dialog_is_the_one_loaded(window, qtbot):
    mapping = ColumnMapping("regression", "prob", ("label",), "value")
    window.open_actions.ask_mapping = Recorder((mapping, False))
    with qtbot.waitSignal(window.open_actions.load_finished, timeout=10000):
        window.open_actions.open_path(str(DATA / "binary_probabilities.csv"))
    data = window.model.dataset()
    assert (data.task, data.true_name, data.pred_names) == ("regression", "prob", ("label",))
    np.testing.assert_array_equal(data.y_pred, [0, 1, 1, 0, 1, 0])


def test_cancelling_the_file_or_mapping_question_changes_nothing(window):
    controller = window.open_actions
    before = snapshot(window)
    controller.ask_open_path = Recorder("")
    assert not controller.open_dialog()
    controller.ask_mapping = Recorder(None)
    assert not controller.open_path(str(DATA / "regression_comma.csv"))
    assert controller.job is None
    assert_unchanged(window, before)


def test_unsaved_changes_can_stop_an_open(window):
    window.model.set_cells(np.array([0]), np.array([1]), [5.5])
    window.session.ask_unsaved = Recorder("cancel")
    window.open_actions.ask_mapping = Recorder(accept_guess)
    assert not window.open_actions.open_path(str(DATA / "regression_comma.csv"))
    assert window.open_actions.ask_mapping.calls == []
    assert window.model.dataset().y_pred[0] == 5.5


def test_a_session_file_is_handed_to_the_session_controller(window, monkeypatch):
    opened = Recorder(True)
    monkeypatch.setattr(open_actions, "open_session", opened)
    window.open_actions.ask_open_path = Recorder("/somewhere/work.lossx")
    assert window.open_actions.open_dialog()
    assert opened.calls == [(window, "/somewhere/work.lossx")]
    assert opened.keywords == [{"confirm": False}], "the guard was asked before the file dialog"


# ----- failures ----------------------------------------------------------------------------------
def test_a_bad_row_is_named_and_the_data_stays(window, qtbot):
    controller = window.open_actions
    controller.ask_mapping = Recorder(accept_guess)
    controller.ask_after_error = Recorder(False)
    before = snapshot(window)
    with qtbot.waitSignal(controller.load_finished, timeout=10000) as finished:
        controller.open_path(str(DATA / "bad" / "non_numeric.csv"))
    assert finished.args == ["failed"]
    assert_unchanged(window, before)
    (_parent, title, message, can_skip), = controller.ask_after_error.calls
    assert title == "Cannot open non_numeric.csv"
    assert message == 'line 17, column "y_pred": "abc" is not a number'
    assert can_skip
    assert controller.last_problem == message
    assert not controller.progress_box.isVisible()


def test_skipping_bad_rows_after_an_error_loads_the_rest(window, qtbot):
    controller = window.open_actions
    controller.ask_mapping = Recorder(accept_guess)
    controller.ask_after_error = Recorder(True)
    seen = outcomes_of(window)
    controller.open_path(str(DATA / "bad" / "non_numeric.csv"))
    qtbot.waitUntil(lambda: seen == ["failed", "loaded"], timeout=10000)
    data = window.model.dataset()
    assert data.n_rows == 16
    assert data.y_pred[-1] == 9.5
    assert "skipped 1 bad rows" in controller.last_problem
    assert 'line 17, column "y_pred": "abc" is not a number' in controller.last_problem


def test_a_file_that_is_not_a_table_is_refused_before_loading(window):
    controller = window.open_actions
    controller.ask_mapping = Recorder(accept_guess)
    controller.ask_after_error = Recorder(True)
    before = snapshot(window)
    assert not controller.open_path(str(DATA / "bad" / "gzip_renamed.csv"))
    assert controller.job is None and controller.ask_mapping.calls == []
    (_parent, _title, message, can_skip), = controller.ask_after_error.calls
    assert message == '"gzip_renamed.csv" looks like a gzip file, not a CSV table'
    assert not can_skip
    assert_unchanged(window, before)


def test_a_file_level_problem_found_while_loading_offers_no_skipping(window, qtbot):
    controller = window.open_actions
    controller.ask_after_error = Recorder(True)
    mapping = ColumnMapping("regression", "y_true", ("y_pred",), "value")
    before = snapshot(window)
    with qtbot.waitSignal(controller.load_finished, timeout=10000) as finished:
        controller.start_load(str(DATA / "bad" / "empty.csv"), mapping)
    assert finished.args == ["failed"]
    assert controller.ask_after_error.calls[0][3] is False
    assert controller.job is None
    assert_unchanged(window, before)


# ----- cancelling --------------------------------------------------------------------------------
def test_cancel_stops_the_load_and_the_data_stays(window, qtbot, gate):
    controller = window.open_actions
    controller.ask_mapping = Recorder(accept_guess)
    before = snapshot(window)
    seen = outcomes_of(window)
    assert controller.open_path(str(DATA / "regression_comma.csv"))
    assert controller.progress_box.isVisible() and controller.is_loading()
    qtbot.mouseClick(controller.progress_box.cancel_button, Qt.MouseButton.LeftButton)
    gate.set()
    qtbot.waitUntil(lambda: seen == ["cancelled"], timeout=10000)
    assert_unchanged(window, before)
    assert not controller.progress_box.isVisible()
    assert not controller.is_loading()
    assert "the data is unchanged" in window.statusBar().currentMessage()


def test_a_newer_open_supersedes_a_running_load(window, qtbot, gate):
    controller = window.open_actions
    controller.ask_mapping = Recorder(accept_guess)
    seen = outcomes_of(window)
    controller.open_path(str(DATA / "regression_comma.csv"))
    first = controller.job
    controller.open_path(str(DATA / "regression_pipe.txt"))
    gate.set()
    qtbot.waitUntil(lambda: seen == ["loaded"], timeout=10000)
    assert first.is_cancelled()
    assert window.model.dataset().true_name == "y"
    qtbot.waitUntil(lambda: not loader.running_loads(), timeout=10000)
    assert seen == ["loaded"], "the superseded load reports nothing"


def test_progress_rises_while_a_big_file_loads(window, qtbot, tmp_path, monkeypatch):
    monkeypatch.setattr(csvio, "CHUNK_LINES", 2000)
    path = tmp_path / "big.csv"
    rows = np.column_stack([np.arange(40_000) * 0.5, np.arange(40_000) * 0.25])
    np.savetxt(path, rows, delimiter=",", header="y_true,y_pred", comments="", fmt="%.2f")
    controller = window.open_actions
    controller.ask_mapping = Recorder(accept_guess)
    shown: list[int] = []
    controller.progress_box.bar.valueChanged.connect(shown.append)
    with qtbot.waitSignal(controller.load_finished, timeout=20000):
        controller.open_path(str(path))
    assert window.model.dataset().n_rows == 40_000
    assert window.model.dataset().y_pred[-1] == 39_999 * 0.25
    assert shown == sorted(shown) and len(shown) >= 5
    assert shown[-1] == loader.PROGRESS_STEPS


def test_closing_the_window_during_a_load_is_safe(qtbot, gate):
    window = MainWindow(demo_dataset("regression"))
    window.open_actions.ask_mapping = Recorder(accept_guess)
    window.open_actions.open_path(str(DATA / "regression_comma.csv"))
    window.close()
    window.deleteLater()
    qtbot.waitUntil(lambda: not window.isVisible())
    gate.set()
    qtbot.waitUntil(lambda: not loader.running_loads(), timeout=10000)


# ----- recent files ------------------------------------------------------------------------------
def test_recent_menu_lists_and_reopens_files(window, qtbot):
    controller = window.open_actions
    controller.ask_mapping = Recorder(accept_guess)
    path = str((DATA / "regression_tab.tsv").resolve())
    with qtbot.waitSignal(controller.load_finished, timeout=10000):
        controller.open_path(path)
    window.undo_stack.undo()
    controller.fill_recent_menu()
    entries = [action for action in controller.recent_menu.actions() if action.data()]
    assert [action.data() for action in entries] == [path]
    assert entries[0].text() == "&1 regression_tab.tsv"
    with qtbot.waitSignal(controller.load_finished, timeout=10000):
        entries[0].trigger()
    assert window.model.dataset().true_name == "actual"


def test_a_vanished_recent_file_is_reported_and_forgotten(window, tmp_path):
    gone = tmp_path / "gone.csv"
    settings.add_recent_file(gone)
    controller = window.open_actions
    controller.ask_after_error = Recorder(False)
    before = snapshot(window)
    controller.fill_recent_menu()
    entry = next(action for action in controller.recent_menu.actions() if action.data())
    entry.trigger()
    assert controller.ask_after_error.calls[0][2] == f'no such file: "{gone}"'
    assert settings.recent_files() == []
    assert_unchanged(window, before)


def test_clear_menu_forgets_recent_files(window):
    settings.add_recent_file(DATA / "regression_comma.csv")
    controller = window.open_actions
    controller.fill_recent_menu()
    clear = next(a for a in controller.recent_menu.actions() if a.objectName() == "clearRecentAction")
    clear.trigger()
    assert settings.recent_files() == []
    controller.fill_recent_menu()
    assert not any(action.data() for action in controller.recent_menu.actions())


# ----- dropping files ----------------------------------------------------------------------------
def drag_and_drop(window, mime):
    # PySide6 6.12 offers QDragEnterEvent only with the QPoint constructor Qt deprecated (no QPointF one yet).
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        enter = QDragEnterEvent(QPoint(30, 30), Qt.DropAction.CopyAction, mime,
                                Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(window, enter)
    if not enter.isAccepted():
        return False
    drop = QDropEvent(QPointF(30, 30), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                      Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(window, drop)
    return drop.isAccepted()


def file_mime(*paths):
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path)) for path in paths])
    return mime


def test_dropping_a_file_opens_it(window, qtbot):
    window.open_actions.ask_mapping = Recorder(accept_guess)
    with qtbot.waitSignal(window.open_actions.load_finished, timeout=10000) as finished:
        assert drag_and_drop(window, file_mime(DATA / "binary_logits.csv"))
    assert finished.args == ["loaded"]
    data = window.model.dataset()
    assert (data.task, data.pred_kind) == ("binary", "logit")
    np.testing.assert_array_equal(data.y_pred, [-2.5, 3.25, -0.5, 1.75])


def test_dropping_a_bad_file_leaves_the_data(window, qtbot):
    window.open_actions.ask_mapping = Recorder(accept_guess)
    window.open_actions.ask_after_error = Recorder(False)
    before = snapshot(window)
    with qtbot.waitSignal(window.open_actions.load_finished, timeout=10000) as finished:
        assert drag_and_drop(window, file_mime(DATA / "bad" / "probability_above_one.csv"))
    assert finished.args == ["failed"]
    assert window.open_actions.ask_after_error.calls[0][2] == (
        'line 10, column "prob": probability 1.7 is outside [0, 1]'
    )
    assert_unchanged(window, before)


def test_dropping_text_or_a_folder_is_refused(window, qtbot):
    window.open_actions.ask_mapping = Recorder(accept_guess)
    text = QMimeData()
    text.setText("1,2\n3,4")
    assert not drag_and_drop(window, text)
    assert not drag_and_drop(window, file_mime(DATA))
    qtbot.wait(10)
    assert window.open_actions.ask_mapping.calls == []


# ----- the real dialogs, driven without blocking ------------------------------------------------
def click_when_modal(qtbot, choose):
    """Once a modal dialog is up, let ``choose`` click in it (the dialog's exec() is running meanwhile)."""

    def attempt():
        dialog = QApplication.activeModalWidget()
        if dialog is None:
            QTimer.singleShot(10, attempt)
            return
        choose(dialog)

    QTimer.singleShot(0, attempt)


def test_the_mapping_dialog_is_shown_and_its_choice_loaded(window, qtbot):
    def choose(dialog):
        assert isinstance(dialog, MappingDialog)
        dialog.task_box.setCurrentIndex(dialog.task_box.findData("multiclass"))
        dialog.kind_box.setCurrentIndex(dialog.kind_box.findData("logit"))
        qtbot.mouseClick(dialog.open_button, Qt.MouseButton.LeftButton)

    click_when_modal(qtbot, choose)
    with qtbot.waitSignal(window.open_actions.load_finished, timeout=10000):
        assert window.open_actions.open_path(str(DATA / "multiclass_index.csv"))
    data = window.model.dataset()
    assert (data.task, data.pred_kind) == ("multiclass", "logit")


def test_the_error_box_offers_to_skip_bad_rows(window, qtbot):
    window.open_actions.ask_mapping = Recorder(accept_guess)
    seen = outcomes_of(window)
    texts: list[str] = []

    def choose(box):
        assert isinstance(box, QMessageBox)
        texts.append(box.text())
        skip = next(button for button in box.buttons() if button.text() == "&Skip Bad Rows")
        skip.click()

    click_when_modal(qtbot, choose)
    window.open_actions.open_path(str(DATA / "bad" / "nan_cell.csv"))
    qtbot.waitUntil(lambda: seen == ["failed", "loaded"], timeout=10000)
    assert texts == ['line 4, column "y_true": "NaN" is NaN, a missing value']
    np.testing.assert_array_equal(window.model.dataset().y_true, [1, 2])


def test_the_real_file_dialog_can_be_cancelled(window, qtbot):
    before = snapshot(window)
    click_when_modal(qtbot, lambda dialog: dialog.reject())
    assert not window.open_actions.open_dialog()
    assert_unchanged(window, before)
