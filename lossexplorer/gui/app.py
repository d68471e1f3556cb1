"""Start the Qt application: the window on a file or the demo data, or a screenshot of it."""

from __future__ import annotations

import sys

import pyqtgraph as pg
from PySide6.QtCore import QTimer
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

from lossexplorer.dataset import Dataset
from lossexplorer.demo import demo_dataset
from lossexplorer.gui.collector import install_event_loop_collector
from lossexplorer.gui.mainwindow import MainWindow
from lossexplorer.gui.session_actions import open_session, start_interactive
from lossexplorer.session import SUFFIX as SESSION_SUFFIX
from lossexplorer.startup import freeze_start_up_heap

MIN_SCREENSHOT_SIZE = (1100, 700)
# Qt maps a PNG quality of 80 to zlib level 1: a screenshot of flat colours comes out the same size as at the
# default level (about 250 kB) in two thirds of the time (22 ms instead of 32 ms here). JPEG uses it as is.
SCREENSHOT_QUALITY = 80


def make_application(argv: list[str] | None = None) -> QApplication:
    """Return the QApplication, creating it with the app's names and light theme if there is none."""
    app = QApplication.instance()
    if app is None:
        app = QApplication(argv if argv is not None else sys.argv[:1])
    app.setApplicationName("lossexplorer")
    app.setOrganizationName("lossexplorer")
    app.setApplicationDisplayName("Loss Explorer")
    apply_light_theme(app)
    return app


def apply_light_theme(app: QApplication) -> None:
    """A clean light theme on every platform: Fusion, a light palette, white plot backgrounds."""
    app.setStyle("Fusion")
    palette = QPalette()
    palette.setColor(QPalette.ColorRole.Window, QColor("#f6f7f9"))
    palette.setColor(QPalette.ColorRole.Base, QColor("#ffffff"))
    palette.setColor(QPalette.ColorRole.AlternateBase, QColor("#f1f4f8"))
    palette.setColor(QPalette.ColorRole.Highlight, QColor("#2f6db5"))
    palette.setColor(QPalette.ColorRole.HighlightedText, QColor("#ffffff"))
    app.setPalette(palette)
    pg.setConfigOptions(background="w", foreground="#333333", antialias=True)


def run(file: str | None = None, screenshot: str | None = None, view: str | None = None) -> int:
    """Open the window on ``file`` (or the demo data); with ``screenshot``, save a picture of it and exit."""
    app = make_application()
    session_file = file if file and file.lower().endswith(SESSION_SUFFIX) else None
    dataset = _initial_dataset(None if session_file else file)
    window = MainWindow(dataset)
    if not screenshot:
        start_interactive(window)
    if session_file:
        open_session(window, session_file, confirm=False)
    if view:
        window.show_view(view)
    window.show()
    install_event_loop_collector(app)
    # Two turns of the event loop: the first paint is done by then.
    QTimer.singleShot(0, lambda: QTimer.singleShot(0, freeze_start_up_heap))
    if screenshot:
        return _save_screenshot(app, window, screenshot)
    return app.exec()


def _initial_dataset(file: str | None) -> Dataset:
    if not file:
        return demo_dataset("regression")
    from lossexplorer.csvio import read_csv

    return read_csv(file)


def _save_screenshot(app: QApplication, window: MainWindow, path: str) -> int:
    width, height = MIN_SCREENSHOT_SIZE
    window.resize(max(window.width(), width), max(window.height(), height))
    outcome: list[int] = []

    def grab() -> None:
        outcome.append(0 if window.grab().save(path, quality=SCREENSHOT_QUALITY) else 1)
        app.quit()

    # Two turns of the event loop let layouts settle; pyqtgraph finishes its range updates while grab() paints.
    # (A further 50 ms wait gave the same picture and cost 7 % of the start-up budget.)
    QTimer.singleShot(0, lambda: QTimer.singleShot(0, grab))
    app.exec()
    window.close()
    if outcome and outcome[0] != 0:
        print(f"lossexplorer: error: could not write the screenshot to {path}", file=sys.stderr)
    return outcome[0] if outcome else 1
