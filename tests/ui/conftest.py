from __future__ import annotations

import pytest

from genart_desktop.ui.main_window import MainWindow


@pytest.fixture(autouse=True)
def no_modal_questions(monkeypatch):
    """Modal questions would block an offscreen test: answer them, and record them."""
    asked: list[str] = []

    def discard(self, before="closing"):
        asked.append("save changes?")
        return "discard"

    monkeypatch.setattr(MainWindow, "ask_save_changes", discard)
    monkeypatch.setattr(MainWindow, "ask_restore_session", lambda self: asked.append("restore?") or True)
    return asked


@pytest.fixture
def window(qtbot):
    main_window = MainWindow()
    qtbot.addWidget(main_window)
    main_window.show()
    qtbot.waitExposed(main_window)
    yield main_window
    main_window.shutdown_workers()
