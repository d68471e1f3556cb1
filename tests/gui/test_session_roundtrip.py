"""Save and open sessions through the window: equal data and settings, titles, recent files, refusals."""

import math
import shutil
from pathlib import Path

import numpy as np
import pytest

from lossexplorer.demo import demo_dataset
from lossexplorer.gui import settings
from lossexplorer.gui.session_actions import confirm_discard, open_session, save_session
from lossexplorer.session import read_session

SESSIONS = Path(__file__).resolve().parents[1] / "data" / "sessions"


def _arrays(window):
    data = window.model.dataset()
    return data.y_true.copy(), data.y_pred.copy()


def _same_bits(a, b):
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


def _tune(window):
    """Edit cells and every kind of setting a session holds."""
    model = window.model
    model.set_cells(np.array([0, 3, 4]), np.array([1, 2, 3]), [0.25, 1 / 3, 0.0])
    model.set_cells(np.array([1]), np.array([0]), ["dog"])
    state = window.loss_state
    state.set_checked("kl_divergence", True)
    state.set_checked("hinge", False)
    state.set_param("huber", "delta", 0.3)
    state.set_param("binary_focal_crossentropy", "gamma", 3.5)
    state.set_param("general_robust", "alpha", -math.inf)
    state.set_param("categorical_crossentropy", "from_logits", True)
    state.set_current("kl_divergence")
    window.log_y_action.setChecked(True)
    window.show_view("regression")


def test_save_then_open_gives_equal_data_and_settings(make_window, tmp_path):
    source = make_window("multiclass")
    _tune(source)
    source.session.ask_save_path = lambda _parent, _suggestion: str(tmp_path / "work")
    assert save_session(source)
    saved = tmp_path / "work.lossx"
    assert saved.is_file()

    target = make_window("regression")
    assert open_session(target, str(saved))
    a, b = source.model.dataset(), target.model.dataset()
    assert _same_bits(b.y_true, a.y_true) and _same_bits(b.y_pred, a.y_pred)
    assert b.y_true[1] == 1 and b.y_pred[0, 0] == 0.25 and b.y_pred[3, 1] == 1 / 3
    for name in ("task", "pred_kind", "true_name", "pred_names", "class_names", "source"):
        assert getattr(b, name) == getattr(a, name)
    assert target.loss_state.to_dict() == source.loss_state.to_dict()
    assert target.loss_state.params("general_robust")["alpha"] == -math.inf
    assert target.loss_state.is_checked("kl_divergence") and not target.loss_state.is_checked("hinge")
    assert target.log_y_action.isChecked()
    assert target.current_view_name() == "regression"
    assert not target.isWindowModified()
    assert "work.lossx" in target.windowTitle()
    assert target.windowFilePath() == str(saved.resolve())


def test_opening_is_one_undo_step(make_window, tmp_path):
    source = make_window("binary")
    source.session.save_to(str(tmp_path / "b.lossx"))
    target = make_window("regression")
    before = _arrays(target)
    assert open_session(target, str(tmp_path / "b.lossx"))
    assert target.model.dataset().task == "binary"
    target.undo_stack.undo()
    assert target.model.dataset().task == "regression"
    assert all(_same_bits(x, y) for x, y in zip(_arrays(target), before, strict=True))
    assert target.isWindowModified()
    target.undo_stack.redo()
    assert target.model.dataset().task == "binary" and not target.isWindowModified()


def test_title_shows_file_name_and_modified_mark(make_window, tmp_path):
    window = make_window()
    assert not window.isWindowModified()
    assert "demo_regression.csv" in window.windowTitle()
    window.model.set_cells(np.array([0]), np.array([1]), [9.5])
    assert window.isWindowModified()
    assert window.session.save_to(str(tmp_path / "mine.lossx"))
    assert not window.isWindowModified()
    assert "mine.lossx" in window.windowTitle()
    window.undo_stack.undo()
    assert window.isWindowModified()
    window.undo_stack.redo()
    assert not window.isWindowModified()


def test_changing_a_loss_parameter_is_an_unsaved_change(make_window, tmp_path):
    window = make_window()
    window.session.save_to(str(tmp_path / "p.lossx"))
    window.loss_state.set_param("huber", "delta", 2.0)
    assert window.isWindowModified()
    assert window.session.save()
    assert not window.isWindowModified()
    assert read_session(tmp_path / "p.lossx").losses["params"]["huber"]["delta"] == 2.0


