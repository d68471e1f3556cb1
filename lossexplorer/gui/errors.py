"""Unexpected exceptions: log them, show them with a copyable traceback, and keep the app running.

:func:`install_excepthook` replaces ``sys.excepthook``. PySide6 hands exceptions raised in slots and in
overridden virtual methods to that hook and then carries on with the event loop, so the data (held by the
table model, whose undo commands finish or do not start) stays as it was. The hook appends the traceback
to ``lossexplorer-errors.log`` in the data folder and shows one non-blocking dialog whose details hold the
traceback; further errors while it is open are appended to it rather than stacking dialogs.
"""

from __future__ import annotations

import contextlib
import sys
import traceback
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from types import TracebackType

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from lossexplorer import __version__
from lossexplorer.gui import settings

LOG_NAME = "lossexplorer-errors.log"
MAX_LOG_BYTES = 1_000_000
MAX_MESSAGE_LENGTH = 300

ExceptHook = Callable[[type[BaseException], BaseException, TracebackType | None], object]


def log_path() -> Path:
    """The error log in the user's data folder."""
    return settings.data_dir() / LOG_NAME


def write_log(details: str) -> Path | None:
    """Append a time-stamped traceback to the error log; return its path, or None if it cannot be written.

    A log past :data:`MAX_LOG_BYTES` is moved to ``<name>.1`` first, so it never grows without bound.
    """
    path = log_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.exists() and path.stat().st_size > MAX_LOG_BYTES:
            path.replace(path.with_name(path.name + ".1"))
        stamp = datetime.now().isoformat(timespec="seconds")
        with path.open("a", encoding="utf-8") as handle:
            handle.write(f"===== {stamp} lossexplorer {__version__}\n{details.rstrip()}\n\n")
    except OSError:
        return None
    return path


def one_line(error: BaseException) -> str:
    """The exception as one short line: its type and the first line of its message."""
    text = str(error).strip().splitlines()[0] if str(error).strip() else ""
    line = f"{type(error).__name__}: {text}" if text else type(error).__name__
    return line if len(line) <= MAX_MESSAGE_LENGTH else line[:MAX_MESSAGE_LENGTH - 1] + "…"


class ErrorReporter:
    """The ``sys.excepthook`` of the app: log, then show a dialog with a copyable traceback.

    Args:
        parent: returns the widget to parent the dialog to (the main window), or None.
    """

    def __init__(self, parent: Callable[[], QWidget | None] | None = None) -> None:
        self._parent = parent or QApplication.activeWindow
        self.dialog: QMessageBox | None = None
        self.count = 0
        self._busy = False

    def __call__(self, kind: type[BaseException], error: BaseException, tb: TracebackType | None) -> None:
        """Handle one uncaught exception."""
        if issubclass(kind, KeyboardInterrupt | SystemExit):
            sys.__excepthook__(kind, error, tb)
            return
        details = "".join(traceback.format_exception(kind, error, tb))
        sys.stderr.write(details)
        log = write_log(details)
        self.count += 1
        if self._busy or QApplication.instance() is None:
            return
        # A failure while showing the dialog must not call this hook again and again.
        self._busy = True
        try:
            self._show(one_line(error), details, log)
        finally:
            self._busy = False

    def _show(self, message: str, details: str, log: Path | None) -> None:
        if self.dialog is not None and self.dialog.isVisible():
            self.dialog.setText(f"{self.count} unexpected errors occurred. The latest: {message}")
            self.dialog.setDetailedText(f"{self.dialog.detailedText()}\n{details}")
            return
        where = f"The details were written to {log}." if log else "The details could not be written to a log file."
        box = QMessageBox(QMessageBox.Icon.Critical, "Unexpected error", f"An unexpected error occurred: {message}",
                          QMessageBox.StandardButton.Ok, self._parent())
        box.setObjectName("unexpectedErrorDialog")
        box.setInformativeText(f"Your data is unchanged and you can keep working. {where}")
        box.setDetailedText(details)
        box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.finished.connect(self._forget_dialog)
        self.dialog = box
        box.open()

    def _forget_dialog(self) -> None:
        self.dialog = None
        self.count = 0


def install_excepthook(parent: Callable[[], QWidget | None] | None = None) -> ErrorReporter:
    """Make an :class:`ErrorReporter` the process's ``sys.excepthook`` and return it."""
    reporter = ErrorReporter(parent)
    sys.excepthook = reporter
    return reporter


def uninstall_excepthook() -> None:
    """Put Python's own exception hook back."""
    with contextlib.suppress(AttributeError):
        sys.excepthook = sys.__excepthook__
