"""File ▸ Open (Ctrl+O), File ▸ Open Recent, and files dropped onto the window.

:func:`install_open_actions` (one call at the end of ``MainWindow.__init__``) attaches an :class:`OpenController`
as ``window.open_actions``. Opening a CSV file:

1. asks about unsaved changes (:func:`lossexplorer.gui.session_actions.confirm_discard`);
2. sniffs the file (:func:`lossexplorer.csvio.inspect_csv`) and shows the mapping dialog with a preview;
3. reads it in a background thread (:class:`lossexplorer.gui.loader.LoadJob`), with a progress bar and a
   Cancel button in the status bar, the window staying responsive;
4. on success replaces the data as one undo step and puts the file first among the recent files; on failure
   shows the one-line message, offering to skip the bad rows when that can help; on cancel says so.

A failed or cancelled load never touches the data in the window. Session files (``.lossx``) are handed to
:func:`lossexplorer.gui.session_actions.open_session`.

The questions are attributes that tests (or an embedding app) replace, so no modal dialog blocks a test;
``None`` means the module function of the same name, looked up at call time:

* ``ask_open_path(parent, folder) -> str``: the file to open, ``""`` to cancel;
* ``ask_mapping(parent, preview) -> (ColumnMapping, skip_bad_rows) | None``: the mapping dialog;
* ``ask_after_error(parent, title, message, can_skip) -> bool``: True to read again, skipping bad rows.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QEvent, QObject, QTimer, Signal, Slot
from PySide6.QtGui import QAction, QDropEvent, QKeySequence
from PySide6.QtWidgets import (
    QFileDialog,
    QMenu,
    QMessageBox,
    QWidget,
)

from lossexplorer.csvio import ColumnMapping, CsvError, ReadResult, inspect_csv
from lossexplorer.gui import settings
from lossexplorer.gui.loader import PROGRESS_STEPS, LoadJob
from lossexplorer.gui.mapping_dialog import ask_mapping
from lossexplorer.gui.session_actions import confirm_discard, open_session
from lossexplorer.gui.status_progress import StatusProgress
from lossexplorer.session import SUFFIX as SESSION_SUFFIX

FILE_FILTER = (
    f"Prediction tables (*.csv *.tsv *.txt);;Loss Explorer sessions (*{SESSION_SUFFIX});;All files (*)"
)
OUTCOMES = ("loaded", "failed", "cancelled")


# ----- the questions (replaceable in tests) ------------------------------------------------------
def ask_open_path(parent: QWidget, folder: str) -> str:
    """Ask which file to open; ``""`` if cancelled."""
    path, _filter = QFileDialog.getOpenFileName(parent, "Open Predictions", folder, FILE_FILTER)
    return path


def ask_after_error(parent: QWidget, title: str, message: str, can_skip: bool) -> bool:
    """Show why a file cannot be opened; return True if the user chose to read it again skipping bad rows."""
    box = QMessageBox(QMessageBox.Icon.Warning, title, message, QMessageBox.StandardButton.Close, parent)
    box.setObjectName("openProblemBox")
    skip = None
    if can_skip:
        box.setInformativeText("Rows with problems can be left out; they are counted and the first is named.")
        skip = box.addButton("&Skip Bad Rows", QMessageBox.ButtonRole.AcceptRole)
    box.exec()
    chosen = box.clickedButton()
    box.deleteLater()
    return skip is not None and chosen is skip


class OpenController(QObject):
    """Opens prediction files into a window: the actions, the drop target, the background load.

    Signals:
        load_finished(str): ``"loaded"``, ``"failed"`` or ``"cancelled"`` when a load ends (after the
            window has been updated and any question answered).

    Attributes:
        ask_open_path, ask_mapping, ask_after_error: the questions (see the module docstring).
        job (LoadJob | None): the load in progress.
        last_problem (str): the last one-line problem shown.
    """

    load_finished = Signal(str)

    def __init__(self, window: QWidget) -> None:
        super().__init__(window)
        self.setObjectName("openActions")
        self._window = window
        self.ask_open_path = None
        self.ask_mapping = None
        self.ask_after_error = None
        self.job: LoadJob | None = None
        self.last_problem = ""
        self.pending_drop = ""
        self._build_actions()
        self._build_progress()
        window.setAcceptDrops(True)
        window.installEventFilter(self)

    # ----- building ------------------------------------------------------------------------------
    def _build_actions(self) -> None:
        window = self._window
        menu = window.menu("File")
        first = menu.actions()[0]
        self.open_action = window.add_action(
            "File", "&Open…", self.open_dialog, QKeySequence.StandardKey.Open, "openAction"
        )
        self.open_action.setStatusTip("Open predictions from a CSV file, or a saved session")
        self.recent_menu = QMenu("Open &Recent", window)
        self.recent_menu.setObjectName("recentMenu")
        self.recent_menu.aboutToShow.connect(self.fill_recent_menu)
        self.recent_menu.triggered.connect(self._recent_chosen)
        menu.removeAction(self.open_action)
        menu.insertAction(first, self.open_action)
        menu.insertMenu(first, self.recent_menu)
        menu.insertSeparator(first)

    def _build_progress(self) -> None:
        self.progress_box = StatusProgress("load", "Loading", "Stop loading; the data shown stays as it is",
                                           PROGRESS_STEPS, self._window)
        self.progress_box.cancel_button.clicked.connect(self.cancel_load)

    # ----- opening -------------------------------------------------------------------------------
    @Slot()
    def open_dialog(self) -> bool:
        """Ask for a file (after the unsaved-changes guard) and open it; return whether opening started."""
        if not confirm_discard(self._window):
            return False
        ask = self.ask_open_path or ask_open_path
        path = ask(self._window, settings.last_folder())
        return bool(path) and self.open_path(path, confirm=False)

    def open_path(self, path: str, confirm: bool = True) -> bool:
        """Open a CSV file (mapping dialog, then a background load) or a session file.

        Args:
            path: the file.
            confirm: ask about unsaved changes first (pass False if the caller already did).

        Returns:
            True if a load started (or the session opened); False if refused or cancelled.
        """
        path = str(path)
        if path.lower().endswith(SESSION_SUFFIX):
            return open_session(self._window, path, confirm=confirm)
        if confirm and not confirm_discard(self._window):
            return False
        try:
            preview = inspect_csv(path)
        except CsvError as error:
            self._report_problem(path, str(error), can_skip=False)
            return False
        answer = (self.ask_mapping or ask_mapping)(self._window, preview)
        if answer is None:
            return False
        mapping, skip_bad_rows = answer
        self.start_load(path, mapping, skip_bad_rows)
        return True

    def start_load(self, path: str, mapping: ColumnMapping | None, skip_bad_rows: bool = False) -> LoadJob:
        """Read ``path`` in the background; a load already running is cancelled first."""
        self.cancel_load()
        job = LoadJob(path, mapping, skip_bad_rows)
        job.progressed.connect(self._on_progress)
        job.loaded.connect(self._on_loaded)
        job.failed.connect(self._on_failed)
        job.cancelled.connect(self._on_cancelled)
        self.job = job
        self.progress_box.begin(f"Loading {Path(path).name}…")
        job.start_job()
        return job

    @Slot()
    def cancel_load(self) -> None:
        """Stop the load in progress, if any; the data in the window stays as it is."""
        if self.job is not None:
            self.job.cancel()

    def is_loading(self) -> bool:
        """Whether a load is in progress."""
        return self.job is not None

    # ----- recent files --------------------------------------------------------------------------
    @Slot()
    def fill_recent_menu(self) -> None:
        """Rebuild File ▸ Open Recent from the remembered files (CSV tables and sessions)."""
        menu = self.recent_menu
        menu.clear()
        recent = settings.recent_files()
        for number, path in enumerate(recent, start=1):
            label = f"&{number} {Path(path).name}" if number < 10 else Path(path).name
            action = menu.addAction(label)
            action.setData(path)
            action.setStatusTip(path)
            action.setToolTip(path)
        if not recent:
            menu.addAction("No recent files").setEnabled(False)
        menu.addSeparator()
        clear = menu.addAction("&Clear Menu")
        clear.setObjectName("clearRecentAction")
        clear.setEnabled(bool(recent))

    @Slot(QAction)
    def _recent_chosen(self, action: QAction) -> None:
        if action.objectName() == "clearRecentAction":
            settings.clear_recent_files()
            return
        path = action.data()
        if path:
            self.open_path(str(path))

    # ----- dropping files ------------------------------------------------------------------------
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Accept local files dragged over the window and open the first one dropped."""
        if watched is not self._window or not isinstance(event, QDropEvent):
            return super().eventFilter(watched, event)
        path = _dropped_file(event)
        if not path:
            return super().eventFilter(watched, event)
        event.acceptProposedAction()
        if event.type() == QEvent.Type.Drop:
            # Open after the drop has completed: a dialog shown inside the drop would hold up the drag source.
            self.pending_drop = path
            QTimer.singleShot(0, self._open_dropped)
        return True

    @Slot()
    def _open_dropped(self) -> None:
        path, self.pending_drop = self.pending_drop, ""
        if path:
            self.open_path(path)

    # ----- outcomes (queued from the load thread) ------------------------------------------------
    @Slot(int)
    def _on_progress(self, steps: int) -> None:
        if self.sender() is self.job:
            self.progress_box.bar.setValue(steps)

    @Slot(object)
    def _on_loaded(self, result: ReadResult) -> None:
        job = self._finish(self.sender())
        if job is None:
            return
        name = Path(job.path).name
        self._window.model.replace_dataset(result.dataset, f"Open {name}")
        settings.add_recent_file(job.path)
        settings.set_last_folder(job.path)
        message = f"Opened {name}: {result.dataset.n_rows:,} rows"
        if result.n_skipped:
            first = result.skipped_examples[0] if result.skipped_examples else ""
            message += f"; skipped {result.n_skipped:,} bad rows (the first: {first})"
            self.last_problem = message
            self._window.show_problem(message)
        else:
            self._window.show_status(message)
        self.load_finished.emit("loaded")

    @Slot(str, bool)
    def _on_failed(self, message: str, can_skip: bool) -> None:
        job = self._finish(self.sender())
        if job is None:
            return
        if self._report_problem(job.path, message, can_skip) and can_skip:
            self.start_load(job.path, job.mapping, skip_bad_rows=True)
        self.load_finished.emit("failed")

    @Slot()
    def _on_cancelled(self) -> None:
        job = self._finish(self.sender())
        if job is None:
            return
        self._window.show_status(f"Stopped loading {Path(job.path).name}; the data is unchanged")
        self.load_finished.emit("cancelled")

    def _finish(self, sender: QObject | None) -> LoadJob | None:
        """Close the current job's progress display; None if ``sender`` is a superseded job."""
        if sender is not self.job or self.job is None:
            return None
        job, self.job = self.job, None
        self.progress_box.hide()
        return job

    def _report_problem(self, path: str, message: str, can_skip: bool) -> bool:
        """Show a load problem; return the user's wish to skip bad rows. A vanished file leaves the recent list."""
        self.last_problem = message
        self._window.show_problem(message)
        if not Path(path).exists():
            settings.remove_recent_file(path)
        ask = self.ask_after_error or ask_after_error
        return bool(ask(self._window, f"Cannot open {Path(path).name}", message, can_skip))


def _dropped_file(event: QDropEvent) -> str:
    """The first local file (not a folder) in a drag or drop event, or ``""``."""
    mime = event.mimeData()
    if mime is None or not mime.hasUrls():
        return ""
    files = [url.toLocalFile() for url in mime.urls() if url.isLocalFile()]
    return next((path for path in files if path and not Path(path).is_dir()), "")


def install_open_actions(window: QWidget) -> OpenController:
    """Add File ▸ Open and Open Recent, accept dropped files, and keep the controller as ``window.open_actions``."""
    controller = OpenController(window)
    window.open_actions = controller
    return controller
