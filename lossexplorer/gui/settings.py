"""Every remembered setting, in one place: all ``QSettings`` access in the app goes through this module.

Settings are kept in an INI file on every platform, so tests (and the crash-recovery subprocess) can
redirect them to a temporary folder: set ``LOSSEXPLORER_CONFIG_DIR`` (settings) and ``LOSSEXPLORER_DATA_DIR``
(recovery files and the error log), or call ``QSettings.setPath`` for the INI format.
Values are read with a typed ``QSettings.value(key, defaultValue=..., type=...)`` against :data:`_DEFAULTS`,
so a damaged or hand-edited file yields defaults rather than surprises.
"""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QByteArray, QCoreApplication, QSettings, QStandardPaths

ORGANIZATION = "lossexplorer"
APPLICATION = "lossexplorer"
CONFIG_DIR_ENV = "LOSSEXPLORER_CONFIG_DIR"
DATA_DIR_ENV = "LOSSEXPLORER_DATA_DIR"
MAX_RECENT_FILES = 10
THEMES = ("light", "dark")

_DEFAULTS: dict[str, object] = {
    "window/geometry": QByteArray(),
    "window/state": QByteArray(),
    "files/recent": [],
    "files/last_folder": "",
    "appearance/theme": "light",
    "losses/checked": [],
    "losses/current": "",
}


def _settings() -> QSettings:
    folder = os.environ.get(CONFIG_DIR_ENV)
    if folder:
        return QSettings(str(Path(folder) / f"{APPLICATION}.ini"), QSettings.Format.IniFormat)
    return QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, ORGANIZATION, APPLICATION)


def _read(key: str, kind: type) -> object:
    default = _DEFAULTS[key]
    try:
        value = _settings().value(key, defaultValue=default, type=kind)
    except (TypeError, ValueError):
        return default
    return default if value is None else value


def _write(key: str, value: object) -> None:
    settings = _settings()
    settings.setValue(key, value)
    settings.sync()


def settings_file() -> str:
    """Path of the settings file in use (for the About box and for tests)."""
    return _settings().fileName()


def data_dir() -> Path:
    """The user's data folder for recovery files and the error log (created on demand by the callers).

    ``LOSSEXPLORER_DATA_DIR`` overrides it; otherwise it is ``QStandardPaths.AppDataLocation``.
    """
    override = os.environ.get(DATA_DIR_ENV)
    if override:
        return Path(override)
    app = QCoreApplication.instance()
    if app is not None and (app.organizationName(), app.applicationName()) == (ORGANIZATION, APPLICATION):
        location = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation)
        if location:
            return Path(location)
    # Without the app's names Qt would answer a folder shared with other programs; name ours explicitly.
    generic = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.GenericDataLocation)
    return Path(generic or Path.home()) / ORGANIZATION / APPLICATION


# ----- window ------------------------------------------------------------------------------------
def window_geometry() -> QByteArray:
    """The main window's saved geometry (empty if never saved)."""
    return QByteArray(_read("window/geometry", QByteArray))


def set_window_geometry(geometry: QByteArray) -> None:
    """Remember the main window's geometry (from ``QMainWindow.saveGeometry``)."""
    _write("window/geometry", QByteArray(geometry))


def window_state() -> QByteArray:
    """The main window's saved dock and toolbar state (empty if never saved)."""
    return QByteArray(_read("window/state", QByteArray))


def set_window_state(state: QByteArray) -> None:
    """Remember the main window's dock and toolbar state (from ``QMainWindow.saveState``)."""
    _write("window/state", QByteArray(state))


# ----- files -------------------------------------------------------------------------------------
def recent_files() -> list[str]:
    """Recently opened or saved files, most recent first, at most :data:`MAX_RECENT_FILES`."""
    value = _read("files/recent", list)
    return [str(path) for path in value if path][:MAX_RECENT_FILES] if isinstance(value, list) else []


def add_recent_file(path: str | os.PathLike[str]) -> None:
    """Put a file at the top of the recent files (once; older duplicates are dropped)."""
    full = _normalised(path)
    others = [item for item in recent_files() if _normalised(item) != full]
    _write("files/recent", [full, *others][:MAX_RECENT_FILES])


def remove_recent_file(path: str | os.PathLike[str]) -> None:
    """Forget one recent file (for example one that no longer exists)."""
    full = _normalised(path)
    _write("files/recent", [item for item in recent_files() if _normalised(item) != full])


def clear_recent_files() -> None:
    """Forget every recent file."""
    _write("files/recent", [])


def last_folder() -> str:
    """The folder of the last file opened or saved, or ``""`` if none yet."""
    return str(_read("files/last_folder", str))


def set_last_folder(path: str | os.PathLike[str]) -> None:
    """Remember a folder for the next file dialog; a file path remembers its folder."""
    full = Path(_normalised(path))
    _write("files/last_folder", str(full if full.is_dir() or not full.suffix else full.parent))


# ----- appearance and losses ---------------------------------------------------------------------
def theme() -> str:
    """The colour theme name, one of :data:`THEMES`."""
    value = str(_read("appearance/theme", str))
    return value if value in THEMES else str(_DEFAULTS["appearance/theme"])


def set_theme(name: str) -> None:
    """Remember the colour theme; raises ValueError for an unknown name."""
    if name not in THEMES:
        raise ValueError(f"unknown theme {name!r}; expected one of {', '.join(THEMES)}")
    _write("appearance/theme", name)


def last_losses() -> list[str] | None:
    """The loss ids checked when the app last closed, or None if never saved (then the defaults apply)."""
    if not _settings().contains("losses/checked"):
        return None
    value = _read("losses/checked", list)
    return [str(item) for item in value] if isinstance(value, list) else None


def set_last_losses(loss_ids: list[str] | tuple[str, ...]) -> None:
    """Remember which losses are checked."""
    _write("losses/checked", [str(item) for item in loss_ids])


def last_current_loss() -> str:
    """The loss whose controls were shown when the app last closed, or ``""``."""
    return str(_read("losses/current", str))


def set_last_current_loss(loss_id: str) -> None:
    """Remember the loss whose controls are shown."""
    _write("losses/current", str(loss_id))


def _normalised(path: str | os.PathLike[str]) -> str:
    return os.path.normpath(os.path.abspath(os.fspath(path)))
