"""Remembered settings through the window: geometry, dock layout and loss selection; start-up wiring."""

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from lossexplorer.demo import demo_dataset
from lossexplorer.gui import recovery, settings
from lossexplorer.gui.errors import ErrorReporter
from lossexplorer.gui.mainwindow import MainWindow
from lossexplorer.gui.session_actions import restore_window_settings, start_interactive

SESSIONS = Path(__file__).resolve().parents[1] / "data" / "sessions"

@pytest.fixture
def make_window(qtbot):
    def make():
        window = MainWindow(demo_dataset("regression"))
        qtbot.addWidget(window)
        return window
    return make


def test_closing_remembers_and_the_next_start_restores(make_window, qtbot):
    first = make_window()
    first.session.remember_settings = True
    first.resize(700, 500)
    first.show()
    qtbot.waitExposed(first)
    # The offscreen screen is small: Qt may adjust the size, so compare with what the window really had.
    size = first.size()
    assert (size.width(), size.height()) != (second_default := (1360, 860))
    first.data_dock.hide()
    first.loss_state.set_checked_ids(["quantile", "log_cosh"])
    first.loss_state.set_current("log_cosh")
    assert first.close()
    assert settings.last_losses() == ["log_cosh", "quantile"]
    assert not settings.window_geometry().isEmpty() and not settings.window_state().isEmpty()

    second = make_window()
    restore_window_settings(second)
    # restoreGeometry keeps a window on its screen; the offscreen screen is narrower than the docks need.
    assert second.height() == size.height() != second_default[1]
    assert second.width() <= size.width()
    assert second.data_dock.isHidden() and not second.loss_dock.isHidden()
    assert second.loss_state.checked() == ("log_cosh", "quantile")
    assert second.loss_state.current == "log_cosh"
    # Remembered preferences are not unsaved work.
    assert not second.isWindowModified()


def test_a_window_that_is_not_interactive_leaves_the_settings_alone(make_window):
    window = make_window()
    window.loss_state.set_checked_ids(["quantile"])
    assert window.close()
    assert settings.last_losses() is None and settings.window_geometry().isEmpty()


def test_a_fresh_start_keeps_the_default_losses(make_window):
    window = make_window()
    defaults = window.loss_state.checked()
    restore_window_settings(window)
    assert window.loss_state.checked() == defaults and defaults


def test_start_interactive_wires_errors_settings_and_the_recovery_offer(make_window, qtbot, monkeypatch):
    crashed = make_window()
    crashed.model.set_cells(np.array([0]), np.array([1]), [77.0])
    autosaver = crashed.session.autosaver
    assert autosaver.autosave_now()
    # Pretend its process died: release the lock but leave the file.
    autosaver._lock.unlock()
    autosaver._file, autosaver._lock = None, None

    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    monkeypatch.setattr(recovery, "ask_restore", lambda _parent, _text: "restore")
    settings.set_last_losses(["dice"])
    window = make_window()
    start_interactive(window)
    assert isinstance(sys.excepthook, ErrorReporter)
    assert window.session.remember_settings
    assert window.loss_state.checked() == ("dice",)
    qtbot.waitUntil(lambda: window.model.dataset().y_pred[0] == 77.0, timeout=5000)
    assert window.isWindowModified()


RUN_WITH_A_SESSION = textwrap.dedent("""
    import json, sys
    from lossexplorer.gui import app, settings

    made = []

    class Recording(app.MainWindow):
        def __init__(self, dataset):
            super().__init__(dataset)
            made.append(self)

    app.MainWindow = Recording
    code = app.run(sys.argv[1], screenshot=sys.argv[2])
    window = made[0]
    print(json.dumps({"code": code, "true_name": window.model.dataset().true_name,
                      "huber": window.loss_state.params("huber"), "title": window.windowTitle(),
                      "geometry_saved": not settings.window_geometry().isEmpty()}))
""")


def test_run_opens_a_session_file_given_on_the_command_line(tmp_path):
    # In a subprocess: run() starts and quits the application's event loop, which a test process must not do.
    picture = tmp_path / "shot.png"
    session_file = tmp_path / "linear.lossx"
    # A linear loss axis: this test is about start-up wiring, not the log-axis drawing.
    session_file.write_text((SESSIONS / "valid_v1.lossx").read_text().replace('"log_y": true', '"log_y": false'))
    result = subprocess.run([sys.executable, "-c", RUN_WITH_A_SESSION, str(session_file), str(picture)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert seen["code"] == 0 and picture.is_file()
    assert seen["true_name"] == "price" and seen["huber"] == {"delta": 0.5}
    assert "linear.lossx" in seen["title"]
    # A screenshot is not an interactive session: nothing is remembered.
    assert not seen["geometry_saved"]
