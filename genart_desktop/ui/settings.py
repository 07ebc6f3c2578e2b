"""Remembered settings (QSettings, an INI file in the user's config folder).

``GENART_CONFIG_DIR`` overrides the folder, so tests never touch the user's own settings.
"""

from __future__ import annotations

from PySide6.QtCore import QSettings

from genart_desktop.core.paths import config_dir

MAX_RECENT_FILES = 10


def app_settings() -> QSettings:
    return QSettings(str(config_dir() / "settings.ini"), QSettings.Format.IniFormat)


def recent_files() -> list[str]:
    value = app_settings().value("recent_files", [])
    if isinstance(value, str):
        value = [value]
    return [str(item) for item in value or []]


def add_recent_file(path: str) -> list[str]:
    files = [path] + [item for item in recent_files() if item != path]
    files = files[:MAX_RECENT_FILES]
    app_settings().setValue("recent_files", files)
    return files
