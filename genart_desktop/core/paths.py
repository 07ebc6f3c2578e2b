"""Where things live: shipped models and resources, the user's data, the log file.

Shipped files sit at the top of the repository (``models/``, ``resources/``); a wheel
carries them inside the package (pyproject's force-include), so both places are tried.
"""

from __future__ import annotations

import os
from pathlib import Path

APP_NAME = "genart-desktop"
_PACKAGE_DIR = Path(__file__).resolve().parent.parent
# Folders the user chose in Preferences (set by the window at start-up); None: defaults.
_chosen: dict[str, Path | None] = {"models": None, "autosave": None}


def choose_folders(models: str | os.PathLike[str] | None = None,
                   autosave: str | os.PathLike[str] | None = None) -> None:
    """Where the user's models and autosaves live; empty or None keeps the default."""
    _chosen["models"] = Path(models) if models else None
    _chosen["autosave"] = Path(autosave) if autosave else None


def _shipped_dir(name: str) -> Path:
    inside_package = _PACKAGE_DIR / name  # installed wheel
    if inside_package.is_dir():
        return inside_package
    return _PACKAGE_DIR.parent / name  # source checkout or editable install


def shipped_models_dir() -> Path:
    return _shipped_dir("models")


def resources_dir() -> Path:
    return _shipped_dir("resources")


def _platform_folder(variable: str, kind: str) -> Path:
    """A per-user folder from platformdirs (``kind``: data, cache, log, config), created;
    the environment variable overrides it (tests, portable installs)."""
    override = os.environ.get(variable)
    if override:
        path = Path(override)
    else:
        import platformdirs

        path = Path(getattr(platformdirs, f"user_{kind}_dir")(APP_NAME, appauthor=False))
    path.mkdir(parents=True, exist_ok=True)
    return path


def _subfolder(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    return path


def user_data_dir() -> Path:
    """The user's own models, styles, autosaves. ``GENART_DATA_DIR`` overrides."""
    return _platform_folder("GENART_DATA_DIR", "data")


def user_models_dir() -> Path:
    return _subfolder(_chosen["models"] or user_data_dir() / "models")


def autosave_dir() -> Path:
    return _subfolder(_chosen["autosave"] or user_data_dir() / "autosave")


def cache_dir() -> Path:
    """Downloaded training data and parsed corpora. ``GENART_CACHE_DIR`` overrides."""
    return _platform_folder("GENART_CACHE_DIR", "cache")


def config_dir() -> Path:
    """Settings. ``GENART_CONFIG_DIR`` overrides."""
    return _platform_folder("GENART_CONFIG_DIR", "config")


def log_file() -> Path:
    return _platform_folder("GENART_LOG_DIR", "log") / "genart.log"
