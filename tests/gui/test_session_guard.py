"""The unsaved-changes guard: closing, quitting and opening another file ask Save, Discard or Cancel."""

import numpy as np
import pytest

from lossexplorer.demo import demo_dataset
from lossexplorer.gui.session_actions import confirm_discard, open_session
from lossexplorer.session import read_session, write_session


@pytest.fixture
def window(shown_window):
    return shown_window


class Answers:
    """A scripted ask_unsaved that records what it was asked."""

    def __init__(self, answer):
        self.answer, self.asked = answer, []

    def __call__(self, _parent, name):
        self.asked.append(name)
        return self.answer


def _edit(window, value=42.0):
    window.model.set_cells(np.array([1]), np.array([1]), [value])


def test_closing_without_changes_asks_nothing(window):
    window.session.ask_unsaved = Answers("cancel")
    assert window.close()
    assert window.session.ask_unsaved.asked == []
    assert not window.isVisible()


def test_cancel_keeps_the_window_and_the_data(window):
    _edit(window)
    window.session.ask_unsaved = Answers("cancel")
    assert not window.close()
    assert window.session.ask_unsaved.asked == ["demo_regression.csv"]
    assert window.isVisible() and window.isWindowModified()
    assert window.model.dataset().y_pred[1] == 42.0


def test_discard_closes_without_saving_and_drops_the_recovery_file(window, tmp_path):
    _edit(window)
    window.session.ask_unsaved = Answers("discard")
    assert window.session.autosaver.autosave_now()
    recovery_file = window.session.autosaver.path
    assert recovery_file.is_file()
    assert window.close()
    assert window.session.ask_unsaved.asked == ["demo_regression.csv"]
    assert not window.isVisible()
    assert not recovery_file.exists()
    assert list(tmp_path.iterdir()) == []


def test_save_writes_the_file_then_closes(window, tmp_path):
    _edit(window, 7.25)
    window.session.ask_unsaved = Answers("save")
    window.session.ask_save_path = lambda _parent, _suggestion: str(tmp_path / "closing.lossx")
    assert window.close()
    assert not window.isVisible()
    saved = read_session(tmp_path / "closing.lossx")
    assert saved.dataset.y_pred[1] == 7.25
    assert np.array_equal(saved.dataset.y_pred, window.model.dataset().y_pred)


def test_save_to_the_existing_file_without_asking_for_a_name(window, tmp_path):
    assert window.session.save_to(str(tmp_path / "known.lossx"))
    _edit(window, -1.5)
    window.session.ask_unsaved = Answers("save")
    window.session.ask_save_path = lambda *_: pytest.fail("asked for a file name although one is known")
    assert window.close()
    assert read_session(tmp_path / "known.lossx").dataset.y_pred[1] == -1.5


def test_save_then_cancelled_file_dialog_keeps_the_window_open(window):
    _edit(window)
    window.session.ask_unsaved = Answers("save")
    window.session.ask_save_path = lambda _parent, _suggestion: ""
    assert not window.close()
    assert window.isVisible() and window.isWindowModified()


def test_quit_action_goes_through_the_guard(window):
    _edit(window)
    window.session.ask_unsaved = Answers("cancel")
    window.quit_action.trigger()
    assert window.session.ask_unsaved.asked == ["demo_regression.csv"]
    assert window.isVisible()


@pytest.fixture
def other_session(tmp_path):
    path = tmp_path / "other.lossx"
    from lossexplorer.gui.loss_state import LossState
    from lossexplorer.session import Session

    write_session(path, Session(demo_dataset("binary"), LossState().to_dict(), "classification", False))
    return path


def test_opening_another_file_cancel_changes_nothing(window, other_session):
    _edit(window)
    window.session.ask_unsaved = Answers("cancel")
    assert not open_session(window, str(other_session))
    assert window.model.dataset().task == "regression" and window.model.dataset().y_pred[1] == 42.0
    assert window.isWindowModified()


def test_opening_another_file_discard_opens_it(window, other_session):
    _edit(window)
    window.session.ask_unsaved = Answers("discard")
    assert open_session(window, str(other_session))
    assert window.model.dataset().task == "binary" and not window.isWindowModified()
    # Discarded, yet still recoverable with Undo: the load is one undo step.
    window.undo_stack.undo()
    assert window.model.dataset().y_pred[1] == 42.0


def test_opening_another_file_save_saves_first(window, other_session, tmp_path):
    _edit(window, 3.0)
    window.session.ask_unsaved = Answers("save")
    window.session.ask_save_path = lambda _parent, _suggestion: str(tmp_path / "first.lossx")
    assert open_session(window, str(other_session))
    assert read_session(tmp_path / "first.lossx").dataset.y_pred[1] == 3.0
    assert window.model.dataset().task == "binary"


def test_open_session_dialog_asks_before_the_file_dialog(window):
    _edit(window)
    order = []
    window.session.ask_unsaved = lambda *_: order.append("unsaved") or "cancel"
    window.session.ask_open_path = lambda *_: order.append("dialog") or ""
    window.session.open_action.trigger()
    assert order == ["unsaved"]


def test_confirm_discard_for_other_modules(window):
    _edit(window)
    window.session.ask_unsaved = Answers("cancel")
    assert not confirm_discard(window)
    window.session.ask_unsaved = Answers("discard")
    assert confirm_discard(window)
