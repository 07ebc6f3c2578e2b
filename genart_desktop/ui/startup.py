"""Start-up of the window (the Qt side of ``genart-desktop``; app.py parses the arguments).

The window shows first; torch and the models load in the background afterwards.
"""

from __future__ import annotations

import logging
import os
import sys
import time
from argparse import Namespace

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from genart_desktop.core.device import set_preference
from genart_desktop.ui.main_window import MainWindow
from genart_desktop.ui.preferences import Preferences
from genart_desktop.ui.settings import app_settings
from genart_desktop.ui.theme import apply_theme

log = logging.getLogger("genart.app")


def run_window(args: Namespace, process_start: float) -> int:
    """Build and show the window, then run Qt's loop; returns the exit status."""
    # --device wins over the stored preference, which wins over GENART_DEVICE / auto
    stored_device = app_settings().value("device")
    if args.device or stored_device:
        set_preference(args.device or str(stored_device))

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("GenArt Desktop")

    apply_theme(app, Preferences.load().theme)
    window = MainWindow(restore_layout=not args.screenshot)
    sys.excepthook = _report_uncaught(window)
    window.show()
    from genart_desktop.ui.stall_watchdog import StallWatchdog

    window.stall_watchdog = StallWatchdog.from_environment()  # GENART_STALL_WATCHDOG=1

    if args.report_startup:
        # Benchmarks: the moment the window has been shown and painted once.
        app.processEvents()
        print(f"window-shown {time.perf_counter() - process_start:.4f}", flush=True)
        window.shutdown_workers()
        return 0

    QTimer.singleShot(0, window.start_background_init)
    if not args.screenshot:
        QTimer.singleShot(0, window.offer_recovery)
    for path in args.files:
        window.open_path(path)
    window.show_first_picture()  # after the files and the recovery: they take precedence
    if args.screenshot:
        _take_screenshot_when_ready(app, window, args.screenshot, args.panel)
    return exit_status(int(app.exec()))


def exit_status(status: int) -> int:
    """The status to leave with, once the window has closed. A job that did not stop
    when asked (a long network pass, a library call that cannot be interrupted) would
    keep the process alive, and Python's exit would then abort on its running thread:
    with such a worker left, the process ends here at once. By now the session was saved
    or discarded and the autosave cleared; the job's own result is what is dropped."""
    from genart_desktop.ui.main_window import unfinished_workers

    if unfinished_workers():
        log.warning("%d job(s) did not stop in time; exiting without them", unfinished_workers())
        logging.shutdown()
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(status)
    return status


def _take_screenshot_when_ready(app, window, path: str, panel: str) -> None:
    def shoot() -> None:
        if panel != "canvas":
            window.show_panel(panel)
        app.processEvents()
        image_format = "JPEG" if str(path).lower().endswith((".jpg", ".jpeg")) else "PNG"
        ok = window.grab().save(str(path), image_format)
        if not ok:
            print(f"genart-desktop: could not write {path}", file=sys.stderr)
        window.session.mark_clean()  # a screenshot is nobody's work: close without asking
        window.close()
        app.exit(0 if ok else 1)

    waited = [0.0]

    def poll() -> None:
        # Panels say when they are ready (models loaded, thumbnails drawn); give up
        # waiting after a minute rather than never taking the picture.
        waited[0] += 0.1
        if window.is_ready() or waited[0] > 60:
            QTimer.singleShot(300, shoot)  # let the layout settle
        else:
            QTimer.singleShot(100, poll)

    if panel != "canvas":
        window.show_panel(panel)
    QTimer.singleShot(100, poll)


def _report_uncaught(window):
    """An exception escaping a slot is logged and shown; the app stays up."""

    def hook(kind, value, trace) -> None:
        log.error("uncaught exception", exc_info=(kind, value, trace))
        try:
            window.show_error(f"Unexpected error: {kind.__name__}: {value}")
        except Exception:  # noqa: BLE001 - never let the hook itself fail
            pass

    return hook
