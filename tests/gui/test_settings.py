"""The settings module: typed defaults, recent files, last folder, window, theme, losses; always in tmp_path."""

import os
from pathlib import Path

import pytest
from PySide6.QtCore import QByteArray, QSettings

from lossexplorer.gui import settings


def test_settings_live_in_the_test_folder(isolated_settings_and_data):
    assert Path(settings.settings_file()).is_relative_to(isolated_settings_and_data)
    assert settings.data_dir().is_relative_to(isolated_settings_and_data)
    # A default-constructed QSettings (code that bypasses the module) is contained too.
    assert Path(QSettings().fileName()).is_relative_to(isolated_settings_and_data)


def test_defaults_on_a_fresh_file():
    assert settings.recent_files() == []
    assert settings.last_folder() == ""
    assert settings.theme() == "light"
    assert settings.last_losses() is None
    assert settings.last_current_loss() == ""
    assert settings.window_geometry().isEmpty() and settings.window_state().isEmpty()


def test_recent_files_most_recent_first_without_duplicates(tmp_path):
    a, b, c = (str(tmp_path / name) for name in ("a.csv", "b.lossx", "c.csv"))
    settings.add_recent_file(a)
    settings.add_recent_file(b)
    settings.add_recent_file(c)
    settings.add_recent_file(os.path.join(str(tmp_path), ".", "a.csv"))
    assert settings.recent_files() == [a, c, b]
    settings.remove_recent_file(c)
    assert settings.recent_files() == [a, b]
    settings.clear_recent_files()
    assert settings.recent_files() == []


def test_a_single_recent_file_reads_back_as_a_list(tmp_path):
    # INI stores a one-element list like a plain string; the typed read must still give a list.
    settings.add_recent_file(tmp_path / "only.csv")
    assert settings.recent_files() == [str(tmp_path / "only.csv")]


def test_recent_files_are_capped(tmp_path):
    names = [str(tmp_path / f"f{i}.csv") for i in range(settings.MAX_RECENT_FILES + 5)]
    for name in names:
        settings.add_recent_file(name)
    assert settings.recent_files() == names[::-1][:settings.MAX_RECENT_FILES]


def test_last_folder_from_a_folder_or_a_file(tmp_path):
    settings.set_last_folder(tmp_path)
    assert settings.last_folder() == str(tmp_path)
    (tmp_path / "sub").mkdir()
    settings.set_last_folder(tmp_path / "sub" / "data.csv")
    assert settings.last_folder() == str(tmp_path / "sub")


def test_window_geometry_and_state_round_trip_bytes():
    blob = QByteArray(bytes(range(256)))
    settings.set_window_geometry(blob)
    settings.set_window_state(QByteArray(b"\x00state\xff"))
    assert bytes(settings.window_geometry().data()) == bytes(range(256))
    assert bytes(settings.window_state().data()) == b"\x00state\xff"


def test_theme_is_validated():
    settings.set_theme("dark")
    assert settings.theme() == "dark"
    with pytest.raises(ValueError, match="unknown theme"):
        settings.set_theme("neon")
    assert settings.theme() == "dark"


def test_last_losses_including_an_empty_selection():
    settings.set_last_losses(["huber"])
    assert settings.last_losses() == ["huber"]
    settings.set_last_losses(["huber", "quantile"])
    assert settings.last_losses() == ["huber", "quantile"]
    settings.set_last_losses([])
    assert settings.last_losses() == []
    settings.set_last_current_loss("quantile")
    assert settings.last_current_loss() == "quantile"


def test_hand_damaged_values_fall_back_to_defaults():
    raw = QSettings(settings.settings_file(), QSettings.Format.IniFormat)
    raw.setValue("appearance/theme", "purple")
    raw.setValue("window/geometry", "not bytes")
    raw.sync()
    assert settings.theme() == "light"
    assert isinstance(settings.window_geometry(), QByteArray)


def test_values_persist_in_the_file():
    settings.set_theme("dark")
    reread = QSettings(settings.settings_file(), QSettings.Format.IniFormat)
    assert reread.value("appearance/theme") == "dark"
