from __future__ import annotations

import json
import os
import time
from contextlib import contextmanager

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


@pytest.fixture
def window_with_only():
    """``with window_with_only("insight") as window:``; see ``_window_with_only``."""
    return _window_with_only


@contextmanager
def _window_with_only(panel_name: str, wait_s: float = 120.0):
    """A window where only one panel is in view: the others analyse the canvas or load
    models while seen, which a test of one panel need not wait for. On leaving, the
    panel's own work is let finish before the workers are shut down."""
    from PySide6.QtWidgets import QApplication

    main_window = MainWindow(restore_layout=False)
    for name, dock in main_window.docks.items():
        if name != panel_name:
            dock.close()
    main_window.show()
    main_window.show_panel(panel_name)
    try:
        yield main_window
    finally:
        end = time.monotonic() + wait_s
        while any(w.busy() for w in main_window.workers.values()) and time.monotonic() < end:
            QApplication.processEvents()
            time.sleep(0.01)
        main_window.session.mark_clean()
        main_window.shutdown_workers()
        main_window.close()


@pytest.fixture
def virtual_screen(tmp_path):
    """``env = virtual_screen(1366, 768)``: the environment for a child process whose
    offscreen screen has that size (this process's QApplication keeps Qt's 800x600)."""

    def environment(width: int, height: int) -> dict[str, str]:
        config = tmp_path / f"screen-{width}x{height}.json"
        config.write_text(json.dumps({"screens": [{
            "name": "virtual", "x": 0, "y": 0, "width": width, "height": height,
            "logicalDpi": 96, "logicalBaseDpi": 96, "dpr": 1}]}))
        return dict(os.environ, QT_QPA_PLATFORM=f"offscreen:configfile={config}")

    return environment


def drop_files(widget, files, at=None) -> bool:
    """Drag local files onto ``widget`` and drop them as a person does: the events go
    through QApplication to the widget under the cursor (``at``, default the middle), so
    they reach whoever really takes drops there (a child, or a parent when the child
    refuses them), never a handler called by hand. True when the drag was accepted."""
    from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
    from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent
    from PySide6.QtWidgets import QApplication

    point = at if at is not None else QPoint(widget.width() // 2, widget.height() // 2)
    target = widget.childAt(point) or widget
    local = target.mapFrom(widget, point)
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(file)) for file in files])
    args = (Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
            Qt.KeyboardModifier.NoModifier)
    enter = QDragEnterEvent(local, *args)
    QApplication.sendEvent(target, enter)
    if not enter.isAccepted():
        return False
    QApplication.sendEvent(target, QDragMoveEvent(local, *args))
    QApplication.sendEvent(target, QDropEvent(QPointF(local), *args))
    return True
