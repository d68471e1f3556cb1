"""File ▸ Save, Save As and Open Session; the unsaved-changes guard; the window title; remembered settings.

:func:`install_session_actions` (one call at the end of ``MainWindow.__init__``) attaches a
:class:`SessionController` as ``window.session``. Other modules use the functions at the bottom:

* :func:`confirm_discard` before replacing the data (the CSV Open calls it): asks Save, Discard or Cancel
  when there are unsaved changes and returns whether to go ahead.
* :func:`open_session` to open a ``.lossx`` file (the CSV Open dialog hands such files over).
* :func:`start_interactive` at start-up (``app.run`` calls it, not for screenshots): the exception hook,
  remembered geometry, dock state and loss selection, and the offer to restore work after a crash.

The questions and file dialogs are attributes of the controller (``ask_unsaved``, ``ask_save_path``,
``ask_open_path``) so tests answer them without a modal dialog; by default they look up the module-level
functions of the same name at call time.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path

import shiboken6
from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Slot
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from lossexplorer.gui import settings
from lossexplorer.gui.recovery import Autosaver
from lossexplorer.session import SUFFIX, VIEWS, Session, SessionError, read_session, write_session

FILE_FILTER = f"Loss Explorer sessions (*{SUFFIX});;All files (*)"


# ----- the questions (replaceable in tests) ------------------------------------------------------
def ask_unsaved(parent: QWidget, name: str) -> str:
    """Ask what to do with unsaved changes: ``"save"``, ``"discard"`` or ``"cancel"``."""
    buttons = (QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard
               | QMessageBox.StandardButton.Cancel)
    box = QMessageBox(QMessageBox.Icon.Warning, "Unsaved changes", f"Save the changes to {name}?", buttons, parent)
    box.setInformativeText("Your changes are lost if you don't save them.")
    box.setDefaultButton(QMessageBox.StandardButton.Save)
    answer = box.exec()
    if answer == QMessageBox.StandardButton.Save:
        return "save"
    return "discard" if answer == QMessageBox.StandardButton.Discard else "cancel"


def ask_save_path(parent: QWidget, suggestion: str) -> str:
    """Ask where to save a session; ``""`` if cancelled."""
    path, _filter = QFileDialog.getSaveFileName(parent, "Save Session", suggestion, FILE_FILTER)
    return path


def ask_open_path(parent: QWidget, folder: str) -> str:
    """Ask which session to open; ``""`` if cancelled."""
    path, _filter = QFileDialog.getOpenFileName(parent, "Open Session", folder, FILE_FILTER)
    return path


def report_problem(parent: QWidget, message: str) -> None:
    """Show a one-line problem in a non-blocking warning box."""
    box = QMessageBox(QMessageBox.Icon.Warning, "Loss Explorer", message, QMessageBox.StandardButton.Ok, parent)
    box.setObjectName("sessionProblemBox")
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.open()


class SessionController(QObject):
    """Owns the document: its session file path, the modified state, saving, opening and the close guard.

    Attributes:
        ask_unsaved, ask_save_path, ask_open_path, report_problem: the questions and the problem box;
            replace them in tests (None means the module function of the same name, looked up at call time).
        remember_settings (bool): write geometry, dock state and loss selection to the settings on close
            (set by :func:`start_interactive`; off for screenshots and tests).
        last_problem (str): the last one-line problem reported (a refused open or a failed save).
        autosaver (Autosaver): writes the recovery file while there are unsaved changes.
    """

    def __init__(self, window: QWidget) -> None:
        super().__init__(window)
        self.setObjectName("sessionController")
        self._window = window
        self._path = ""
        self._path_source: str | None = None
        self._extras_modified = False
        self._applying = False
        self.last_problem = ""
        # Only an interactive window writes the user's settings on close (not screenshots, not tests).
        self.remember_settings = False
        self.ask_unsaved: Callable[[QWidget, str], str] | None = None
        self.ask_save_path: Callable[[QWidget, str], str] | None = None
        self.ask_open_path: Callable[[QWidget, str], str] | None = None
        self.report_problem: Callable[[QWidget, str], None] | None = None
        self.autosaver = Autosaver(self.snapshot, self)
        self._build_actions()
        self._connect()
        window.installEventFilter(self)
        self._refresh()

    # ----- building ------------------------------------------------------------------------------
    def _build_actions(self) -> None:
        window = self._window
        self.open_action = window.add_action("File", "Open &Session…", self.open_dialog,
                                             QKeySequence("Ctrl+Shift+O"), "openSessionAction")
        self.save_action = window.add_action("File", "&Save Session", self.save, QKeySequence.StandardKey.Save,
                                             "saveSessionAction")
        self.save_as_action = window.add_action("File", "Save Session &As…", self.save_as,
                                                QKeySequence("Ctrl+Shift+S"), "saveSessionAsAction")
        # Keep Quit last in the File menu whatever is installed after us.
        menu = window.menu("File")
        for action in (self.open_action, self.save_action, self.save_as_action):
            menu.removeAction(action)
            menu.insertAction(window.quit_action, action)
        menu.insertSeparator(window.quit_action)

    def _connect(self) -> None:
        window = self._window
        window.undo_stack.cleanChanged.connect(self._on_clean_changed)
        window.model.arrays_changed.connect(self._on_arrays_changed)
        window.model.dataset_replaced.connect(self._refresh)
        window.loss_state.selection_changed.connect(self._on_losses_changed)
        window.loss_state.params_changed.connect(self._on_losses_changed)
        window.log_y_action.toggled.connect(self._on_view_changed)

    # ----- state ---------------------------------------------------------------------------------
    def path(self) -> str:
        """The session file the current data belongs to, or ``""`` (untitled, or data loaded from elsewhere).

        A load that brings data from another source (a CSV Open) detaches the document from its session
        file, so Save never writes foreign data over it; undoing that load attaches it again.
        """
        return self._path if self._window.model.dataset().source == self._path_source else ""

    def is_modified(self) -> bool:
        """Whether there are changes not yet saved to the session file."""
        return not self._window.undo_stack.isClean() or self._extras_modified

    def snapshot(self, document: str | None = None) -> Session:
        """The current working state as a :class:`Session`."""
        window = self._window
        view = window.current_view_name()
        return Session(window.model.dataset(), window.loss_state.to_dict(),
                       view if view in VIEWS else VIEWS[0], window.log_y_action.isChecked(),
                       self.path() if document is None else document)

    def document_name(self) -> str:
        """The name shown in questions: the session file's name, or the data's."""
        return Path(self.path()).name if self.path() else self._window.source_label()

    # ----- saving --------------------------------------------------------------------------------
    @Slot()
    def save(self) -> bool:
        """Save to the current session file, asking for one if there is none; return whether it was saved."""
        return self.save_to(self.path()) if self.path() else self.save_as()

    @Slot()
    def save_as(self) -> bool:
        """Ask for a file name and save there; return whether it was saved."""
        ask = self.ask_save_path or ask_save_path
        path = ask(self._window, self._suggested_path())
        if not path:
            return False
        if not Path(path).suffix:
            path += SUFFIX
        return self.save_to(path)

    def save_to(self, path: str) -> bool:
        """Write the session to ``path``; on failure say why in one line and keep everything as it was."""
        try:
            write_session(path, self.snapshot(document=""))
        except SessionError as error:
            self._problem(f"Could not save the session: {error}")
            return False
        self._set_path(path)
        self._window.undo_stack.setClean()
        self._extras_modified = False
        self._refresh()
        self._remember_file(path)
        self._window.show_status(f"Saved {Path(path).name}")
        return True

    def _suggested_path(self) -> str:
        if self.path():
            return self.path()
        stem = Path(self._window.model.dataset().source).stem or "untitled"
        return str(Path(settings.last_folder() or Path.home()) / f"{stem}{SUFFIX}")

    # ----- opening -------------------------------------------------------------------------------
    @Slot()
    def open_dialog(self) -> bool:
        """Ask for a session file and open it (after the unsaved-changes guard); return whether it opened."""
        if not self.confirm_discard():
            return False
        ask = self.ask_open_path or ask_open_path
        path = ask(self._window, settings.last_folder())
        return bool(path) and self.open_path(path, confirm=False)

    def open_path(self, path: str, confirm: bool = True) -> bool:
        """Open a session file. A bad file is refused with a one-line message and changes nothing.

        Args:
            path: the ``.lossx`` file.
            confirm: ask about unsaved changes first (pass False if the caller already did).
        """
        if confirm and not self.confirm_discard():
            return False
        try:
            loaded = read_session(path)
        except SessionError as error:
            self._problem(f"Cannot open {Path(path).name}: {error}")
            return False
        self.apply(loaded, "Open session")
        self._set_path(path)
        self._window.undo_stack.setClean()
        self._extras_modified = False
        self._refresh()
        self._remember_file(path)
        self._window.show_status(f"Opened {Path(path).name}")
        return True

    def apply(self, loaded: Session, text: str) -> None:
        """Put a decoded session into the window: the data as one undo step, then losses and view."""
        window = self._window
        with self.applying():
            window.model.replace_dataset(loaded.dataset, text)
            window.loss_state.load_dict(loaded.losses)
            window.log_y_action.setChecked(loaded.log_y)
            window.show_view(loaded.view)

    @contextlib.contextmanager
    def applying(self) -> Iterator[None]:
        """Within this block, loss-selection changes are not counted as user changes (loads, start-up)."""
        self._applying = True
        try:
            yield
        finally:
            self._applying = False

    def restore(self, recovered: Session) -> None:
        """Bring back autosaved work after a crash; it stays unsaved (and is autosaved again at once)."""
        self.apply(recovered, "Restore unsaved work")
        if recovered.document and Path(recovered.document).is_file():
            self._set_path(recovered.document)
        self._extras_modified = True
        self._refresh()
        self.autosaver.note_change()
        self.autosaver.autosave_now()
        self._window.show_status("Restored the unsaved work")

    # ----- the guard -----------------------------------------------------------------------------
    def confirm_discard(self) -> bool:
        """With unsaved changes, ask Save, Discard or Cancel; return True if the caller may go ahead."""
        if not self.is_modified():
            return True
        ask = self.ask_unsaved or ask_unsaved
        answer = ask(self._window, self.document_name())
        if answer == "save":
            return self.save()
        return answer == "discard"

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Guard the window's close: unsaved changes ask first; an accepted close saves the settings."""
        if watched is self._window and event.type() == QEvent.Type.Close:
            if not self.confirm_discard():
                event.ignore()
                return True
            self._closing()
        return super().eventFilter(watched, event)

    def _closing(self) -> None:
        self.autosaver.timer.stop()
        self.autosaver.discard()
        if self.remember_settings:
            self._remember_window()

    def _remember_window(self) -> None:
        window = self._window
        settings.set_window_geometry(window.saveGeometry())
        settings.set_window_state(window.saveState())
        state = window.loss_state.to_dict()
        settings.set_last_losses(list(state["checked"]))
        settings.set_last_current_loss(str(state["current"]))

    # ----- internals -----------------------------------------------------------------------------
    def _set_path(self, path: str) -> None:
        self._path = str(Path(path).resolve())
        self._path_source = self._window.model.dataset().source

    def _remember_file(self, path: str) -> None:
        settings.add_recent_file(path)
        settings.set_last_folder(Path(path).resolve().parent)

    def _problem(self, message: str) -> None:
        self.last_problem = message
        self._window.show_problem(message)
        (self.report_problem or report_problem)(self._window, message)

    @Slot()
    def _refresh(self) -> None:
        window = self._window
        if not shiboken6.isValid(window):
            # The undo stack reports its last clean-state change while the window is being destroyed.
            return
        window.setWindowFilePath(self.path())
        window.update_title()
        modified = self.is_modified()
        window.setWindowModified(modified)
        self.autosaver.set_active(modified)

    @Slot(bool)
    def _on_clean_changed(self, _clean: bool) -> None:
        self._refresh()

    @Slot(object)
    def _on_arrays_changed(self, _rows: object) -> None:
        self.autosaver.note_change()

    @Slot()
    @Slot(str)
    def _on_losses_changed(self, _loss_id: str = "") -> None:
        self.autosaver.note_change()
        if not self._applying:
            self._extras_modified = True
            self._refresh()

    @Slot(bool)
    def _on_view_changed(self, _checked: bool) -> None:
        # View options travel with a session but are not worth a save question on their own.
        self.autosaver.note_change()


