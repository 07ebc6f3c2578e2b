"""``genart-desktop``: start-up. The window shows before torch is imported.

Heavy imports (torch, the engines) happen in the background after the first paint; this
module imports only Qt and the light parts of the package.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time

_PROCESS_START = time.perf_counter()
log = logging.getLogger("genart.app")
PANELS = ("canvas", "latent", "style", "music", "text")


def parse_arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="genart-desktop", description="GenArt Desktop")
    parser.add_argument("files", nargs="*", help="pictures to open")
    parser.add_argument("--device", help="auto (default), cpu, cuda, cuda:N or mps")
    parser.add_argument("--screenshot", metavar="FILE",
                        help="open offscreen in the default layout, save a PNG of the window, exit")
    parser.add_argument("--panel", choices=PANELS, default="canvas",
                        help="with --screenshot: the panel in front")
    parser.add_argument("--report-startup", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("-v", "--verbose", action="store_true")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_arguments(sys.argv[1:] if argv is None else argv)
    if args.screenshot or args.report_startup:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

    from genart_desktop.core.logs import setup_logging

    setup_logging(args.verbose)

    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from genart_desktop.core.device import set_preference
    from genart_desktop.ui.main_window import MainWindow
    from genart_desktop.ui.settings import app_settings
    from genart_desktop.ui.theme import apply_theme

    # --device wins over the stored preference, which wins over GENART_DEVICE / auto
    stored_device = app_settings().value("device")
    if args.device or stored_device:
        set_preference(args.device or str(stored_device))

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("GenArt Desktop")
    from genart_desktop.ui.preferences import Preferences

    apply_theme(app, Preferences.load().theme)
    window = MainWindow(restore_layout=not args.screenshot)
    sys.excepthook = _report_uncaught(window)
    window.show()

    if args.report_startup:
        # Benchmarks: the moment the window has been shown and painted once.
        app.processEvents()
        print(f"window-shown {time.perf_counter() - _PROCESS_START:.4f}", flush=True)
        window.shutdown_workers()
        return 0

    QTimer.singleShot(0, window.start_background_init)
    if not args.screenshot:
        QTimer.singleShot(0, window.offer_recovery)
    for path in args.files:
        window.open_path(path)
    if args.screenshot:
        _take_screenshot_when_ready(app, window, args.screenshot, args.panel)
    status = app.exec()
    return int(status)


def _take_screenshot_when_ready(app, window, path: str, panel: str) -> None:
    from PySide6.QtCore import QTimer

    def shoot() -> None:
        if panel != "canvas":
            window.show_panel(panel)
        app.processEvents()
        ok = window.grab().save(path, "PNG")
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


if __name__ == "__main__":
    raise SystemExit(main())
