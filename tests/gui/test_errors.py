"""Unexpected exceptions: a dialog with a copyable traceback, a log file, and an app that keeps running.

pytest-qt normally captures exceptions raised in slots and virtual methods by replacing ``sys.excepthook``
during each test; ``qt_no_exception_capture`` turns that off so the app's own hook is the one that runs.
"""

import sys

import numpy as np
import pytest
from PySide6.QtCore import QObject, QTimer, Slot
from PySide6.QtWidgets import QPlainTextEdit, QTextEdit

from lossexplorer.gui import errors
from lossexplorer.gui.errors import ErrorReporter, install_excepthook, log_path


class Exploding(QObject):
    """A slot with a bug in it."""

    def __init__(self, window):
        super().__init__(window)
        self.window = window

    @Slot()
    def explode(self):
        self.window.model.dataset()
        raise ZeroDivisionError("the loss went to infinity")


@pytest.fixture
def window(make_window):
    return make_window()


@pytest.fixture
def reporter(window, monkeypatch):
    reporter = ErrorReporter(lambda: window)
    monkeypatch.setattr(sys, "excepthook", reporter)
    return reporter


def _details_widget(dialog):
    return [w for w in dialog.findChildren(QTextEdit) + dialog.findChildren(QPlainTextEdit)
            if "Traceback" in w.toPlainText()]


@pytest.mark.qt_no_exception_capture
def test_an_exception_in_a_slot_shows_a_dialog_logs_it_and_the_app_goes_on(window, reporter, qtbot):
    before = window.model.dataset().y_pred.copy()
    bomb = Exploding(window)
    action = window.add_action("Help", "Explode", bomb.explode, None, "explodeAction")
    action.trigger()

    dialog = reporter.dialog
    assert dialog is not None and dialog.isVisible()
    assert "ZeroDivisionError: the loss went to infinity" in dialog.text()
    assert "\n" not in dialog.text()
    assert "Traceback" in dialog.detailedText() and "in explode" in dialog.detailedText()
    shown = _details_widget(dialog)
    assert shown and all(widget.isReadOnly() for widget in shown)
    assert str(log_path()) in dialog.informativeText()
    log = log_path().read_text(encoding="utf-8")
    assert "ZeroDivisionError: the loss went to infinity" in log and "in explode" in log

    # The data is intact and the app still works.
    assert window.model.dataset().y_pred.tobytes() == before.tobytes()
    window.model.set_cells(np.array([0]), np.array([1]), [2.5])
    assert window.model.dataset().y_pred[0] == 2.5
    dialog.accept()
    qtbot.waitUntil(lambda: reporter.dialog is None)


@pytest.mark.qt_no_exception_capture
def test_an_exception_from_the_event_loop_is_reported(window, reporter, qtbot):
    bomb = Exploding(window)
    QTimer.singleShot(0, bomb.explode)
    qtbot.waitUntil(lambda: reporter.count == 1)
    assert reporter.dialog is not None and "ZeroDivisionError" in reporter.dialog.text()


@pytest.mark.qt_no_exception_capture
def test_errors_while_the_dialog_is_open_join_it(window, reporter):
    bomb = Exploding(window)
    bomb.explode_action = window.add_action("Help", "Explode", bomb.explode, None, "explodeAction")
    bomb.explode_action.trigger()
    first = reporter.dialog
    bomb.explode_action.trigger()
    assert reporter.dialog is first
    assert "2 unexpected errors" in first.text()
    assert first.detailedText().count("ZeroDivisionError: the loss went to infinity") == 2
    assert log_path().read_text(encoding="utf-8").count("ZeroDivisionError: the loss went to infinity") == 2


def test_the_log_rolls_over_instead_of_growing_forever(monkeypatch):
    monkeypatch.setattr(errors, "MAX_LOG_BYTES", 200)
    for number in range(5):
        errors.write_log(f"Traceback (most recent call last):\nValueError: number {number}\n" + "x" * 100)
    assert log_path().stat().st_size < 600
    assert "number 4" in log_path().read_text(encoding="utf-8")
    assert log_path().with_name(log_path().name + ".1").is_file()


def test_an_unwritable_log_still_shows_the_error(window, monkeypatch, tmp_path):
    blocker = tmp_path / "file-not-folder"
    blocker.write_text("")
    monkeypatch.setenv("LOSSEXPLORER_DATA_DIR", str(blocker))
    reporter = ErrorReporter(lambda: window)
    try:
        raise RuntimeError("disk trouble")
    except RuntimeError as error:
        reporter(type(error), error, error.__traceback__)
    assert "could not be written" in reporter.dialog.informativeText()
    reporter.dialog.accept()


def test_keyboard_interrupt_goes_to_python(monkeypatch):
    seen = []
    monkeypatch.setattr(sys, "__excepthook__", lambda *args: seen.append(args[0]))
    reporter = ErrorReporter(lambda: None)
    reporter(KeyboardInterrupt, KeyboardInterrupt(), None)
    assert seen == [KeyboardInterrupt] and reporter.count == 0


def test_install_replaces_sys_excepthook(monkeypatch):
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    reporter = install_excepthook(lambda: None)
    assert sys.excepthook is reporter


def test_one_line_shortens_long_and_multi_line_messages():
    assert errors.one_line(ValueError("first\nsecond")) == "ValueError: first"
    assert errors.one_line(KeyError()) == "KeyError"
    long = errors.one_line(RuntimeError("x" * 1000))
    assert len(long) == errors.MAX_MESSAGE_LENGTH and long.endswith("…")
