"""Crash recovery: autosave while there are unsaved changes, and restore after a real crash (SIGKILL)."""

import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from lossexplorer.demo import demo_dataset
from lossexplorer.gui import recovery
from lossexplorer.gui.recovery import find_orphans, offer_recovery, recovery_dir
from lossexplorer.session import read_session

CRASHING_APP = textwrap.dedent("""
    import sys
    import numpy as np
    from lossexplorer.demo import demo_dataset
    from lossexplorer.gui.app import make_application
    from lossexplorer.gui.mainwindow import MainWindow

    app = make_application()
    window = MainWindow(demo_dataset("binary"))
    window.session.autosaver.set_interval(50)
    window.show()
    model = window.model
    model.set_cells(np.array([0, 2]), np.array([1, 0]), np.array([0.123456789012345678, 0.0]))
    model.paste_text(3, 0, "1\\t0.5\\n0\\t0.25")
    model.insert_rows(1)
    for value in (0.9, 0.8, 0.7):
        model.move_prediction(4, value, dragging=True)
    model.end_drag()
    window.loss_state.set_param("huber", "delta", 0.7)
    print("edited", flush=True)
    sys.exit(app.exec())
""")


def _expected_after_crashing_app():
    """The binary demo data after the script's edits, worked out by hand with numpy."""
    data = demo_dataset("binary")
    y_true, y_pred = data.y_true.copy(), data.y_pred.copy()
    y_pred[0] = 0.123456789012345678
    y_true[2] = 0.0
    y_true[3], y_pred[3], y_true[4], y_pred[4] = 1.0, 0.5, 0.0, 0.25
    # insert_rows(1) puts a copy of row 0 at index 1, shifting the rest down.
    y_true = np.insert(y_true, 1, y_true[0])
    y_pred = np.insert(y_pred, 1, y_pred[0])
    y_pred[4] = 0.7
    return y_true, y_pred


def _recovery_files():
    return sorted(recovery_dir().glob("autosave-*.lossx")) if recovery_dir().is_dir() else []


