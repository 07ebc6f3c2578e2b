"""Start-up shows the window before torch; closing with a running job exits cleanly."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

from PIL import Image


def _run(code: str, timeout: int = 120) -> subprocess.CompletedProcess:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True,
                          text=True, timeout=timeout, env=env)


def test_window_is_shown_before_torch_is_imported():
    result = _run("""
        import sys, threading, time

        main_thread_imports = []

        class RecordTorchImport:
            def find_spec(self, name, path=None, target=None):
                if name == "torch" and threading.current_thread() is threading.main_thread():
                    main_thread_imports.append(name)
                return None

        sys.meta_path.insert(0, RecordTorchImport())
        from PySide6.QtWidgets import QApplication
        app = QApplication([])
        from genart_desktop.ui.main_window import MainWindow
        window = MainWindow()
        print("torch before show:", "torch" in sys.modules)
        window.show()
        window.start_background_init()
        end = time.monotonic() + 3
        while time.monotonic() < end:  # start-up work runs; the UI thread never imports torch
            app.processEvents()
            time.sleep(0.01)
        print("torch on the UI thread:", bool(main_thread_imports))
        window.shutdown_workers()
    """)
    assert result.returncode == 0, result.stderr
    assert "torch before show: False" in result.stdout
    assert "torch on the UI thread: False" in result.stdout


def test_closing_with_a_running_job_exits_cleanly():
    result = _run("""
        import time
        from PySide6.QtCore import QTimer
        from PySide6.QtWidgets import QApplication
        app = QApplication([])
        from genart_desktop.ui.main_window import MainWindow
        window = MainWindow()
        window.show()

        def endless(job):
            import torch
            a = torch.randn(256, 256)
            while True:
                job.check()
                a = torch.tanh(a @ a)

        for name in ("latent", "style", "music", "text"):
            window.workers[name].submit(endless, show_progress=True)
        QTimer.singleShot(500, window.close)
        app.exec()
        print("exited")
    """)
    assert result.returncode == 0, result.stderr
    assert "exited" in result.stdout
    assert "QThread: Destroyed while thread is still running" not in result.stderr


def test_screenshot_option_writes_the_window(tmp_path):
    target = tmp_path / "shot.png"
    result = subprocess.run(
        [sys.executable, "-m", "genart_desktop.app", "--screenshot", str(target),
         "--panel", "text", str(Path(__file__).parents[2] / "resources/samples/coffee.png")],
        capture_output=True, text=True, timeout=120,
        env=dict(os.environ, QT_QPA_PLATFORM="offscreen"))
    assert result.returncode == 0, result.stderr
    with Image.open(target) as shot:
        assert shot.width >= 800 and shot.height >= 600
