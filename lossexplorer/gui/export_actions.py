"""The window's File ▸ Export submenu: a plot, all plots of the view, the PDF report, per-row losses as CSV.

Every question the actions ask goes through an attribute that tests (or an embedding app) can replace, so no
modal dialog blocks a test:

* ``choose_path(caption, suggested_path, filters) -> str``: the file to write, ``""`` to cancel;
* ``choose_png_options(default_size) -> (QSize, dpi) | None``: the picture's size and resolution;
* ``show_error(message)``: a one-line problem.

Per-row losses are computed in the GUI thread when the file is chosen (a fraction of a second at a million rows)
and then formatted and written by a :class:`~lossexplorer.gui.export_job.CsvExportJob` in a background thread,
with a progress bar and a Cancel button in the status bar, as for loading a file. One CSV export runs at a time;
closing the window stops it (nothing is written).

pyqtgraph's own right-click "Export..." entry is pointed at these actions too, because its SVG exporter fails
under PySide6 >= 6.11.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pyqtgraph as pg
from PySide6.QtCore import QEvent, QObject, QSize, Qt, Signal, Slot
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QLabel,
    QMenu,
    QMessageBox,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from lossexplorer.gui import settings
from lossexplorer.gui.status_progress import StatusProgress

if TYPE_CHECKING:
    import numpy as np

    from lossexplorer.gui.export_job import CsvExportJob

# The export and report modules (with QtSvg and the report's layout code) are imported when an export runs,
# not when the window starts: they are not needed for its first paint.

PLOT_FILTERS = ["PNG image (*.png)", "SVG vector image (*.svg)", "PDF document (*.pdf)"]
PDF_FILTERS = ["PDF document (*.pdf)"]
CSV_FILTERS = ["CSV table (*.csv)"]
CM_PER_INCH = 2.54
CSV_PROGRESS_STEPS = 1000  # as lossexplorer.gui.export_job.PROGRESS_STEPS, which is imported only when needed
CLOSE_WAIT_MS = 30000

PathChooser = Callable[[str, str, list[str]], str]
PngChooser = Callable[[QSize], "tuple[QSize, float] | None"]
ErrorShower = Callable[[str], None]


class PngOptionsDialog(QDialog):
    """Asks for a PNG's size in pixels and its resolution; changing the resolution keeps the plot's look.

    Raising the DPI scales the pixel size with it (text and lines grow in step), so 300 dpi gives a sharper
    picture of the same plot; the size can still be set freely afterwards.
    """

    def __init__(self, default_size: QSize, parent: QWidget | None = None) -> None:
        from lossexplorer.gui.export import MAX_PNG_SIDE, SCREEN_DPI

        super().__init__(parent)
        self.setObjectName("pngOptionsDialog")
        self.setWindowTitle("PNG size and resolution")
        self._dpi_value = SCREEN_DPI
        self.width_box = self._spin(default_size.width(), 16, MAX_PNG_SIDE, " px", "pngWidth")
        self.height_box = self._spin(default_size.height(), 16, MAX_PNG_SIDE, " px", "pngHeight")
        self.dpi_box = self._spin(round(SCREEN_DPI), 24, 1200, " dpi", "pngDpi")
        self.dpi_box.setToolTip("96 dpi looks as on screen; 300 dpi suits print. Text and lines scale with it.")
        self.print_label = QLabel(self)
        self.print_label.setObjectName("pngPrintSize")
        form = QFormLayout()
        form.addRow("&Width:", self.width_box)
        form.addRow("&Height:", self.height_box)
        form.addRow("&Resolution:", self.dpi_box)
        form.addRow("Printed size:", self.print_label)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(buttons)
        self.dpi_box.valueChanged.connect(self._dpi_changed)
        self.width_box.valueChanged.connect(self._update_print_size)
        self.height_box.valueChanged.connect(self._update_print_size)
        self._update_print_size()

    def _spin(self, value: int, low: int, high: int, suffix: str, name: str) -> QSpinBox:
        box = QSpinBox(self)
        box.setObjectName(name)
        box.setRange(low, high)
        box.setValue(value)
        box.setSuffix(suffix)
        box.setAccessibleName(name)
        return box

    def chosen(self) -> tuple[QSize, float]:
        """The size in pixels and the resolution in dpi."""
        return QSize(self.width_box.value(), self.height_box.value()), float(self.dpi_box.value())

    @Slot(int)
    def _dpi_changed(self, dpi: int) -> None:
        ratio = dpi / self._dpi_value
        self._dpi_value = float(dpi)
        for box in (self.width_box, self.height_box):
            box.setValue(round(box.value() * ratio))
        self._update_print_size()

    @Slot()
    def _update_print_size(self) -> None:
        dpi = self.dpi_box.value()
        width_cm = self.width_box.value() / dpi * CM_PER_INCH
        height_cm = self.height_box.value() / dpi * CM_PER_INCH
        self.print_label.setText(f"{width_cm:.1f} × {height_cm:.1f} cm at {dpi} dpi")


class ExportActions(QObject):
    """Builds File ▸ Export on a main window and runs the exports.

    Signals:
        csv_export_finished(object): once per per-row CSV export whose file was chosen, after the outcome has
            been shown: the :class:`~pathlib.Path` written, or None when nothing was written (the table could
            not be computed, the write failed, or it was cancelled).

    Attributes:
        csv_job (CsvExportJob | None): the per-row CSV export in progress.
    """

    csv_export_finished = Signal(object)

    def __init__(self, window: QWidget) -> None:
        super().__init__(window)
        self.setObjectName("exportActions")
        self._window = window
        self.choose_path: PathChooser = self._dialog_path
        self.choose_png_options: PngChooser = self._dialog_png_options
        self.show_error: ErrorShower = self._message_box
        self.csv_job: CsvExportJob | None = None
        self.csv_progress_box: StatusProgress | None = None
        self._close_requested = False
        self._build_menu()
        self.reroute_plot_context_menus()

    # ----- building ------------------------------------------------------------------------------
    def _build_menu(self) -> None:
        window = self._window
        self.menu = QMenu("&Export", window)
        self.menu.setObjectName("exportMenu")
        self.export_plot_action = self._action("Export &Plot…", self.export_plot, "Ctrl+Shift+E", "exportPlotAction")
        self.export_all_action = self._action("Export &All Plots…", self.export_all_plots, "Ctrl+Alt+E",
                                              "exportAllPlotsAction")
        self.export_report_action = self._action("Export &Report (PDF)…", self.export_report, "Ctrl+E",
                                                 "exportReportAction")
        self.export_csv_action = self._action("Export Per-Row &Losses (CSV)…", self.export_csv, None,
                                              "exportCsvAction")
        file_menu = window.menu("File")
        quit_action = getattr(window, "quit_action", None)
        if quit_action is not None and quit_action in file_menu.actions():
            file_menu.insertMenu(quit_action, self.menu)
            file_menu.insertSeparator(quit_action)
        else:
            file_menu.addMenu(self.menu)

    def _action(self, text: str, slot: Callable[[], None], shortcut: str | None, name: str) -> QAction:
        action = QAction(text, self._window)
        action.setObjectName(name)
        if shortcut:
            action.setShortcut(QKeySequence(shortcut))
        action.triggered.connect(slot)
        self.menu.addAction(action)
        # Added to the window too, so the shortcut works while the menu is closed.
        self._window.addAction(action)
        return action

    def reroute_plot_context_menus(self) -> None:
        """Replace each plot's right-click "Export..." entry by one that runs :meth:`export_plot` for that plot.

        A view that builds its plots late (on first show) is rerouted when it says it has built them.
        """
        for view in self._window.views().values():
            if hasattr(view, "is_built") and not view.is_built():
                view.widgets_built.connect(self._reroute_late_view)
            else:
                self._reroute_view(view)

    @Slot()
    def _reroute_late_view(self) -> None:
        # The signal fires once per view, so the connection needs no undoing.
        self._reroute_view(self.sender())

    def _reroute_view(self, view: QWidget) -> None:
        # Every plot the view can show, when it says which; otherwise the ones it shows now.
        plots = view.all_plot_widgets() if hasattr(view, "all_plot_widgets") else view.plot_widgets()
        for _title, widget in plots:
            entries = getattr(widget.scene(), "contextMenu", None)
            if entries:
                # A new action rather than disconnecting pyqtgraph's: under PySide6 6.12 disconnecting
                # and reconnecting that signal crashes the interpreter at exit (a reference-count bug).
                entries[0] = _PlotExportAction(self, widget)

    # ----- what gets exported --------------------------------------------------------------------
    def view_plots(self) -> list[tuple[str, pg.PlotWidget]]:
        """The plots of the view on show, with their titles."""
        window = self._window
        return list(window.views()[window.current_view_name()].plot_widgets())

    def target_plot(self) -> tuple[str, pg.PlotWidget] | None:
        """The plot "Export Plot" means: the one with focus, else the one under the mouse, else the first."""
        plots = self.view_plots()
        for test in (lambda w: w.hasFocus(), lambda w: w.underMouse()):
            for title, widget in plots:
                if test(widget):
                    return title, widget
        return plots[0] if plots else None

    # ----- slots ---------------------------------------------------------------------------------
    @Slot()
    def export_plot(self, widget: pg.PlotWidget | None = None) -> Path | None:
        """Ask for a file and export one plot (the given one, or :meth:`target_plot`)."""
        plots = self.view_plots()
        if isinstance(widget, pg.PlotWidget):
            chosen = next(((title, w) for title, w in plots if w is widget), (widget.objectName(), widget))
        else:
            chosen = self.target_plot()
        if chosen is None:
            self.show_error("There is no plot to export in this view.")
            return None
        title, plot = chosen
        return self._export_plot_list([(title, plot)], f"{self._stem()}_{_slug(title)}.png", "Export Plot")

    @Slot()
    def export_all_plots(self) -> Path | None:
        """Ask for a file and export every plot of the view in one picture (PNG, SVG) or document (PDF)."""
        plots = self.view_plots()
        if not plots:
            self.show_error("There is no plot to export in this view.")
            return None
        suggested = f"{self._stem()}_{self._window.current_view_name()}_plots.pdf"
        return self._export_plot_list(plots, suggested, "Export All Plots")

    @Slot()
    def export_report(self) -> Path | None:
        """Ask for a file and write the PDF report of the data, the checked losses and the view's plots."""
        path = self._ask("Export Report", f"{self._stem()}_report.pdf", PDF_FILTERS, ".pdf")
        if not path:
            return None
        from lossexplorer.gui.report import write_window_report

        return self._run(lambda: write_window_report(self._window, path), f"Report written to {path}")

    @Slot()
    def export_csv(self) -> CsvExportJob | None:
        """Ask for a file and write each row's loss under every checked loss that applies to the data.

        The losses are computed at once, from the data as it is now; the file is written in the background
        (:attr:`csv_export_finished` tells when it is done). Refused, with a status message, while an earlier
        CSV export still runs.

        Returns:
            The job writing the file, or None if nothing is being written.
        """
        if self.csv_job is not None:
            self._window.show_problem("Per-row losses are still being exported; wait for that or cancel it first")
            return None
        path = self._ask("Export Per-Row Losses", f"{self._stem()}_per_row_losses.csv", CSV_FILTERS, ".csv")
        if not path:
            return None
        from lossexplorer.gui.export import ExportError, per_row_snapshot
        from lossexplorer.gui.report import data_decided_params

        state = self._window.loss_state
        checked = list(state.checked())
        try:
            header, columns = per_row_snapshot(self._window.model.dataset(), checked,
                                               data_decided_params(checked, state.all_params()))
        except ExportError as error:
            self.show_error(str(error))
            self.csv_export_finished.emit(None)
            return None
        return self._start_csv_job(path, header, columns)

    @Slot()
    def cancel_csv_export(self) -> None:
        """Stop the per-row CSV export in progress, if any; nothing is written."""
        if self.csv_job is not None:
            self.csv_job.cancel()

    def stop_csv_export(self, timeout_ms: int = CLOSE_WAIT_MS) -> None:
        """Cancel the per-row CSV export in progress and wait for its thread to end (it stops between chunks)."""
        job = self.csv_job
        if job is not None:
            job.cancel()
            job.wait(timeout_ms)

    def is_exporting_csv(self) -> bool:
        """Whether a per-row CSV export is in progress."""
        return self.csv_job is not None

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Stop a running CSV export when the window closes (not when a close is refused, e.g. to save first).

        Installed on the window only while an export runs.
        """
        if watched is self._window:
            kind = event.type()
            if kind == QEvent.Type.Close:
                # Other filters may still refuse the close; the Hide that follows an accepted one is the sign.
                self._close_requested = True
            elif kind == QEvent.Type.Show:
                self._close_requested = False
            elif kind == QEvent.Type.Hide and self._close_requested and not event.spontaneous():
                self._close_requested = False
                self.stop_csv_export()
        return super().eventFilter(watched, event)

    # ----- the CSV job ---------------------------------------------------------------------------
    def _start_csv_job(self, path: str, header: list[str], columns: list[np.ndarray]) -> CsvExportJob:
        from lossexplorer.gui.export_job import CsvExportJob

        job = CsvExportJob(path, header, columns)
        job.progressed.connect(self._csv_progressed)
        job.written.connect(self._csv_written)
        job.failed.connect(self._csv_failed)
        job.cancelled.connect(self._csv_cancelled)
        # A window deleted without being closed must not leave its export writing on. (Left connected when the
        # job ends: cancelling a finished job does nothing, and Qt drops the connection when the job goes.)
        self.destroyed.connect(job.cancel)
        self.csv_job = job
        self._build_csv_progress()
        self.csv_progress_box.begin(f"Exporting {Path(path).name}…")
        self.export_csv_action.setEnabled(False)
        # Watches the window's close while the job runs (see eventFilter).
        self._close_requested = False
        self._window.installEventFilter(self)
        job.start_job()
        return job

    def _build_csv_progress(self) -> None:
        # Built on first use: the window's first paint does not need it.
        if self.csv_progress_box is None:
            self.csv_progress_box = StatusProgress("export", "Export", "Stop exporting; no file is written",
                                                   CSV_PROGRESS_STEPS, self._window)
            self.csv_progress_box.cancel_button.clicked.connect(self.cancel_csv_export)

    @Slot(int)
    def _csv_progressed(self, steps: int) -> None:
        if self.sender() is self.csv_job:
            self.csv_progress_box.bar.setValue(steps)

    @Slot(object)
    def _csv_written(self, written: Path) -> None:
        job = self._finish_csv(self.sender())
        if job is None:
            return
        settings.set_last_folder(written)
        self._window.show_status(f"Per-row losses written to {job.path}")
        self.csv_export_finished.emit(written)

    @Slot(str)
    def _csv_failed(self, message: str) -> None:
        if self._finish_csv(self.sender()) is None:
            return
        self.show_error(message)
        self.csv_export_finished.emit(None)

    @Slot()
    def _csv_cancelled(self) -> None:
        job = self._finish_csv(self.sender())
        if job is None:
            return
        self._window.show_status(f"Stopped exporting per-row losses; {Path(job.path).name} was not written")
        self.csv_export_finished.emit(None)

    def _finish_csv(self, sender: QObject | None) -> CsvExportJob | None:
        """Close the progress display of the current job; None if ``sender`` is not it."""
        if sender is not self.csv_job or self.csv_job is None:
            return None
        job, self.csv_job = self.csv_job, None
        self._window.removeEventFilter(self)
        self.csv_progress_box.hide()
        self.export_csv_action.setEnabled(True)
        return job

    # ----- helpers -------------------------------------------------------------------------------
    def _export_plot_list(self, plots: list[tuple[str, pg.PlotWidget]], suggested: str, caption: str) -> Path | None:
        path = self._ask(caption, suggested, PLOT_FILTERS, ".png")
        if not path:
            return None
        from lossexplorer.gui.export import SCREEN_DPI, ExportError, export_plots, plot_format

        widgets = [widget for _title, widget in plots]
        size, dpi = None, SCREEN_DPI
        try:
            kind = plot_format(path)
        except ExportError as error:
            self.show_error(str(error))
            return None
        if kind == "png":
            options = self.choose_png_options(_screen_picture_size(widgets))
            if options is None:
                return None
            size, dpi = options
        title = plots[0][0] if len(plots) == 1 else f"{self._window.current_view_name().capitalize()} view"
        count = "Plot" if len(plots) == 1 else f"{len(plots)} plots"
        return self._run(lambda: export_plots(widgets, path, size=size, dpi=dpi, title=title),
                         f"{count} exported to {path}")

    def _ask(self, caption: str, suggested_name: str, filters: list[str], default_suffix: str) -> str:
        folder = settings.last_folder() or str(Path.home())
        path = self.choose_path(caption, str(Path(folder) / suggested_name), filters)
        if not path:
            return ""
        if not Path(path).suffix:
            path += default_suffix
        return path

    def _run(self, job: Callable[[], Path], done_message: str) -> Path | None:
        from lossexplorer.gui.export import ExportError

        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        problem = ""
        try:
            written = job()
        except ExportError as error:
            problem = str(error)
        finally:
            QApplication.restoreOverrideCursor()
        if problem:
            self.show_error(problem)
            return None
        settings.set_last_folder(written)
        self._window.show_status(done_message)
        return written

    def _stem(self) -> str:
        source = self._window.model.dataset().source
        stem = Path(source.replace("\\", "/")).stem if source else "lossexplorer"
        return _slug(stem) or "lossexplorer"

    def _dialog_path(self, caption: str, suggested_path: str, filters: list[str]) -> str:
        suffix = Path(suggested_path).suffix.lower()
        preferred = next((entry for entry in filters if f"*{suffix})" in entry), filters[0])
        path, selected = QFileDialog.getSaveFileName(self._window, caption, suggested_path, ";;".join(filters),
                                                     preferred)
        if path and not Path(path).suffix:
            match = re.search(r"\*(\.\w+)", selected or "")
            path += match.group(1) if match else ""
        return path

    def _dialog_png_options(self, default_size: QSize) -> tuple[QSize, float] | None:
        dialog = PngOptionsDialog(default_size, self._window)
        accepted = dialog.exec() == QDialog.DialogCode.Accepted
        chosen = dialog.chosen()
        dialog.deleteLater()
        return chosen if accepted else None

    def _message_box(self, message: str) -> None:
        QMessageBox.warning(self._window, "Export failed", message)


class _PlotExportAction(QAction):
    """A plot's right-click "Export…" entry, running the window's plot export for that plot."""

    def __init__(self, actions: ExportActions, widget: pg.PlotWidget) -> None:
        super().__init__("Export…", widget)
        self.setObjectName("plotExportAction")
        self._actions, self._widget = actions, widget
        self.triggered.connect(self._export)

    @Slot()
    def _export(self) -> None:
        self._actions.export_plot(self._widget)


def install_export_actions(window: QWidget) -> ExportActions:
    """Add File ▸ Export to ``window`` (a MainWindow) and keep the actions on it as ``window.export_actions``."""
    actions = ExportActions(window)
    window.export_actions = actions
    return actions


def _screen_picture_size(widgets: list[pg.PlotWidget]) -> QSize:
    from lossexplorer.gui.export import DEFAULT_PLOT_SIZE, default_picture_size

    size = default_picture_size(widgets)
    return size if size.isValid() else QSize(DEFAULT_PLOT_SIZE)


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "_", text).strip("_").lower()