# ----- the API other modules call ----------------------------------------------------------------
def install_session_actions(window: QWidget) -> SessionController:
    """Add Save, Save As and Open Session to the window, guard its close, and set ``window.session``."""
    controller = SessionController(window)
    window.session = controller
    return controller


def confirm_discard(window: QWidget) -> bool:
    """Before replacing the window's data: ask about unsaved changes; True means go ahead."""
    return window.session.confirm_discard()


def open_session(window: QWidget, path: str, confirm: bool = True) -> bool:
    """Open a ``.lossx`` session file in the window (asking about unsaved changes first unless told not to)."""
    return window.session.open_path(path, confirm=confirm)


def save_session(window: QWidget) -> bool:
    """Save the window's session (asking for a file name if it has none); return whether it was saved."""
    return window.session.save()


def restore_window_settings(window: QWidget) -> None:
    """Put back the remembered window geometry, dock layout and loss selection (start-up only)."""
    geometry = settings.window_geometry()
    if not geometry.isEmpty():
        window.restoreGeometry(geometry)
    state = settings.window_state()
    if not state.isEmpty():
        window.restoreState(state)
    with window.session.applying():
        checked = settings.last_losses()
        if checked is not None:
            window.loss_state.set_checked_ids(checked)
        current = settings.last_current_loss()
        if current:
            window.loss_state.set_current(current)


def start_interactive(window: QWidget) -> None:
    """Start-up for a real session (not a screenshot): error reporting, remembered settings, recovery offer.

    Installs the exception hook, restores geometry and loss selection (and remembers them again on close),
    and asks about orphaned recovery files once the event loop runs, so the window paints first.
    """
    from lossexplorer.gui.errors import install_excepthook
    from lossexplorer.gui.recovery import offer_recovery

    install_excepthook(lambda: window if shiboken6.isValid(window) else None)
    restore_window_settings(window)
    window.session.remember_settings = True
    QTimer.singleShot(0, lambda: shiboken6.isValid(window) and offer_recovery(window))