def test_save_without_a_file_asks_and_cancel_saves_nothing(make_window, tmp_path):
    window = make_window()
    window.model.set_cells(np.array([0]), np.array([1]), [1.0])
    asked = []
    window.session.ask_save_path = lambda _parent, suggestion: asked.append(suggestion) or ""
    assert not window.session.save()
    assert asked and asked[0].endswith("demo_regression.lossx")
    assert window.isWindowModified() and list(tmp_path.iterdir()) == []


def test_saving_remembers_recent_file_and_folder(make_window, tmp_path):
    window = make_window()
    window.session.save_to(str(tmp_path / "r.lossx"))
    assert settings.recent_files()[0] == str((tmp_path / "r.lossx").resolve())
    assert settings.last_folder() == str(tmp_path.resolve())


def test_open_via_the_dialog_starts_in_the_last_folder(make_window, tmp_path):
    shutil.copy(SESSIONS / "valid_v1.lossx", tmp_path / "v.lossx")
    settings.set_last_folder(tmp_path)
    window = make_window("binary")
    folders = []
    window.session.ask_open_path = lambda _parent, folder: folders.append(folder) or str(tmp_path / "v.lossx")
    window.session.open_action.trigger()
    assert folders == [str(tmp_path)]
    assert window.model.dataset().true_name == "price"
    assert window.loss_state.params("quantile")["tau"] == 0.9


def test_a_save_failure_is_one_line_and_keeps_the_changes(make_window, tmp_path):
    window = make_window()
    window.model.set_cells(np.array([0]), np.array([1]), [4.0])
    problems = []
    window.session.report_problem = lambda _parent, message: problems.append(message)
    assert not window.session.save_to(str(tmp_path / "missing" / "x.lossx"))
    assert len(problems) == 1 and "\n" not in problems[0] and "missing" in problems[0]
    assert window.isWindowModified() and window.session.path() == ""


def test_loading_data_from_elsewhere_detaches_the_session_file(make_window, tmp_path):
    window = make_window()
    window.session.save_to(str(tmp_path / "s.lossx"))
    window.model.replace_dataset(demo_dataset("binary"))
    # Save must not write the newly loaded data over the old session file without asking.
    assert window.session.path() == "" and "demo_binary.csv" in window.windowTitle()
    window.undo_stack.undo()
    assert window.session.path() == str((tmp_path / "s.lossx").resolve())


def test_confirm_discard_without_changes_asks_nothing(make_window):
    window = make_window()
    window.session.ask_unsaved = lambda *_: pytest.fail("asked although nothing changed")
    assert confirm_discard(window)


@pytest.mark.parametrize(("name", "words"), [
    ("truncated.lossx", ("truncated",)),
    ("not_json.lossx", ("JSON",)),
    ("newer_version.lossx", ("newer",)),
    ("wrong_types.lossx", ("y_true",)),
    ("oversized.lossx", ("rows",)),
])
def test_malformed_sessions_are_refused_and_change_nothing(make_window, tmp_path, name, words):
    window = make_window("binary")
    window.model.set_cells(np.array([2]), np.array([1]), [0.75])
    window.loss_state.set_param("huber", "delta", 0.5)
    before_data = window.model.dataset()
    before_arrays = _arrays(window)
    before_state = window.loss_state.to_dict()
    before_title, before_count = window.windowTitle(), window.undo_stack.count()
    problems = []
    window.session.report_problem = lambda _parent, message: problems.append(message)
    window.session.ask_unsaved = lambda *_: "discard"

    assert not open_session(window, str(SESSIONS / name))

    assert len(problems) == 1 and "\n" not in problems[0] and name in problems[0]
    assert all(word in problems[0] for word in words), problems[0]
    assert window.model.dataset() is before_data
    assert all(_same_bits(x, y) for x, y in zip(_arrays(window), before_arrays, strict=True))
    assert window.loss_state.to_dict() == before_state
    assert window.undo_stack.count() == before_count and window.isWindowModified()
    assert window.windowTitle() == before_title
    assert window.statusBar().currentMessage() == problems[0]
