"""The main window: docks for the loss selector and the data table, a tab per view, menus and status bar.

Extension modules (file opening, export, sessions) install their actions through :meth:`MainWindow.menu`
and the public attributes below, each with one ``install_*(window)`` call at the end of ``__init__``.

Public attributes other modules rely on:
    model (PredictionTableModel): the one source of truth for the data; ``model.undo_stack`` holds every change.
    loss_state (LossState): selected losses and their parameters.
    table_view (DataTableView), loss_panel (LossPanel), regression_view, classification_view, tabs (QTabWidget).
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, Slot
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDockWidget, QLabel, QMainWindow, QMenu, QMessageBox, QTabWidget, QWidget

from lossexplorer import __version__
from lossexplorer.dataset import Dataset
from lossexplorer.gui.classification_view import ClassificationView
from lossexplorer.gui.export_actions import install_export_actions
from lossexplorer.gui.loss_panel import LossPanel
from lossexplorer.gui.loss_state import LossState
from lossexplorer.gui.open_actions import install_open_actions
from lossexplorer.gui.regression_view import RegressionView
from lossexplorer.gui.session_actions import install_session_actions
from lossexplorer.gui.table_model import PredictionTableModel
from lossexplorer.gui.table_view import DataTableView

VIEW_NAMES = ("regression", "classification")
APP_TITLE = "Loss Explorer"


class MainWindow(QMainWindow):
    """The explorer window over one data set."""

    def __init__(self, dataset: Dataset, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("mainWindow")
        self.setAccessibleName("Loss Explorer main window")
        self.model = PredictionTableModel(dataset, self)
        self.undo_stack = self.model.undo_stack
        self.loss_state = LossState(self)
        self._menus: dict[str, QMenu] = {}
        self._build_central()
        self._build_docks()
        self._build_menus()
        self._build_status_bar()
        self.model.edit_rejected.connect(self.show_problem)
        self.model.dataset_replaced.connect(self._follow_task)
        self._follow_task()
        self.update_title()
        self.resize(QSize(1360, 860))
        install_session_actions(self)
        install_export_actions(self)
        install_open_actions(self)

    # ----- building ------------------------------------------------------------------------------
    def _build_central(self) -> None:
        self.regression_view = RegressionView(self.model, self.loss_state, self)
        self.classification_view = ClassificationView(self.model, self.loss_state, self)
        self.tabs = QTabWidget(self)
        self.tabs.setObjectName("viewTabs")
        self.tabs.setAccessibleName("Views")
        self.tabs.setDocumentMode(True)
        self.tabs.addTab(self.regression_view, "Regression: loss vs error")
        self.tabs.addTab(self.classification_view, "Classification: probability and margin")
        self.setCentralWidget(self.tabs)

    def _build_docks(self) -> None:
        self.loss_panel = LossPanel(self.loss_state, self)
        self.table_view = DataTableView(self.model, self)
        self.loss_dock = self._dock("Losses", "lossDock", self.loss_panel, Qt.DockWidgetArea.LeftDockWidgetArea)
        self.data_dock = self._dock("Data", "dataDock", self.table_view, Qt.DockWidgetArea.RightDockWidgetArea)
        self.regression_view.link_table(self.table_view)

    def _dock(self, title: str, name: str, widget: QWidget, area: Qt.DockWidgetArea) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(name)
        dock.setAccessibleName(f"{title} panel")
        dock.setWidget(widget)
        dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable
                         | QDockWidget.DockWidgetFeature.DockWidgetFloatable)
        self.addDockWidget(area, dock)
        return dock

    def _build_menus(self) -> None:
        for title in ("&File", "&Edit", "&View", "&Help"):
            menu = self.menuBar().addMenu(title)
            name = title.replace("&", "")
            menu.setObjectName(f"{name.lower()}Menu")
            self._menus[name] = menu
        self.quit_action = self.add_action("File", "&Quit", self.close, QKeySequence.StandardKey.Quit, "quitAction")
        self._build_edit_menu()
        self._build_view_menu()
        self.add_action("Help", "&About Loss Explorer", self.show_about, None, "aboutAction")

    def _build_edit_menu(self) -> None:
        edit = self.menu("Edit")
        self.undo_action = self.undo_stack.createUndoAction(self, "&Undo")
        self.undo_action.setShortcut(QKeySequence.StandardKey.Undo)
        self.undo_action.setObjectName("undoAction")
        self.redo_action = self.undo_stack.createRedoAction(self, "&Redo")
        self.redo_action.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence.StandardKey.Redo])
        self.redo_action.setObjectName("redoAction")
        edit.addActions([self.undo_action, self.redo_action])
        edit.addSeparator()
        table = self.table_view
        edit.addActions([table.copy_action, table.paste_action, table.add_row_action, table.delete_rows_action])

    def _build_view_menu(self) -> None:
        self.view_actions: dict[str, QAction] = {}
        for number, name in enumerate(VIEW_NAMES, start=1):
            action = self.add_action("View", f"&{name.capitalize()} View", None, QKeySequence(f"Ctrl+{number}"),
                                     f"{name}ViewAction")
            action.triggered.connect(lambda _checked=False, n=name: self.show_view(n))
            self.view_actions[name] = action
        self.menu("View").addSeparator()
        self.log_y_action = self.add_action("View", "&Logarithmic Loss Axis", None, QKeySequence("Ctrl+L"),
                                            "logYAction")
        self.log_y_action.setCheckable(True)
        self.log_y_action.toggled.connect(self.set_log_y)
        self.add_action("View", "&Reset Zoom", self.reset_zoom, QKeySequence("Ctrl+0"), "resetZoomAction")
        self.menu("View").addSeparator()
        self.menu("View").addAction(self.loss_dock.toggleViewAction())
        self.menu("View").addAction(self.data_dock.toggleViewAction())

    def _build_status_bar(self) -> None:
        self.status_label = QLabel(self)
        self.status_label.setObjectName("dataSummary")
        self.statusBar().addPermanentWidget(self.status_label)
        self.model.arrays_changed.connect(self._update_summary)
        self._update_summary(None)

    # ----- public API for extensions -------------------------------------------------------------
    def menu(self, name: str) -> QMenu:
        """Return the top-level menu called ``name`` ("File", "Edit", "View" or "Help")."""
        return self._menus[name]

    def add_action(self, menu: str, text: str, slot: object | None, shortcut: object | None,
                   name: str) -> QAction:
        """Create a named action with an optional shortcut, add it to a menu and to the window, and return it."""
        action = QAction(text, self)
        action.setObjectName(name)
        if shortcut is not None:
            action.setShortcut(shortcut)
        if slot is not None:
            action.triggered.connect(slot)
        self.menu(menu).addAction(action)
        self.addAction(action)
        return action

    def views(self) -> dict[str, QWidget]:
        """The views by name."""
        return {"regression": self.regression_view, "classification": self.classification_view}

    def current_view_name(self) -> str:
        """Name of the view on show."""
        return VIEW_NAMES[self.tabs.currentIndex()]

    @Slot(str)
    def show_view(self, name: str) -> None:
        """Bring a view to the front by name."""
        self.tabs.setCurrentIndex(VIEW_NAMES.index(name))

    @Slot(str)
    def show_problem(self, message: str) -> None:
        """Show a one-line problem in the status bar (refused edits and the like)."""
        self.statusBar().showMessage(message, 8000)

    @Slot(str)
    def show_status(self, message: str) -> None:
        """Show a passing message in the status bar."""
        self.statusBar().showMessage(message, 4000)

    def update_title(self) -> None:
        """Show the data source in the title; extensions add a file name and a modified mark via windowFilePath."""
        self.setWindowTitle(f"[*]{self.source_label()} — {APP_TITLE}")

    def source_label(self) -> str:
        """A short name for where the data came from."""
        source = self.windowFilePath() or self.model.dataset().source
        return source.replace("\\", "/").rsplit("/", 1)[-1] if source else "untitled"

    # ----- slots ---------------------------------------------------------------------------------
    @Slot(bool)
    def set_log_y(self, enabled: bool) -> None:
        """Switch every view's loss axes to a logarithmic scale."""
        for view in self.views().values():
            view.set_log_y(enabled)

    @Slot()
    def reset_zoom(self) -> None:
        """Autoscale the plots of the view on show."""
        self.views()[self.current_view_name()].reset_zoom()

    @Slot()
    def show_about(self) -> None:
        """Show the About box."""
        QMessageBox.about(self, f"About {APP_TITLE}",
                          f"<b>{APP_TITLE}</b> {__version__}<br>See how neural-network loss functions behave.")

    @Slot()
    def _follow_task(self) -> None:
        task = self.model.dataset().task
        self.show_view("regression" if task == "regression" else "classification")
        self.update_title()
        self._fit_data_dock()

    def _fit_data_dock(self) -> None:
        # Wide enough for every column of the new data, up to a width that still leaves the plots room.
        wanted = min(self.table_view.fitting_width(), 460)
        if wanted > self.data_dock.width():
            self.resizeDocks([self.data_dock], [wanted], Qt.Orientation.Horizontal)

    @Slot(object)
    def _update_summary(self, _rows: object) -> None:
        data = self.model.dataset()
        kind = {"probability": ", probabilities", "logit": ", logits"}.get(data.pred_kind, "")
        self.status_label.setText(f"{data.task}{kind} · {data.n_rows:,} rows")
