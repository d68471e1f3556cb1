"""GUI test set-up: no test ever reads or writes the real settings file or data folder.

The autouse fixture points the app's settings (an INI file) and its data folder (recovery files, error log)
into ``tmp_path`` through the environment variables :mod:`lossexplorer.gui.settings` honours, and also
redirects any default-constructed ``QSettings`` there, so even code that bypasses the module is contained.
"""

import gc

import pytest
from PySide6.QtCore import QSettings

from lossexplorer.gui import recovery, session_actions, settings
from lossexplorer.gui.collector import install_event_loop_collector


@pytest.fixture(scope="session", autouse=True)
def collection_from_the_event_loop(qapp):
    """Collect garbage only from the event loop, as the app does (:mod:`lossexplorer.gui.collector`).

    With automatic collection, full runs here sometimes deadlocked (a QMenu freed inside QObject::disconnect)
    or crashed at exit.
    """
    collector = install_event_loop_collector(qapp)
    yield collector
    collector.timer.stop()
    gc.collect()  # while the application still stands, not during the interpreter's teardown
    gc.enable()


@pytest.fixture(autouse=True)
def isolated_settings_and_data(tmp_path_factory, monkeypatch):
    """Give every GUI test its own empty settings file and data folder."""
    root = tmp_path_factory.mktemp("app-home")
    config, data = root / "config", root / "data"
    config.mkdir()
    data.mkdir()
    monkeypatch.setenv(settings.CONFIG_DIR_ENV, str(config))
    monkeypatch.setenv(settings.DATA_DIR_ENV, str(data))
    for scope in (QSettings.Scope.UserScope, QSettings.Scope.SystemScope):
        QSettings.setPath(QSettings.Format.IniFormat, scope, str(config / "qsettings"))
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    return root


@pytest.fixture(autouse=True)
def no_blocking_questions(monkeypatch):
    """Answer the app's modal questions without blocking, so a test never hangs on a dialog.

    pytest-qt closes every window it tracks after a test; a window with unsaved changes would otherwise
    ask Save/Discard/Cancel in a modal box nobody can click. By default: discard, restore later, and
    cancel every file dialog. Tests of the questions set their own answers on the controller.
    """
    monkeypatch.setattr(session_actions, "ask_unsaved", lambda _parent, _name: "discard")
    monkeypatch.setattr(session_actions, "ask_save_path", lambda _parent, _suggestion: "")
    monkeypatch.setattr(session_actions, "ask_open_path", lambda _parent, _folder: "")
    monkeypatch.setattr(recovery, "ask_restore", lambda _parent, _description: "later")


@pytest.fixture
def make_window(qtbot):
    """Build main windows on a demo data set (``make("binary")``); pytest-qt closes them after the test."""
    from lossexplorer.demo import demo_dataset
    from lossexplorer.gui.mainwindow import MainWindow

    def make(task="regression", *, show=False):
        window = MainWindow(demo_dataset(task))
        qtbot.addWidget(window)
        if show:
            window.show()
            qtbot.waitExposed(window)
        return window

    return make


@pytest.fixture
def shown_window(make_window):
    """A shown main window on the regression demo data."""
    return make_window(show=True)