def test_restore_after_a_real_crash(make_window, qtbot):
    crashing = subprocess.Popen([sys.executable, "-c", CRASHING_APP], stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
    try:
        qtbot.waitUntil(lambda: bool(_recovery_files()) or crashing.poll() is not None, timeout=60000)
        alive = crashing.poll() is None
    finally:
        crashing.kill()  # SIGKILL: no close event, no cleanup, like a real crash
        output, errors = crashing.communicate()
    assert alive, errors
    assert crashing.returncode == -9 and output == "edited\n"
    assert len(_recovery_files()) == 1

    window = make_window("regression")
    asked = []
    assert offer_recovery(window, ask=lambda _parent, text: asked.append(text) or "restore")
    assert len(asked) == 1 and "demo_binary.csv" in asked[0] and "binary" in asked[0]

    expected_true, expected_pred = _expected_after_crashing_app()
    data = window.model.dataset()
    assert data.task == "binary" and data.pred_kind == "probability"
    assert data.y_true.tobytes() == expected_true.tobytes()
    assert data.y_pred.tobytes() == expected_pred.tobytes()
    assert window.loss_state.params("huber") == {"delta": 0.7}
    assert window.isWindowModified()
    # The crashed process's file is gone; this window's own autosave already holds the restored work.
    own = window.session.autosaver.path
    assert _recovery_files() == [own]
    assert read_session(own).dataset.y_pred.tobytes() == expected_pred.tobytes()
    # Undo takes the window back to what it showed before the restore, and redo brings the work back.
    window.undo_stack.undo()
    assert window.model.dataset().task == "regression"
    window.undo_stack.redo()
    assert window.model.dataset().y_pred.tobytes() == expected_pred.tobytes()


def test_autosave_runs_on_its_timer_only_while_modified(make_window, qtbot):
    window = make_window()
    autosaver = window.session.autosaver
    autosaver.set_interval(20)
    assert not autosaver.timer.isActive()
    window.model.set_cells(np.array([1]), np.array([1]), [12.5])
    assert autosaver.timer.isActive()
    qtbot.waitUntil(lambda: autosaver.path is not None and autosaver.path.is_file(), timeout=5000)
    assert read_session(autosaver.path).dataset.y_pred[1] == 12.5
    window.undo_stack.undo()
    # Back to the clean state: nothing left to recover.
    assert not autosaver.timer.isActive() and _recovery_files() == []


def test_autosave_waits_for_a_quiet_moment_but_not_forever(make_window, qtbot):
    window = make_window()
    autosaver = window.session.autosaver
    autosaver.set_interval(1000)
    window.model.set_cells(np.array([0]), np.array([1]), [1.0])
    assert autosaver.timer.isActive() and autosaver.path is None
    qtbot.waitUntil(lambda: autosaver.timer.remainingTime() < 900, timeout=5000)
    window.model.move_prediction(0, 2.0, dragging=True)
    # Another change restarts the countdown: no write in the middle of a drag.
    assert autosaver.timer.remainingTime() > 900
    autosaver.max_wait_s = 0.0
    qtbot.waitUntil(lambda: autosaver.timer.remainingTime() < 900, timeout=5000)
    window.model.move_prediction(0, 3.0, dragging=True)
    # Past the longest wait the countdown keeps running, so continuous editing is still saved.
    assert autosaver.timer.remainingTime() < 900
    qtbot.waitUntil(lambda: autosaver.path is not None, timeout=5000)
    assert read_session(autosaver.path).dataset.y_pred[0] == 3.0


def test_autosave_writes_only_when_something_changed(make_window):
    window = make_window()
    window.model.set_cells(np.array([0]), np.array([1]), [3.0])
    autosaver = window.session.autosaver
    assert autosaver.autosave_if_changed()
    assert not autosaver.autosave_if_changed()
    window.loss_state.set_param("huber", "delta", 0.2)
    assert autosaver.autosave_if_changed()
    assert read_session(autosaver.path).losses["params"]["huber"]["delta"] == 0.2


def test_a_clean_save_removes_the_recovery_file(make_window, tmp_path):
    window = make_window()
    window.model.set_cells(np.array([0]), np.array([1]), [3.0])
    assert window.session.autosaver.autosave_now()
    assert len(_recovery_files()) == 1
    assert window.session.save_to(str(tmp_path / "saved.lossx"))
    assert _recovery_files() == []


def test_the_recovery_file_remembers_its_session_file(make_window, tmp_path):
    window = make_window()
    window.session.save_to(str(tmp_path / "doc.lossx"))
    window.model.set_cells(np.array([0]), np.array([1]), [3.0])
    window.session.autosaver.autosave_now()
    assert read_session(window.session.autosaver.path).document == str((tmp_path / "doc.lossx").resolve())


def test_restored_work_belongs_to_its_session_file_again(make_window, tmp_path):
    window = make_window()
    window.session.save_to(str(tmp_path / "doc.lossx"))
    path = _orphan_from_window(window, 8.5)
    restarted = make_window()
    assert offer_recovery(restarted, ask=lambda *_: "restore")
    assert restarted.session.path() == str((tmp_path / "doc.lossx").resolve())
    assert "doc.lossx" in restarted.windowTitle() and restarted.isWindowModified()
    assert restarted.model.dataset().y_pred[0] == 8.5 and not path.exists()


def test_a_live_windows_file_is_never_offered(make_window):
    busy = make_window()
    busy.model.set_cells(np.array([0]), np.array([1]), [3.0])
    assert busy.session.autosaver.autosave_now()
    assert find_orphans() == []
    other = make_window()
    assert not offer_recovery(other, ask=lambda *_: pytest.fail("offered a live window's work"))


def _orphan_from(make_window, value, task="regression"):
    """A recovery file whose owner has gone (its lock released without removing the file)."""
    return _orphan_from_window(make_window(task), value)


def _orphan_from_window(window, value):
    window.model.set_cells(np.array([0]), np.array([1]), [value])
    autosaver = window.session.autosaver
    assert autosaver.autosave_now()
    path = autosaver.path
    autosaver._lock.unlock()
    autosaver._file, autosaver._lock = None, None
    return path


def test_discard_removes_and_later_keeps(make_window):
    path = _orphan_from(make_window, 5.0)
    window = make_window()
    assert not offer_recovery(window, ask=lambda *_: "later")
    assert path.is_file() and window.model.dataset().y_pred[0] != 5.0
    assert not offer_recovery(window, ask=lambda *_: "discard")
    assert not path.exists() and not path.with_suffix(".lock").exists()
    assert not offer_recovery(window, ask=lambda *_: pytest.fail("nothing is left to offer"))


def test_the_newest_file_is_offered_first(make_window):
    older = _orphan_from(make_window, 1.0)
    newer = _orphan_from(make_window, 2.0)
    os.utime(older, (1_000_000_000, 1_000_000_000))
    window = make_window()
    assert offer_recovery(window, ask=lambda *_: "restore")
    assert window.model.dataset().y_pred[0] == 2.0
    assert not newer.exists() and older.is_file()


def test_an_unreadable_recovery_file_is_set_aside(make_window):
    path = _orphan_from(make_window, 1.0)
    path.write_bytes(path.read_bytes()[:50])
    window = make_window()
    before = window.model.dataset()
    assert not offer_recovery(window, ask=lambda *_: pytest.fail("offered a broken file"))
    assert window.model.dataset() is before
    assert not path.exists() and path.with_name(path.name + recovery.UNREADABLE_SUFFIX).is_file()
    assert "set aside" in window.statusBar().currentMessage()


def test_no_recovery_folder_means_no_question(make_window):
    assert not recovery_dir().exists()
    assert not offer_recovery(make_window(), ask=lambda *_: pytest.fail("asked without a file"))


def test_a_failing_autosave_keeps_working_and_says_why(make_window, monkeypatch, tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the data folder should be")
    monkeypatch.setenv("LOSSEXPLORER_DATA_DIR", str(blocker))
    window = make_window()
    window.model.set_cells(np.array([0]), np.array([1]), [3.0])
    assert not window.session.autosaver.autosave_now()
    assert window.session.autosaver.last_error
    assert window.model.dataset().y_pred[0] == 3.0
