"""Every test runs offscreen, with its own settings, data, cache and log folders."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest


@pytest.fixture(autouse=True)
def isolated_user_folders(tmp_path_factory, monkeypatch):
    root = tmp_path_factory.mktemp("user")
    for variable, folder in (("GENART_DATA_DIR", "data"), ("GENART_CONFIG_DIR", "config"),
                             ("GENART_LOG_DIR", "log")):
        monkeypatch.setenv(variable, str(root / folder))
    return root
