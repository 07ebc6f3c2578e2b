"""Every test runs offscreen, with its own settings, data, cache and log folders."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest


@pytest.fixture(scope="session")
def test_cache_dir(tmp_path_factory):
    """One cache for the whole run (exported networks, thumbnails), never the user's."""
    return tmp_path_factory.mktemp("cache")


@pytest.fixture(autouse=True)
def isolated_user_folders(tmp_path_factory, monkeypatch, test_cache_dir):
    root = tmp_path_factory.mktemp("user")
    monkeypatch.setenv("GENART_CACHE_DIR", str(test_cache_dir))
    for variable, folder in (("GENART_DATA_DIR", "data"), ("GENART_CONFIG_DIR", "config"),
                             ("GENART_LOG_DIR", "log")):
        monkeypatch.setenv(variable, str(root / folder))
    return root
