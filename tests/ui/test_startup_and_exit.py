"""Start-up shows the window before torch; closing with a running job exits cleanly."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

from PIL import Image


def _run(code: str, timeout: int = 120) -> subprocess.CompletedProcess:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True,
                          text=True, timeout=timeout, env=env)


def test_window_is_shown_before_torch_is_imported():
    result = _run("""
        import sys
        from PySide6.QtWidgets import QApplication
        app = QApplication([])
        from genart_desktop.ui.main_window import MainWindow
        window = MainWindow()
        window.show()
        app.processEvents()
        print("torch imported:", "torch" in sys.modules)
        window.shutdown_workers()
    """)
    assert result.returncode == 0, result.stderr
    assert "torch imported: False" in result.stdout


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
         "--panel", "text"],
        capture_output=True, text=True, timeout=120,
        env=dict(os.environ, QT_QPA_PLATFORM="offscreen"))
    assert result.returncode == 0, result.stderr
    with Image.open(target) as shot:
        assert shot.width >= 800 and shot.height >= 600
