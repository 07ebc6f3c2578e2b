"""The stall watchdog (GENART_STALL_WATCHDOG=1) names what held the window up."""

from __future__ import annotations

import logging
import time

from PySide6.QtCore import QTimer

from genart_desktop.ui.stall_watchdog import StallWatchdog


def hold_the_ui_thread() -> None:
    time.sleep(0.25)  # a handler doing slow work on the UI thread


def test_a_stall_is_logged_with_the_ui_threads_stack_and_its_length(qtbot, caplog):
    watchdog = StallWatchdog(threshold_ms=50)
    watchdog.start()
    try:
        with caplog.at_level(logging.WARNING, logger="genart.stalls"):
            QTimer.singleShot(30, hold_the_ui_thread)
            qtbot.waitUntil(lambda: any(s.seconds for s in watchdog.stalls), timeout=5000)
    finally:
        watchdog.stop()
    stall = next(s for s in watchdog.stalls if "hold_the_ui_thread" in s.ui_thread)
    assert 0.2 <= stall.seconds < 1.0
    assert "hold_the_ui_thread" in caplog.text and "ended" in caplog.text


def test_the_environment_switches_it_on(monkeypatch, qtbot):
    monkeypatch.delenv("GENART_STALL_WATCHDOG", raising=False)
    assert StallWatchdog.from_environment() is None
    monkeypatch.setenv("GENART_STALL_WATCHDOG", "30")
    watchdog = StallWatchdog.from_environment()
    try:
        assert watchdog is not None and watchdog.threshold == 0.03
    finally:
        watchdog.stop()
